import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const fx = localHubPlugin({ token: "hf_job_wait_token", name: "job-wait" });

/** A job that prints nothing until the test drops a `go` file in its folder (its working directory). */
const SILENT_UNTIL_GO = [
  "import os, time",
  "while not os.path.exists('go'):",
  "    time.sleep(0.05)",
  "print('trained', flush=True)",
].join("\n");

const idOf = (result: { details?: unknown }) => (result.details as { id: string }).id;
const go = (id: string) => writeFileSync(join(fx.dir, "jobs", id, "go"), "");

describe.skipIf(!existsSync("/usr/bin/python3"))("hf_job_wait on the local Hub", () => {
  it("waits on a silent job with heartbeats and returns when it ends, with its progress", async () => {
    const started = await fx.plugin.runTool("hf_job_run", { script: SILENT_UNTIL_GO, timeoutSeconds: 120 });
    const id = idOf(started);
    fx.plugin.updates.length = 0;
    const waiting = fx.plugin.runTool("hf_job_wait", { id, reportEverySeconds: 1 });
    // Two heartbeats while the job says nothing, then it ends.
    await until(
      () => fx.plugin.updates.filter((line) => line.startsWith(`[waiting on job ${id}:`)).length >= 2,
      "heartbeats",
    );
    go(id);
    const result = await waiting;
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(new RegExp(`^Job ${id} ended COMPLETED after \\d+s \\(waited \\d+s\\)\\.\\n`));
    expect(text(result)).toContain("  trained");
    expect(result.details).toMatchObject({
      finished: true,
      progress: { key: id, state: "COMPLETED", active: false },
    });
  });

  it("returns when a log line contains `until`, the job still running; and at its deadline", async () => {
    const script = ["import os, time", "print('epoch 1 done', flush=True)", SILENT_UNTIL_GO].join("\n");
    const id = idOf(await fx.plugin.runTool("hf_job_run", { script, timeoutSeconds: 120 }));
    const matched = await fx.plugin.runTool("hf_job_wait", { id, until: "epoch 1" });
    expect(text(matched)).toMatch(
      new RegExp(`^Job ${id} printed a line containing "epoch 1" after .*; it is still RUNNING\\.`),
    );
    expect(matched.details).toMatchObject({ matched: "epoch 1 done", progress: { state: "RUNNING", active: true } });

    const timedOut = await fx.plugin.runTool("hf_job_wait", { id, timeoutSeconds: 1 });
    expect(text(timedOut)).toMatch(new RegExp(`^Stopped waiting after \\d+s; job ${id} is still RUNNING`));
    expect(timedOut.details).toMatchObject({ finished: false, progress: { active: true } });
    // The job's elapsed time grew between the two answers: to the loop guard that is progress.
    const elapsed = (result: { details?: unknown }) =>
      (result.details as { progress: { elapsedSeconds: number } }).progress.elapsedSeconds;
    expect(elapsed(timedOut)).toBeGreaterThan(elapsed(matched));
    // Reading a silent running job's log reports where it stands too.
    const logs = await fx.plugin.runTool("hf_job_logs", { id, timeoutSeconds: 1 });
    expect(logs.details).toMatchObject({ timedOut: true, progress: { key: id, state: "RUNNING", active: true } });
    expect(elapsed(logs)).toBeGreaterThan(elapsed(timedOut));
    go(id);
    expect(text(await fx.plugin.runTool("hf_job_wait", { id }))).toMatch(/ended COMPLETED/);
  });

  it("a job that ended while nobody waited is reported at once; a failed one as an error", async () => {
    const script = "print('loading', flush=True)\nraise SystemExit('bad labels')";
    const id = idOf(await fx.plugin.runTool("hf_job_run", { script, timeoutSeconds: 60 }));
    await until(async () => /ERROR/.test(text(await fx.plugin.runTool("hf_job_status", { id }))), "the job to fail");
    const result = await fx.plugin.runTool("hf_job_wait", { id });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(new RegExp(`^Job ${id} had already ended ERROR .*nobody was waiting\\.`));
    expect(text(result)).toContain("bad labels");
  });

  it("refuses a malformed id before asking the Hub", async () => {
    const result = await fx.plugin.runTool("hf_job_wait", { id: "../../etc" });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('"../../etc" is not a job id');
  });
});
