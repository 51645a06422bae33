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
// image or Space is pulled: the job is a Python script run by the hub's interpreter, given either as
// `script` (source) or as a `command` starting with python (`-c <source>` or an absolute script
// path). A request naming a `dockerImage` or `spaceId` with such a command runs it so, and its info
// says the image was not pulled (`emulation`); any other command with an image is refused. The
// runner's `queued` (dependencies being checked) reports as stage RUNNING, since Hugging Face's
// stages have no queued one; `localStatus` always carries the runner's own status.
// `secrets` reach the script as environment variables and are neither stored nor sent back.
import { readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { type Job, type JobInfo, type JobLauncher, type JobStatus, LocalJobRunner } from "@pincer/jobs";
import { discardBody, HubError, JSON_BODY_LIMIT, readJson, sendJson } from "./http.js";
import { JOB_WITH_INPUTS_LIMIT, parseInputs, parseTokenScope, sendOutputs } from "./job-data.js";
import {
  badRequest,
  type CreateJobBody,
  checkFlavor,
  DEFAULT_TIMEOUT_SECONDS,
  imageOf,
  NAMESPACE_PATTERN,
  positiveNumber,
  scriptOf,
  stringArray,
  stringRecord,
} from "./job-spec.js";
import type { RepoGrant, ScopedTokens } from "./scoped-tokens.js";

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
  /** Where tokens for jobs are minted (a request's `tokenScope`, see job-data.ts); none: such requests are refused. */
  tokens?: ScopedTokens;
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
  /** The repos the job's minted HF_TOKEN reaches (job-data.ts). */
  tokenScope?: RepoGrant[];
  /** The image or Space the request named (not pulled: see `emulation`). */
  dockerImage?: string;
  spaceId?: string;
  labels?: Record<string, string>;
  /** What this Hub did instead of what Hugging Face would. */
  emulation?: string;
}

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
  readonly #tokens: ScopedTokens | undefined;
  readonly #enabled: boolean;

  readonly #python: string;

  constructor(options: JobsApiOptions) {
    this.#endpoint = options.endpoint;
    this.#tokens = options.tokens;
    this.#python = options.python ?? "/usr/bin/python3";
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
    if (!namespace || !NAMESPACE_PATTERN.test(namespace) || (rest.length > 0 && action !== "outputs")) {
      throw new HubError(404, "Not found");
    }
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
      case "outputs":
        if (method === "GET") return sendOutputs(res, join(this.runner.dir, found.job.id), rest);
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
      throw this.#disabled();
    }
    const body = await readJson<CreateJobBody>(req, JOB_WITH_INPUTS_LIMIT);
    sendJson(res, 200, await this.start(namespace, body, baseUrl));
  }

  #disabled(): HubError {
    return new HubError(
      503,
      "This Hub runs no jobs: it was started without an OS sandbox for them (pincer hub serve and pincer intern give it one).",
    );
  }

  /** Checks a Jobs API request body as `start` would, without starting anything (a scheduled job's spec). */
  validate(body: CreateJobBody): void {
    this.#parse(body);
  }

  #parse(body: CreateJobBody) {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("Expected a JSON object");
    const flavor = checkFlavor(body.flavor);
    if (body.script !== undefined && typeof body.script !== "string") throw badRequest("`script` must be a string");
    const command = stringArray(body.command, "command");
    const image = imageOf(body, this.#python);
    let parsed: ReturnType<typeof scriptOf>;
    try {
      parsed = scriptOf(command, body.script as string | undefined);
    } catch (error) {
      if (!image || !(error instanceof HubError)) throw error;
      throw badRequest(
        `This Hub runs no containers, so the image ${image.name} cannot run here: it runs Python commands (python …, or a script) with its own interpreter. Run image jobs on Hugging Face Jobs. (${error.message})`,
      );
    }
    return {
      flavor,
      image,
      ...parsed,
      extraArgs: stringArray(body.arguments, "arguments") ?? [],
      environment: stringRecord(body.environment, "environment"),
      secrets: stringRecord(body.secrets, "secrets"),
      labels: stringRecord(body.labels, "labels"),
      timeoutSeconds:
        positiveNumber(body.timeoutSeconds, "timeoutSeconds") ??
        positiveNumber(body.timeout, "timeout") ??
        DEFAULT_TIMEOUT_SECONDS,
      memoryMb: positiveNumber(body.memoryMb, "memoryMb"),
      dependencies: stringArray(body.dependencies, "dependencies") ?? [],
      inputs: parseInputs((body as { inputs?: unknown }).inputs),
      tokenScope: parseTokenScope((body as { tokenScope?: unknown }).tokenScope),
    };
  }

  /** Starts a job from a Jobs API request body (what `POST /api/jobs/{namespace}` and a scheduled job's run send) → its info. */
  async start(namespace: string, body: CreateJobBody, baseUrl: string): Promise<Record<string, unknown>> {
    if (!this.#enabled) throw this.#disabled();
    const {
      flavor,
      image,
      spec,
      args,
      command: shownCommand,
      extraArgs,
      environment,
      secrets,
      labels,
      timeoutSeconds,
      memoryMb,
      dependencies,
      inputs,
      tokenScope,
    } = this.#parse(body);
    if (tokenScope && !this.#tokens) throw badRequest("This Hub mints no tokens for jobs (`tokenScope`).");
    // A token reaching only the repos the job named, never the Hub's own: it wins over a secret of that name.
    const token = tokenScope ? this.#tokens!.mint(tokenScope) : undefined;
    // A job talks to this Hub as a Hugging Face job talks to huggingface.co: HF_ENDPOINT is its
    // address (the only one its sandbox can reach), unless the request names another.
    const endpoint = this.#endpoint?.();
    const job = await this.runner.run({
      ...spec,
      args: [...args, ...extraArgs],
      env: {
        ...(endpoint ? { HF_ENDPOINT: endpoint } : {}),
        ...environment,
        ...secrets,
        ...(token ? { HF_TOKEN: token } : {}),
      },
      ...(inputs ? { inputs } : {}),
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
      secretNames: [...new Set([...Object.keys(secrets), ...(token ? ["HF_TOKEN"] : [])])],
      ...(tokenScope ? { tokenScope } : {}),
      ...(image?.field === "dockerImage" ? { dockerImage: image.name } : {}),
      ...(image?.field === "spaceId" ? { spaceId: image.name } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(image ? { emulation: image.note } : {}),
    };
    writeFileSync(join(this.runner.dir, job.id, "hub.json"), `${JSON.stringify(record, null, 2)}\n`);
    if (token) void job.wait().then(() => this.#tokens?.revoke(token));
    return this.#info(baseUrl, job, record, false);
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
      dockerImage: record.dockerImage ?? null,
      spaceId: record.spaceId ?? null,
      ...(record.labels ? { labels: record.labels } : {}),
      ...(record.emulation ? { emulation: record.emulation } : {}),
      command: record.command,
      arguments: record.arguments,
      environment: record.environment,
      secrets: record.secretNames,
      ...(record.tokenScope ? { tokenScope: { repos: record.tokenScope } } : {}),
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
