import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

// Long jobs are first-class: a model polling a job that trains silently is waiting, not looping;
// hf_job_wait blocks past the ten-minute tool limits with heartbeats; a run stopped while a job
// runs resumes and finds out what became of it. Time is scaled: the sandbox's per-call wall clock
// is set to 2.5 s (10 minutes in real use), and the job "trains" until the test says it is done.
const token = "hf_e2e_long_jobs_token";
const fx = hubSessionFixture({ token, name: "long-jobs" });

/** Silent until a `go` file appears in its folder (its working directory), then done. */
const SILENT_TRAINING = [
  "import os, time",
  "while not os.path.exists('go'):",
  "    time.sleep(0.05)",
  "print('trained', flush=True)",
].join("\n");
const WALL_MS = 2500;
const POLLS = 12;

type Body = { messages: Array<{ role: string; content: unknown }> };
const toolTexts = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
const idIn = (text: string | undefined) => /^Started job (\S+) \(/.exec(text ?? "")?.[1] ?? "missing-id";
const go = (id: string) => writeFileSync(join(fx.dir, "jobs", id, "go"), "");
const call = (name: string, args: Record<string, unknown>, index: number) => [
  { toolCalls: [{ id: `call_${index}`, name, arguments: args }] },
  { finish: "tool_calls" as const },
];

function withConfig(box: ReturnType<typeof sandbox>): void {
  mkdirSync(join(box.home, ".pincer"), { recursive: true });
  writeFileSync(join(box.home, ".pincer", "config.json"), JSON.stringify({ sandbox: { wallMsPerCall: WALL_MS } }));
}

const runArgs = ["--model", "openai/gpt-5", "--output-format", "stream-json", "--allowedTools", "hf_job_run"];

describe.skipIf(!existsSync("/usr/bin/python3"))("long jobs through pincer -p", () => {
  it("a silent job polled again and again does not trip the loop guard; hf_job_wait outlives the wall clock", async () => {
    using box = sandbox(fx.env());
    withConfig(box);
    let waitAsked = 0;
    fx.server.respond((body) => {
      const results = toolTexts(body);
      if (results.length === 0) return call("hf_job_run", { script: SILENT_TRAINING, timeoutSeconds: 600 }, 0);
      const id = idIn(results[0]);
      if (results.length <= POLLS) return call("hf_job_status", { id }, results.length);
      if (results.length === POLLS + 1) {
        // The job "trains" for more than twice the per-call wall clock after the wait begins.
        waitAsked = Date.now();
        setTimeout(() => go(id), 2.4 * WALL_MS);
        return call("hf_job_wait", { id, reportEverySeconds: 1 }, results.length);
      }
      return [{ text: "done" }, { finish: "stop" as const }];
    });
    const result = await box.run(["-p", "train and wait", ...runArgs]);
    expect(result.code, result.stderr).toBe(0);
    const lines = jsonLines(result.stdout);
    const told = lines
      .filter((line) => line.type === "user")
      .flatMap((line) => (line.message as { content: Array<{ content: unknown }> }).content)
      .map((block) => (typeof block.content === "string" ? block.content : JSON.stringify(block.content)));
    expect(told).toHaveLength(POLLS + 2);
    const polls = told.slice(1, POLLS + 1);
    for (const poll of polls) expect(poll).toMatch(/^Job \S+: RUNNING/);
    // Identical answers, every one: only the job's elapsed time tells them apart.
    expect(new Set(polls).size).toBe(1);
    expect(told.join("\n")).not.toContain("[loop guard]");
    expect(told.at(-1)).toMatch(/^Job \S+ ended COMPLETED after \d+s \(waited \d+s\)\.\n/);
    expect(Date.now() - waitAsked).toBeGreaterThan(2 * WALL_MS);
    expect(lines.at(-1)).toMatchObject({ is_error: false, result: "done" });
  });

  it("a run killed while it waits on a job resumes and is told the job ended meanwhile", async () => {
    using box = sandbox(fx.env());
    withConfig(box);
    fx.server.respond((body) => {
      const results = toolTexts(body);
      if (results.length === 0) return call("hf_job_run", { script: SILENT_TRAINING, timeoutSeconds: 600 }, 0);
      if (/ended COMPLETED/.test(results.at(-1) ?? "")) return [{ text: "done" }, { finish: "stop" as const }];
      return call("hf_job_wait", { id: idIn(results[0]) }, results.length);
    });
    const first = box.start(["-p", "train and wait", ...runArgs]);
    const sessions = join(box.home, ".pincer", "sessions");
    const waiting = () =>
      existsSync(sessions) &&
      readdirSync(sessions, { recursive: true, withFileTypes: true }).some(
        (entry) => entry.isFile() && readFileSync(join(entry.parentPath, entry.name), "utf8").includes('"hf_job_wait"'),
      );
    await until(waiting, "the session to record the hf_job_wait call");
    first.child.kill("SIGKILL");
    await first.done;
    const jobs = await (
      await fetch(`${fx.hub.url}/api/jobs/ada`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const [job] = jobs as Array<{ id: string; status: { stage: string } }>;
    expect(job?.status.stage).toBe("RUNNING");
    // The job goes on without the run, and ends while nobody waits.
    go(job!.id);
    await until(async () => {
      const res = await fetch(`${fx.hub.url}/api/jobs/ada/${job!.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.json()) as { status: { stage: string } }).status.stage === "COMPLETED";
    }, "the job to complete");

    const resumed = await box.run(["-p", "go on", "--continue", ...runArgs]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const last = jsonLines(resumed.stdout)
      .filter((line) => line.type === "user")
      .flatMap((line) => (line.message as { content: Array<{ content: unknown }> }).content)
      .map((block) => String(block.content))
      .at(-1);
    expect(last).toMatch(new RegExp(`^Job ${job!.id} had already ended COMPLETED .*nobody was waiting\\.`));
    expect(last).toContain("  trained");
  });
});
