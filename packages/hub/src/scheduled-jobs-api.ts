// Hugging Face's scheduled jobs API over this Hub's Jobs API: a job spec and a schedule, run by a
// timer in the Hub's process while it serves.
//
//   POST   /api/scheduled-jobs/{namespace}              {jobSpec, schedule, suspend?, concurrency?} → its info
//   GET    /api/scheduled-jobs/{namespace}[/{id}]       list, or one (status.lastJob, status.nextJobRunAt)
//   POST   /api/scheduled-jobs/{namespace}/{id}/suspend | resume | run
//   DELETE /api/scheduled-jobs/{namespace}/{id}
//
// The schedule is `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`/`@annually` or a five-field
// cron expression, in UTC (read with croner). What differs from Hugging Face: runs happen only while
// this Hub serves (a run missed while it was down is not made up); the job spec runs as the Jobs API
// runs it (Python, CPU flavours; an image is not pulled); secrets stay in memory only, so after a
// restart its runs get none until the scheduled job is created again (`emulation` says so).
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { Cron } from "croner";
import { discardBody, HubError, JSON_BODY_LIMIT, readJson, sendJson } from "./http.js";
import { badRequest, type CreateJobBody, JOB_BODY_LIMIT, NAMESPACE_PATTERN, stringRecord } from "./job-spec.js";
import type { JobsApi } from "./jobs-api.js";

interface ScheduledJobRecord {
  id: string;
  namespace: string;
  schedule: string;
  suspend: boolean;
  concurrency: boolean;
  createdAt: string;
  updatedAt: string;
  /** The job spec, secrets left out (their names are in secretNames). */
  jobSpec: Record<string, unknown>;
  secretNames: string[];
  lastJob?: { id: string; at: string };
}

const PRESETS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"];
/** A timer never waits longer than a day before looking again (setTimeout caps at ~24.8 days). */
const MAX_WAIT_MS = 24 * 3600 * 1000;

/** A schedule as Hugging Face takes it, read by croner in UTC; anything else is a 400 saying what is accepted. */
export function scheduleOf(value: unknown): Cron {
  if (typeof value !== "string" || !value.trim())
    throw badRequest("`schedule` is required: @hourly, @daily… or a cron expression");
  const text = value.trim();
  const ok = PRESETS.includes(text) || text.split(/\s+/).length === 5;
  try {
    if (ok) return new Cron(text, { paused: true, timezone: "UTC" });
  } catch {
    // Reported below with what is accepted.
  }
  throw badRequest(
    `Invalid schedule "${text.slice(0, 100)}": use ${PRESETS.join(", ")} or a five-field cron expression (minute hour day month weekday, UTC), e.g. "0 3 * * 1".`,
  );
}

export class ScheduledJobsApi {
  readonly #dir: string;
  readonly #jobs: JobsApi;
  readonly #now: () => number;
  readonly #records = new Map<string, ScheduledJobRecord>();
  /** Secrets by scheduled job id: in memory only, never written. */
  readonly #secrets = new Map<string, Record<string, string>>();
  #timer: NodeJS.Timeout | undefined;
  #baseUrl = "";
  #closed = false;

  constructor(options: { dir: string; jobs: JobsApi; now?: () => number }) {
    this.#dir = join(options.dir, "scheduled-jobs");
    this.#jobs = options.jobs;
    this.#now = options.now ?? Date.now;
    mkdirSync(this.#dir, { recursive: true });
    for (const name of readdirSync(this.#dir)) {
      if (!name.endsWith(".json")) continue;
      try {
        const record = JSON.parse(readFileSync(join(this.#dir, name), "utf8")) as ScheduledJobRecord;
        scheduleOf(record.schedule);
        this.#records.set(record.id, record);
      } catch {
        // A file that isn't a scheduled job is left alone, never run.
      }
    }
  }

  /** Starts the timer (once the Hub listens and knows its address). */
  start(baseUrl: string): void {
    this.#baseUrl = baseUrl;
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #nextRun(record: ScheduledJobRecord, after = this.#now()): Date | null {
    return record.suspend ? null : scheduleOf(record.schedule).nextRun(new Date(after));
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#closed || !this.#baseUrl) return;
    const next = [...this.#records.values()]
      .map((record) => this.#nextRun(record)?.getTime())
      .filter((time): time is number => time !== undefined)
      .sort((a, b) => a - b)[0];
    if (next === undefined) return;
    this.#timer = setTimeout(() => void this.fireDue(), Math.min(Math.max(next - this.#now(), 0), MAX_WAIT_MS));
    this.#timer.unref();
  }

  /** Runs every scheduled job whose next run is due at `now` (the timer calls it; tests may too). */
  async fireDue(now = this.#now()): Promise<string[]> {
    const started: string[] = [];
    for (const record of this.#records.values()) {
      const since = record.lastJob ? Date.parse(record.lastJob.at) : Date.parse(record.updatedAt);
      const due = this.#nextRun(record, since);
      if (!due || due.getTime() > now) continue;
      const job = await this.#run(record, new Date(now)).catch(() => undefined);
      if (job) started.push(job);
    }
    this.#arm();
    return started;
  }

  /** One run: a job from the spec, unless the last one still runs and concurrency is off (then undefined). */
  async #run(record: ScheduledJobRecord, at: Date): Promise<string | undefined> {
    if (!record.concurrency && record.lastJob) {
      const last = await this.#jobs.runner.get(record.lastJob.id);
      if (last && (last.status === "queued" || last.status === "running")) return undefined;
    }
    const body = { ...record.jobSpec, secrets: this.#secrets.get(record.id) ?? {} } as CreateJobBody;
    const info = await this.#jobs.start(record.namespace, body, this.#baseUrl);
    record.lastJob = { id: String(info.id), at: at.toISOString() };
    this.#save(record);
    return record.lastJob.id;
  }

  #save(record: ScheduledJobRecord): void {
    writeFileSync(join(this.#dir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }

  #info(record: ScheduledJobRecord): Record<string, unknown> {
    const kept = this.#secrets.has(record.id) || record.secretNames.length === 0;
    return {
      type: "scheduled-job",
      id: record.id,
      schedule: record.schedule,
      suspend: record.suspend,
      concurrency: record.concurrency,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      jobSpec: { ...record.jobSpec, secrets: record.secretNames },
      owner: { id: record.namespace, name: record.namespace, type: "user" },
      status: { lastJob: record.lastJob ?? null, nextJobRunAt: this.#nextRun(record)?.toISOString() ?? null },
      emulation: `Runs while this Hub serves (missed runs are not made up), as its Jobs API runs jobs.${
        kept ? "" : " Its secrets were lost when the Hub restarted: runs get none until it is created again."
      }`,
    };
  }

  #find(namespace: string, id: string): ScheduledJobRecord {
    const record = this.#records.get(id);
    if (!record || record.namespace !== namespace)
      throw new HubError(404, `Scheduled job ${namespace}/${id} not found`, "JobNotFound");
    return record;
  }

  /** Routes `parts` (the path after `/api/scheduled-jobs`). */
  async route(req: IncomingMessage, res: ServerResponse, baseUrl: string, parts: string[]): Promise<void> {
    const method = req.method ?? "GET";
    const [namespace, id, action, ...rest] = parts;
    if (!namespace || !NAMESPACE_PATTERN.test(namespace) || rest.length > 0) throw new HubError(404, "Not found");
    this.#baseUrl ||= baseUrl;
    if (!id) {
      if (method === "GET") {
        const mine = [...this.#records.values()].filter((record) => record.namespace === namespace);
        return sendJson(
          res,
          200,
          mine.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => this.#info(r)),
        );
      }
      if (method === "POST") return sendJson(res, 200, await this.#create(req, namespace));
      throw new HubError(405, `Method ${method} not allowed here`);
    }
    const record = this.#find(namespace, id);
    if (!action && method === "GET") return sendJson(res, 200, this.#info(record));
    if (!action && method === "DELETE") {
      this.#records.delete(id);
      this.#secrets.delete(id);
      rmSync(join(this.#dir, `${id}.json`), { force: true });
      this.#arm();
      return sendJson(res, 200, {});
    }
    if (method !== "POST") throw new HubError(405, `Method ${method} not allowed here`);
    await discardBody(req, JSON_BODY_LIMIT);
    if (action === "suspend" || action === "resume") {
      record.suspend = action === "suspend";
      record.updatedAt = new Date(this.#now()).toISOString();
      this.#save(record);
      this.#arm();
      return sendJson(res, 200, this.#info(record));
    }
    if (action === "run") {
      const job = await this.#run(record, new Date(this.#now()));
      if (!job) throw new HubError(409, "The last run is still going and concurrency is off: wait for it to end.");
      this.#arm();
      return sendJson(res, 200, this.#info(record));
    }
    throw new HubError(404, "Not found");
  }

  async #create(req: IncomingMessage, namespace: string): Promise<Record<string, unknown>> {
    const body = await readJson<{ jobSpec?: unknown; schedule?: unknown; suspend?: unknown; concurrency?: unknown }>(
      req,
      JOB_BODY_LIMIT,
    );
    if (!body.jobSpec || typeof body.jobSpec !== "object" || Array.isArray(body.jobSpec))
      throw badRequest("`jobSpec` must be an object");
    scheduleOf(body.schedule);
    const { secrets: rawSecrets, ...jobSpec } = body.jobSpec as Record<string, unknown>;
    const secrets = stringRecord(rawSecrets, "jobSpec.secrets");
    // Refused now, not at its first run: a spec this Hub can't run (a GPU flavour, an image's own command).
    this.#jobs.validate(jobSpec as CreateJobBody);
    const now = new Date(this.#now()).toISOString();
    const record: ScheduledJobRecord = {
      id: randomBytes(12).toString("hex"),
      namespace,
      schedule: String(body.schedule).trim(),
      suspend: body.suspend === true,
      concurrency: body.concurrency === true,
      createdAt: now,
      updatedAt: now,
      jobSpec,
      secretNames: Object.keys(secrets),
    };
    this.#records.set(record.id, record);
    if (Object.keys(secrets).length) this.#secrets.set(record.id, secrets);
    this.#save(record);
    this.#arm();
    return this.#info(record);
  }
}
