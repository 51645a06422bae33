// A Hugging Face Jobs-shaped HTTP API over @pincer/jobs' LocalJobRunner, so a client that only
// speaks HTTP (a sandboxed plugin) can run Python training on this machine.
//
//   POST /api/jobs/{namespace}               start a job → its info
//   GET  /api/jobs/{namespace}               list the namespace's jobs, newest first
//   GET  /api/jobs/{namespace}/{id}          info: stage, exit code, error, metrics, log tail
//   GET  /api/jobs/{namespace}/{id}/logs     Server-Sent Events, one `data: {"data", "timestamp"}` per line
//   POST /api/jobs/{namespace}/{id}/cancel   stop it (process group), → its info once it has ended
//
// Differences from Hugging Face Jobs: only CPU flavours (there is no GPU scheduler here); no Docker
// image or Space: the job is a Python script run by the hub's interpreter, given either as `script`
// (source) or as a `command` starting with python (`-c <source>` or an absolute script path). The
// runner's `queued` (dependencies being checked) reports as stage RUNNING, since Hugging Face's
// stages have no queued one; `localStatus` always carries the runner's own status.
// `secrets` reach the script as environment variables and are neither stored nor sent back.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAbsolute, join } from "node:path";
import { type Job, type JobInfo, type JobLauncher, type JobSpec, type JobStatus, LocalJobRunner } from "@pincer/jobs";
import { discardBody, HubError, JSON_BODY_LIMIT, readJson, sendJson } from "./http.js";

export interface JobsApiOptions {
  /** The runner's jobs directory (the hub's `<dir>/jobs`). */
  dir: string;
  /** The Python interpreter; default `/usr/bin/python3`. */
  python?: string;
  /** Between SIGTERM and SIGKILL on cancel; the runner's default when absent. */
  killGraceMs?: number;
  /**
   * How jobs are started: the host's OS sandbox (`createJobLauncher` in @pincer/host, what
   * `pincer hub serve` and `pincer intern` pass), or `unconfinedLauncher` where a caller decided
   * so. Without one, the Jobs API refuses to start jobs (503) rather than run them unconfined.
   */
  launcher?: JobLauncher;
  /** This Hub's own address once it listens: given to jobs as HF_ENDPOINT (and reachable from their sandbox). */
  endpoint?: () => string | undefined;
}

/** Hugging Face's job stages. */
export type JobStage = "RUNNING" | "COMPLETED" | "ERROR" | "CANCELED";

/** What the hub keeps next to the runner's files (`hub.json` in the job's directory); never secrets. */
interface HubJobRecord {
  namespace: string;
  flavor: string;
  command: string[];
  arguments: string[];
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb?: number;
  dependencies: string[];
  /** The names of the secrets given (never their values). */
  secretNames: string[];
}

interface CreateJobBody {
  command?: unknown;
  script?: unknown;
  arguments?: unknown;
  environment?: unknown;
  secrets?: unknown;
  flavor?: unknown;
  timeoutSeconds?: unknown;
  timeout?: unknown;
  dependencies?: unknown;
  memoryMb?: unknown;
}

/** A job's request carries its script's source: room for a large one, not for data (upload that to a repo). */
const JOB_BODY_LIMIT = 16 * 1024 * 1024;
const CPU_FLAVORS = ["cpu-basic", "cpu-upgrade", "cpu-performance", "cpu-xl"];
const DEFAULT_TIMEOUT_SECONDS = 30 * 60;
const NAMESPACE_PATTERN = /^[A-Za-z0-9][\w.-]*$/;
const PYTHON_PATTERN = /(^|\/)python(3(\.\d+)?)?$/;

export function stageOf(status: JobStatus): JobStage {
  switch (status) {
    case "queued":
    case "running":
      return "RUNNING";
    case "completed":
      return "COMPLETED";
    case "cancelled":
      return "CANCELED";
    default:
      return "ERROR";
  }
}

const badRequest = (message: string): HubError => new HubError(400, message);

function stringArray(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw badRequest(`\`${name}\` must be an array of strings`);
  }
  return value as string[];
}

function stringRecord(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`\`${name}\` must be an object`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
    else if (typeof item === "number" || typeof item === "boolean") out[key] = String(item);
    else throw badRequest(`\`${name}.${key}\` must be a string`);
  }
  return out;
}

function positiveNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw badRequest(`\`${name}\` must be a positive number`);
  }
  return value;
}

function checkFlavor(value: unknown): string {
  if (value === undefined || value === null) return "cpu-basic";
  if (typeof value !== "string") throw badRequest("`flavor` must be a string");
  if (CPU_FLAVORS.includes(value)) return value;
  if (value.startsWith("cpu-")) {
    throw badRequest(`Unknown CPU flavor "${value}"; the local job runner accepts ${CPU_FLAVORS.join(", ")}.`);
  }
  throw badRequest(
    `The local job runner has no GPU, so flavor "${value}" cannot run here; it runs CPU flavors only (${CPU_FLAVORS.join(", ")}). Run GPU jobs on Hugging Face Jobs.`,
  );
}

/** The runner's script and arguments from `script` and/or a python `command`. */
function scriptOf(
  command: string[] | undefined,
  script: string | undefined,
): { spec: Pick<JobSpec, "script" | "scriptPath">; args: string[]; command: string[] } {
  if (!command || command.length === 0) {
    if (script === undefined) throw badRequest("A job needs `script` (Python source) or `command`");
    return { spec: { script }, args: [], command: ["python", "script.py"] };
  }
  if (!PYTHON_PATTERN.test(command[0] as string)) {
    throw badRequest(
      `The local job runner runs Python only: \`command\` must start with python (got "${command[0]}"), or send the source as \`script\`.`,
    );
  }
  let index = 1;
  while (command[index] === "-u" || command[index] === "-B") index++;
  const next = command[index];
  if (next === "-c") {
    const source = command[index + 1];
    if (source === undefined) throw badRequest("`command` has -c without code");
    if (script !== undefined) throw badRequest("Send either `script` or `python -c <code>`, not both");
    return { spec: { script: source }, args: command.slice(index + 2), command };
  }
  if (next === undefined || next.startsWith("-")) {
    throw badRequest(
      "The local job runner runs a script: `command` must be python followed by a script path or `-c <code>` (modules and other options are not supported); or send the source as `script`.",
    );
  }
  const args = command.slice(index + 1);
  // `script` with `python train.py …`: the source is train.py's content.
  if (script !== undefined) return { spec: { script }, args, command };
  if (!isAbsolute(next) || !existsSync(next)) {
    throw badRequest(
      `Script "${next}" is not an absolute path to an existing file on the hub's machine; send its source as \`script\`.`,
    );
  }
  return { spec: { scriptPath: next }, args, command };
}

/** A launcher that starts nothing: what a Hub made without one uses (see JobsApiOptions.launcher). */
const NO_JOBS: JobLauncher = {
  confinement: "none",
  launch: () => ({
    refused:
      "This Hub runs no jobs: it was started without an OS sandbox for them (pincer hub serve and pincer intern give it one).",
  }),
};

export class JobsApi {
  readonly runner: LocalJobRunner;
  readonly #endpoint: (() => string | undefined) | undefined;
  readonly #enabled: boolean;

  constructor(options: JobsApiOptions) {
    this.#endpoint = options.endpoint;
    this.#enabled = options.launcher !== undefined;
    this.runner = new LocalJobRunner({
      dir: options.dir,
      ...(options.python ? { python: options.python } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      // A job sees what it was given (environment, secrets) and what Python needs, never the
      // environment of the process serving the Hub (its tokens, its keys): the launcher starts
      // it from a minimal environment.
      launcher: options.launcher ?? NO_JOBS,
    });
  }

  /** Routes `parts` (the path after `/api/jobs`). */
  async route(req: IncomingMessage, res: ServerResponse, baseUrl: string, parts: string[]): Promise<void> {
    const method = req.method ?? "GET";
    const [namespace, id, action, ...rest] = parts;
    if (!namespace || !NAMESPACE_PATTERN.test(namespace) || rest.length > 0) throw new HubError(404, "Not found");
    if (!id) {
      if (method === "POST") return this.#create(req, res, baseUrl, namespace);
      if (method === "GET") return this.#list(res, baseUrl, namespace);
      throw new HubError(405, `Method ${method} not allowed here`);
    }
    const found = await this.#find(namespace, id);
    switch (action) {
      case undefined:
        if (method === "GET") return sendJson(res, 200, this.#info(baseUrl, found.job, found.record, true));
        break;
      case "logs":
        if (method === "GET") return this.#logs(req, res, found.job);
        break;
      case "cancel":
        if (method === "POST") {
          await discardBody(req, JSON_BODY_LIMIT);
          await found.job.cancel();
          return sendJson(res, 200, this.#info(baseUrl, found.job, found.record, true));
        }
        break;
      default:
        throw new HubError(404, "Not found");
    }
    throw new HubError(405, `Method ${method} not allowed here`);
  }

  #recordOf(id: string): HubJobRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.runner.dir, id, "hub.json"), "utf8")) as HubJobRecord;
    } catch {
      return undefined;
    }
  }

  async #find(namespace: string, id: string): Promise<{ job: Job; record: HubJobRecord }> {
    const job = await this.runner.get(id);
    const record = job ? this.#recordOf(id) : undefined;
    if (!job || !record || record.namespace !== namespace) {
      throw new HubError(404, `Job ${namespace}/${id} not found`, "JobNotFound");
    }
    return { job, record };
  }

  async #create(req: IncomingMessage, res: ServerResponse, baseUrl: string, namespace: string): Promise<void> {
    if (!this.#enabled) {
      await discardBody(req, JSON_BODY_LIMIT);
      throw new HubError(
        503,
        "This Hub runs no jobs: it was started without an OS sandbox for them (pincer hub serve and pincer intern give it one).",
      );
    }
    const body = await readJson<CreateJobBody>(req, JOB_BODY_LIMIT);
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Expected a JSON object");
    const flavor = checkFlavor(body.flavor);
    if (body.script !== undefined && typeof body.script !== "string") throw badRequest("`script` must be a string");
    const command = stringArray(body.command, "command");
    const { spec, args, command: shownCommand } = scriptOf(command, body.script as string | undefined);
    const extraArgs = stringArray(body.arguments, "arguments") ?? [];
    const environment = stringRecord(body.environment, "environment");
    const secrets = stringRecord(body.secrets, "secrets");
    const timeoutSeconds =
      positiveNumber(body.timeoutSeconds, "timeoutSeconds") ??
      positiveNumber(body.timeout, "timeout") ??
      DEFAULT_TIMEOUT_SECONDS;
    const memoryMb = positiveNumber(body.memoryMb, "memoryMb");
    const dependencies = stringArray(body.dependencies, "dependencies") ?? [];
    // A job talks to this Hub as a Hugging Face job talks to huggingface.co: HF_ENDPOINT is its
    // address (the only one its sandbox can reach), unless the request names another.
    const endpoint = this.#endpoint?.();
    const job = await this.runner.run({
      ...spec,
      args: [...args, ...extraArgs],
      env: { ...(endpoint ? { HF_ENDPOINT: endpoint } : {}), ...environment, ...secrets },
      timeoutMs: Math.round(timeoutSeconds * 1000),
      dependencies,
      ...(memoryMb !== undefined ? { memoryMb } : {}),
    });
    const record: HubJobRecord = {
      namespace,
      flavor,
      command: shownCommand,
      arguments: extraArgs,
      environment,
      timeoutSeconds,
      ...(memoryMb !== undefined ? { memoryMb } : {}),
      dependencies,
      secretNames: Object.keys(secrets),
    };
    writeFileSync(join(this.runner.dir, job.id, "hub.json"), `${JSON.stringify(record, null, 2)}\n`);
    sendJson(res, 200, this.#info(baseUrl, job, record, false));
  }

  async #list(res: ServerResponse, baseUrl: string, namespace: string): Promise<void> {
    const out: unknown[] = [];
    for (const info of await this.runner.list()) {
      const record = this.#recordOf(info.id);
      if (record?.namespace === namespace) out.push(this.#summary(baseUrl, info, record));
    }
    sendJson(res, 200, out);
  }

  /** The Hugging Face JobInfo fields plus the runner's own. */
  #summary(baseUrl: string, info: JobInfo, record: HubJobRecord): Record<string, unknown> {
    return {
      id: info.id,
      createdAt: info.createdAt,
      dockerImage: null,
      spaceId: null,
      command: record.command,
      arguments: record.arguments,
      environment: record.environment,
      secrets: record.secretNames,
      flavor: record.flavor,
      timeoutSeconds: record.timeoutSeconds,
      ...(record.memoryMb !== undefined ? { memoryMb: record.memoryMb } : {}),
      dependencies: record.dependencies,
      status: { stage: stageOf(info.status), message: info.error ?? null, localStatus: info.status },
      owner: { id: record.namespace, name: record.namespace, type: "user" },
      endpoint: baseUrl,
      url: `${baseUrl}/jobs/${record.namespace}/${info.id}`,
      exitCode: info.exitCode,
      signal: info.signal,
      ...(info.error ? { error: info.error } : {}),
      ...(info.startedAt ? { startedAt: info.startedAt } : {}),
      ...(info.endedAt ? { endedAt: info.endedAt } : {}),
    };
  }

  #info(baseUrl: string, job: Job, record: HubJobRecord, withLog: boolean): Record<string, unknown> {
    const stored = this.#statusFile(job.id);
    const info: JobInfo = {
      id: job.id,
      status: job.status,
      exitCode: job.exitCode,
      signal: job.signal,
      ...(job.error ? { error: job.error } : {}),
      createdAt: stored?.createdAt ?? new Date().toISOString(),
      ...(stored?.startedAt ? { startedAt: stored.startedAt } : {}),
      ...(stored?.endedAt ? { endedAt: stored.endedAt } : {}),
    };
    return {
      ...this.#summary(baseUrl, info, record),
      metrics: [...job.metrics],
      ...(withLog ? { tail: job.tail() } : {}),
    };
  }

  #statusFile(id: string): Partial<JobInfo> | undefined {
    try {
      return JSON.parse(readFileSync(join(this.runner.dir, id, "status.json"), "utf8")) as Partial<JobInfo>;
    } catch {
      return undefined;
    }
  }

  async #logs(req: IncomingMessage, res: ServerResponse, job: Job): Promise<void> {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.flushHeaders();
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    // A GET has no business sending a body: at most a little of one is read (and dropped).
    discardBody(req, JSON_BODY_LIMIT).catch(() => res.destroy());
    for await (const line of job.logs()) {
      if (closed) return;
      res.write(`data: ${JSON.stringify({ data: line, timestamp: new Date().toISOString() })}\n\n`);
    }
    if (!closed) res.end();
  }
}
