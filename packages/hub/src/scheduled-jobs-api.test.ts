import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub, unconfinedLauncher } from "./index.js";

const token = "hf_scheduled_jobs_token";
const secret = "sched-secret-never-stored";
let dir: string;
let hub: LocalHub;
// The scheduled jobs' clock stands where the tests put it. A job due every minute is created
// 100 ms before a minute turns (the Hub's timer then looks again every 100 ms and finds nothing
// due), and runs once a test moves the clock past the minute: the Hub's own timer starts the run
// however long the machine took to get there. (Real time shifted to just before a minute, as
// this was, passed the minute before the job existed when the start took over 0.7 s, and the run
// came a minute later, past the wait.)
const MINUTE_TURNS = Date.parse("2026-01-01T12:01:00.000Z");
let clock = MINUTE_TURNS - 100;

const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${hub.url}/api/${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers },
  });
const json = async (path: string, init: RequestInit = {}) => {
  const res = await api(path, init);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-scheduled-"));
  hub = await startLocalHub({
    dir,
    token,
    jobs: {
      launcher: unconfinedLauncher({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir }),
      now: () => clock,
    },
  });
});

afterAll(async () => {
  // Every run the tests started ends before its folder goes: a run writes its status as it ends.
  await until(
    async () => {
      const { body } = await json("jobs/alice");
      return (body as unknown as { status: { stage: string } }[]).every((job) => job.status.stage !== "RUNNING");
    },
    { message: "every run to end" },
  );
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("scheduled jobs on the local Hub", () => {
  it("runs a job every minute on its own timer, with its secrets, and reports its last and next runs", async () => {
    const created = await json("scheduled-jobs/alice", {
      method: "POST",
      body: JSON.stringify({
        schedule: "* * * * *",
        jobSpec: {
          flavor: "cpu-basic",
          command: ["python", "-c", "import os; print('tick', len(os.environ['TOKEN']))"],
          secrets: { TOKEN: secret },
          dockerImage: "python:3.12",
        },
      }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({
      type: "scheduled-job",
      schedule: "* * * * *",
      suspend: false,
      concurrency: false,
      jobSpec: { flavor: "cpu-basic", dockerImage: "python:3.12", secrets: ["TOKEN"] },
      status: { lastJob: null },
    });
    // The secret is in no file the Hub wrote.
    const files = readdirSync(join(dir, "scheduled-jobs"));
    for (const file of files) expect(readFileSync(join(dir, "scheduled-jobs", file), "utf8")).not.toContain(secret);
    const id = created.body.id as string;
    // The minute turns: the Hub's timer starts a run.
    clock = MINUTE_TURNS + 1;
    const ran = await until(
      async () => {
        const { body } = await json(`scheduled-jobs/alice/${id}`);
        return body.status.lastJob && body;
      },
      { message: "the scheduled run to start" },
    );
    const job = await until(
      async () => {
        const { body } = await json(`jobs/alice/${ran.status.lastJob.id}`);
        return body.status.stage !== "RUNNING" && body;
      },
      // A Python process started on a busy machine: its time, not the test's.
      { message: "the run to end", timeoutMs: 60_000 },
    );
    expect(job.status.stage).toBe("COMPLETED");
    expect(job.tail).toContain(`tick ${secret.length}`);
    // The image named was not pulled, and the job says so.
    expect(job).toMatchObject({ dockerImage: "python:3.12" });
    expect(job.emulation).toMatch(/^The image python:3\.12 was not pulled: this Hub runs no containers/);
    expect(Date.parse(ran.status.nextJobRunAt)).toBeGreaterThan(Date.parse(ran.status.lastJob.at));
    // Deleted, it runs no more.
    expect((await json(`scheduled-jobs/alice/${id}`, { method: "DELETE" })).status).toBe(200);
  });

  it("suspends, resumes, runs now, lists and deletes", async () => {
    const { body: made } = await json("scheduled-jobs/alice", {
      method: "POST",
      body: JSON.stringify({
        schedule: "@daily",
        suspend: true,
        jobSpec: { flavor: "cpu-basic", command: ["python", "-c", "print(1)"] },
      }),
    });
    expect(made.status.nextJobRunAt).toBeNull();
    const resumed = await json(`scheduled-jobs/alice/${made.id}/resume`, { method: "POST" });
    expect(resumed.body.suspend).toBe(false);
    expect(resumed.body.status.nextJobRunAt).toMatch(/T00:00:00\.000Z$/);
    const now = await json(`scheduled-jobs/alice/${made.id}/run`, { method: "POST" });
    expect(now.body.status.lastJob.id).toMatch(/\S/);
    expect((await json("scheduled-jobs/alice")).body.map((job: { id: string }) => job.id)).toContain(made.id);
    expect((await json(`scheduled-jobs/bob/${made.id}`)).status).toBe(404);
    expect((await json(`scheduled-jobs/alice/${made.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await json(`scheduled-jobs/alice/${made.id}`)).status).toBe(404);
  });

  it("refuses a bad schedule, a GPU flavour and an image's own command, saying what works", async () => {
    const post = (body: unknown) => json("scheduled-jobs/alice", { method: "POST", body: JSON.stringify(body) });
    const badSchedule = await post({ schedule: "every tuesday", jobSpec: { flavor: "cpu-basic", script: "print(1)" } });
    expect(badSchedule.status).toBe(400);
    expect(badSchedule.body.error).toMatch(
      /^Invalid schedule "every tuesday": use @yearly, @annually, @monthly, @weekly, @daily, @hourly or a five-field cron expression/,
    );
    const gpu = await post({ schedule: "@hourly", jobSpec: { flavor: "a10g-small", script: "print(1)" } });
    expect(gpu.body.error).toMatch(/has no GPU/);
    const image = await post({
      schedule: "@hourly",
      jobSpec: { flavor: "cpu-basic", dockerImage: "ubuntu", command: ["bash", "-c", "ls"] },
    });
    expect(image.status).toBe(400);
    expect(image.body.error).toMatch(/^This Hub runs no containers, so the image ubuntu cannot run here/);
    // The same for a one-off job.
    const once = await json("jobs/alice", {
      method: "POST",
      body: JSON.stringify({ flavor: "cpu-basic", dockerImage: "ubuntu", command: ["bash", "-c", "ls"] }),
    });
    expect(once.body.error).toMatch(/^This Hub runs no containers/);
  });
});
