import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub, unconfinedLauncher } from "./index.js";

const token = "hf_local_jobs_token";
const secret = "s3cr3t-value-never-echoed";
let dir: string;
let hub: LocalHub;

const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${hub.url}/api/jobs/${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers },
  });

async function createJob(body: unknown): Promise<Record<string, any>> {
  const res = await api("alice", { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

/** Reads the SSE log stream to its end. */
async function readLogs(id: string): Promise<{ data: string; timestamp: string }[]> {
  const res = await api(`alice/${id}/logs`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const text = await res.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)) as { data: string; timestamp: string });
}

async function info(id: string): Promise<Record<string, any>> {
  const res = await api(`alice/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

function waitForEnd(id: string): Promise<Record<string, any>> {
  return until(
    async () => {
      const body = await info(id);
      return body.status.stage !== "RUNNING" && body;
    },
    { message: `job ${id} to end`, intervalMs: 50 },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-jobs-"));
  hub = await startLocalHub({
    dir,
    token,
    // The API's own behaviour, with plain processes; jobs in the OS sandbox: @pincer/host job-launcher.test.ts.
    jobs: { launcher: unconfinedLauncher({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }) },
  });
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync("/usr/bin/python3"))("jobs API", () => {
  it("gives a job none of the Hub process's own environment", async () => {
    process.env.PINCER_HUB_LEAK_PROBE = "the hub's own secret";
    try {
      const created = await createJob({
        script:
          "import os\nprint('probe', os.environ.get('PINCER_HUB_LEAK_PROBE'), 'path', bool(os.environ.get('PATH')))",
        timeoutSeconds: 30,
      });
      const lines = await readLogs(created.id);
      expect(lines.map((line) => line.data)).toEqual(["probe None path True"]);
    } finally {
      delete process.env.PINCER_HUB_LEAK_PROBE;
    }
  });

  it("runs a script, streams its logs over SSE and reports metrics", async () => {
    const script = [
      "import json, os, sys, time",
      "print('lr', sys.argv[1], 'mode', os.environ['MODE'], 'secret length', len(os.environ['HF_SECRET']))",
      "for step in range(1, 4):",
      "    print(json.dumps({'step': step, 'loss': 1.0 / step}))",
      "    time.sleep(0.1)",
      "print('done')",
    ].join("\n");
    const created = await createJob({
      command: ["python", "train.py"],
      script,
      arguments: ["0.01"],
      environment: { MODE: "test" },
      secrets: { HF_SECRET: secret },
      flavor: "cpu-basic",
      timeoutSeconds: 30,
    });
    expect(created.id).toEqual(expect.any(String));
    expect(created.status.stage).toBe("RUNNING");
    expect(created.flavor).toBe("cpu-basic");
    expect(created.createdAt).toEqual(expect.any(String));
    expect(JSON.stringify(created)).not.toContain(secret);

    const lines = await readLogs(created.id);
    expect(lines.map((line) => line.data)).toEqual([
      `lr 0.01 mode test secret length ${secret.length}`,
      '{"step": 1, "loss": 1.0}',
      '{"step": 2, "loss": 0.5}',
      '{"step": 3, "loss": 0.3333333333333333}',
      "done",
    ]);
    expect(Number.isNaN(Date.parse(lines[0]!.timestamp))).toBe(false);

    const done = await waitForEnd(created.id);
    expect(done.status).toMatchObject({ stage: "COMPLETED", localStatus: "completed" });
    expect(done.exitCode).toBe(0);
    expect(done.metrics.map((point: { values: Record<string, number> }) => point.values.loss)).toEqual([
      1, 0.5, 0.3333333333333333,
    ]);
    expect(done.tail.at(-1)).toBe("done");
    expect(done.environment).toEqual({ MODE: "test" });
    expect(JSON.stringify(done)).not.toContain(secret);
    expect(readFileSync(join(dir, "jobs", created.id, "hub.json"), "utf8")).not.toContain(secret);

    const list = (await (await api("alice")).json()) as { id: string }[];
    expect(list.map((job) => job.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(await (await api("bob")).json()).toEqual([]);
    expect((await api(`bob/${created.id}`)).status).toBe(404);
  });

  it("reports a failing script as ERROR with the log tail", async () => {
    const created = await createJob({ script: "print('loading')\nraise ValueError('bad batch size')" });
    await readLogs(created.id);
    const done = await waitForEnd(created.id);
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.localStatus).toBe("failed");
    expect(done.status.message).toContain("ValueError: bad batch size");
    expect(done.exitCode).toBe(1);
    expect(done.tail).toContain("loading");
    expect(done.tail.at(-1)).toBe("ValueError: bad batch size");
  });

  it("fails a job whose dependencies are missing, saying how to install them", async () => {
    const created = await createJob({ script: "print(1)", dependencies: ["pincer-no-such-package-xyz"] });
    const done = await waitForEnd(created.id);
    expect(done.status.stage).toBe("ERROR");
    expect(done.status.message).toContain("pincer-no-such-package-xyz");
  });

  it("cancels a running job", async () => {
    const created = await createJob({
      command: ["python3", "-c", "import time\nprint('sleeping', flush=True)\ntime.sleep(60)"],
    });
    // The log streams live: the first line arrives while the job still runs.
    const stream = await api(`alice/${created.id}/logs`);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("sleeping")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    expect(seen).toContain('data: {"data":"sleeping"');
    expect((await info(created.id)).status.stage).toBe("RUNNING");
    const res = await api(`alice/${created.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.status).toMatchObject({ stage: "CANCELED", localStatus: "cancelled" });
    while (!(await reader.read()).done); // the SSE stream ends with the job
    expect((await info(created.id)).status.stage).toBe("CANCELED");
  });

  it("refuses GPU flavours, non-Python commands and bad bodies", async () => {
    const gpu = await api("alice", {
      method: "POST",
      body: JSON.stringify({ script: "print(1)", flavor: "a10g-small" }),
    });
    expect(gpu.status).toBe(400);
    const { error } = (await gpu.json()) as { error: string };
    expect(error).toMatch(/no GPU/);
    expect(error).toMatch(/Hugging Face Jobs/);
    const bash = await api("alice", { method: "POST", body: JSON.stringify({ command: ["bash", "-c", "ls"] }) });
    expect(bash.status).toBe(400);
    const empty = await api("alice", { method: "POST", body: "{}" });
    expect(empty.status).toBe(400);
    const timeout = await api("alice", { method: "POST", body: JSON.stringify({ script: "", timeoutSeconds: -1 }) });
    expect(timeout.status).toBe(400);
    expect((await api("alice/nope")).status).toBe(404);
  });

  it("needs the token when the hub has one", async () => {
    const res = await fetch(`${hub.url}/api/jobs/alice`, {
      method: "POST",
      body: JSON.stringify({ script: "print(1)" }),
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${hub.url}/api/jobs/alice`)).status).toBe(401);
  });
});
