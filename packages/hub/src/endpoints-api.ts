// Hugging Face Inference Endpoints' management API (api.endpoints.huggingface.cloud/v2), served by
// the local Hub under /api/endpoints so a sandboxed plugin can manage endpoints offline:
//
//   GET    /api/endpoints/v2/endpoint/{namespace}                    {items: [endpoint…]}
//   POST   /api/endpoints/v2/endpoint/{namespace}                    create → the endpoint
//   GET    /api/endpoints/v2/endpoint/{namespace}/{name}             the endpoint
//   DELETE /api/endpoints/v2/endpoint/{namespace}/{name}             delete it
//   POST   /api/endpoints/v2/endpoint/{namespace}/{name}/pause       → paused
//   POST   /api/endpoints/v2/endpoint/{namespace}/{name}/resume      → pending, again
//   POST   /api/endpoints/v2/endpoint/{namespace}/{name}/scale-to-zero → scaledToZero
//   POST   /api/endpoints/invoke/{namespace}/{name}                  the endpoint's `status.url`
//
// The lifecycle is real, the hardware is not: an endpoint is pending, then initializing, then
// running after fixed delays; it fails if its model repo disappears while it starts. No model is
// loaded: once running, its URL answers with the model repo's stored files (which proves the repo
// and revision it serves), and a scaled-to-zero endpoint wakes on a request as on Hugging Face.
// Endpoints are JSON files under `<dir>/endpoints/{namespace}/{name}.json`.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { checkContentType, HubError, JSON_TYPES, readBody, sendJson } from "./http.js";
import { checkRepoId, type RepoStore } from "./repos.js";

export type EndpointState = "pending" | "initializing" | "running" | "paused" | "scaledToZero" | "failed";
/** What is stored: a settled state, or `starting` (pending, then initializing) since `startedAt`. */
type Phase = "starting" | "running" | "paused" | "scaledToZero" | "failed";

export interface EndpointsApiOptions {
  /** The hub's directory; endpoints live under `<dir>/endpoints`. */
  dir: string;
  store: RepoStore;
  /** The user recorded as creator. */
  user: string;
  /** How long a starting endpoint reports `pending`, then `initializing` (default 300 and 700 ms). */
  pendingMs?: number;
  initializingMs?: number;
  /** The clock the lifecycle follows (default Date.now); tests move it by hand. */
  now?: () => number;
}

interface EndpointRecord {
  name: string;
  namespace: string;
  type: string;
  provider: { vendor: string; region: string };
  compute: {
    accelerator: string;
    instanceType: string;
    instanceSize: string;
    scaling: { minReplica: number; maxReplica: number; scaleToZeroTimeout?: number };
  };
  model: { repository: string; revision: string; task: string | null; framework: string; image: unknown };
  createdAt: string;
  updatedAt: string;
  phase: Phase;
  startedAt: string;
  message: string | null;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const NAMESPACE = /^[A-Za-z0-9][\w.-]*$/;
const ACTIONS = new Set(["pause", "resume", "scale-to-zero"]);

const badRequest = (message: string): HubError => new HubError(400, message);

function text(value: unknown, name: string, fallback?: string): string {
  if ((value === undefined || value === null || value === "") && fallback !== undefined) return fallback;
  if (typeof value !== "string" || !value.trim()) throw badRequest(`\`${name}\` is required (a string)`);
  return value.trim();
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw badRequest(`\`${name}\` must be a whole number, 0 or more`);
  }
  return value;
}

const object = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

export class EndpointsApi {
  readonly #root: string;
  readonly #pendingMs: number;
  readonly #initializingMs: number;
  readonly #now: () => number;

  constructor(private readonly options: EndpointsApiOptions) {
    this.#root = join(options.dir, "endpoints");
    this.#pendingMs = options.pendingMs ?? 300;
    this.#initializingMs = options.initializingMs ?? 700;
    this.#now = options.now ?? Date.now;
  }

  /** Routes `parts`, the path after `/api/endpoints`. */
  async route(req: IncomingMessage, res: ServerResponse, baseUrl: string, parts: string[]): Promise<void> {
    const method = req.method ?? "GET";
    if (parts[0] === "invoke" && parts.length === 3) {
      return this.#invoke(req, res, parts[1] as string, parts[2] as string);
    }
    const [version, kind, namespace, name, action, ...rest] = parts;
    if (version !== "v2" || kind !== "endpoint" || !namespace || rest.length) throw new HubError(404, "Not found");
    if (!NAMESPACE.test(namespace)) throw badRequest(`"${namespace}" is not a namespace (a user or organization name)`);
    if (!name) {
      if (method === "GET")
        return sendJson(res, 200, { items: this.#list(namespace).map((r) => this.#view(r, baseUrl)) });
      if (method === "POST") return this.#create(req, res, baseUrl, namespace);
    } else if (!action) {
      if (method === "GET") return sendJson(res, 200, this.#view(this.#find(namespace, name), baseUrl));
      if (method === "DELETE") {
        this.#find(namespace, name);
        rmSync(this.#file(namespace, name), { force: true });
        return sendJson(res, 200, {});
      }
    } else if (ACTIONS.has(action) && method === "POST") {
      const record = this.#find(namespace, name);
      this.#transition(record, action);
      return sendJson(res, 200, this.#view(record, baseUrl));
    }
    throw new HubError(405, `Method ${method} not allowed here`);
  }

  #file(namespace: string, name: string): string {
    return join(this.#root, namespace, `${name}.json`);
  }

  #save(record: EndpointRecord): void {
    mkdirSync(join(this.#root, record.namespace), { recursive: true });
    const file = this.#file(record.namespace, record.name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, file);
  }

  #find(namespace: string, name: string): EndpointRecord {
    const file = NAME.test(name) ? this.#file(namespace, name) : undefined;
    if (!file || !existsSync(file)) {
      throw new HubError(404, `Inference Endpoint ${namespace}/${name} not found`, "EndpointNotFound");
    }
    return JSON.parse(readFileSync(file, "utf8")) as EndpointRecord;
  }

  #list(namespace: string): EndpointRecord[] {
    const folder = join(this.#root, namespace);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((file) => file.endsWith(".json"))
      .map((file) => this.#find(namespace, file.slice(0, -5)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The state now: a starting endpoint moves on with time, and fails if its model repo is gone by then. */
  #state(record: EndpointRecord): EndpointState {
    if (record.phase !== "starting") return record.phase;
    const elapsed = this.#now() - Date.parse(record.startedAt);
    if (elapsed < this.#pendingMs) return "pending";
    if (elapsed < this.#pendingMs + this.#initializingMs) return "initializing";
    const missing = this.#modelProblem(record.model.repository, record.model.revision);
    record.phase = missing ? "failed" : "running";
    record.message = missing ?? "Endpoint is running";
    record.updatedAt = new Date(this.#now()).toISOString();
    this.#save(record);
    return record.phase;
  }

  /** Why the model can't be served (its repo or revision is missing), or undefined. */
  #modelProblem(repository: string, revision: string): string | undefined {
    if (!this.options.store.exists("model", repository)) return `Model repository ${repository} not found on this Hub`;
    try {
      this.options.store.resolve("model", repository, revision);
      return undefined;
    } catch {
      return `Revision ${revision} not found in model repository ${repository}`;
    }
  }

  #transition(record: EndpointRecord, action: string): void {
    const state = this.#state(record);
    const id = `${record.namespace}/${record.name}`;
    const refuse = (why: string) => badRequest(`Inference Endpoint ${id} ${why}`);
    let next: Phase;
    if (action === "pause") {
      if (state === "paused") throw refuse("is already paused; resume it to start it again.");
      if (state === "failed") throw refuse("has failed; resume it to retry, or delete it.");
      next = "paused";
    } else if (action === "resume") {
      if (state === "pending" || state === "initializing" || state === "running") {
        throw refuse(`is already ${state === "running" ? "running" : "starting"}.`);
      }
      next = "starting";
    } else {
      if (state === "scaledToZero") throw refuse("is already scaled to zero.");
      if (state !== "running") throw refuse(`is ${state}; only a running endpoint can scale to zero.`);
      next = "scaledToZero";
    }
    const now = new Date(this.#now()).toISOString();
    record.phase = next;
    record.updatedAt = now;
    if (next === "starting") record.startedAt = now;
    record.message = {
      starting: "Endpoint is starting",
      paused: "Endpoint is paused",
      scaledToZero: "Endpoint is scaled to zero",
      running: "Endpoint is running",
      failed: record.message,
    }[next];
    this.#save(record);
  }

  async #create(req: IncomingMessage, res: ServerResponse, baseUrl: string, namespace: string): Promise<void> {
    checkContentType(req, JSON_TYPES);
    const raw = await readBody(req, 1024 * 1024);
    let body: Record<string, unknown>;
    try {
      body = object(JSON.parse(raw.toString("utf8") || "{}"));
    } catch {
      throw badRequest("Request body is not valid JSON");
    }
    const name = text(body.name, "name");
    if (!NAME.test(name)) {
      throw badRequest(
        `Invalid endpoint name "${name}": use 1 to 32 lowercase letters, digits or hyphens, starting and ending with a letter or digit`,
      );
    }
    const model = object(body.model);
    const compute = object(body.compute);
    const provider = object(body.provider);
    const scaling = object(compute.scaling);
    const repository = text(model.repository, "model.repository");
    checkRepoId(repository);
    const revision = text(model.revision, "model.revision", "main");
    const problem = this.#modelProblem(repository, revision);
    if (problem) throw badRequest(`${problem}: push the model first, then create the endpoint.`);
    const minReplica = count(scaling.minReplica, "compute.scaling.minReplica", 0);
    const maxReplica = count(scaling.maxReplica, "compute.scaling.maxReplica", 1);
    if (maxReplica < 1 || minReplica > maxReplica) {
      throw badRequest("compute.scaling needs maxReplica ≥ 1 and minReplica ≤ maxReplica");
    }
    const timeout = scaling.scaleToZeroTimeout;
    const now = new Date(this.#now()).toISOString();
    const record: EndpointRecord = {
      name,
      namespace,
      type: text(body.type, "type", "protected"),
      provider: { vendor: text(provider.vendor, "provider.vendor"), region: text(provider.region, "provider.region") },
      compute: {
        accelerator: text(compute.accelerator, "compute.accelerator"),
        instanceType: text(compute.instanceType, "compute.instanceType"),
        instanceSize: text(compute.instanceSize, "compute.instanceSize"),
        scaling: {
          minReplica,
          maxReplica,
          ...(typeof timeout === "number" ? { scaleToZeroTimeout: timeout } : {}),
        },
      },
      model: {
        repository,
        revision,
        task: typeof model.task === "string" ? model.task : null,
        framework: text(model.framework, "model.framework", "pytorch"),
        image: model.image ?? { huggingface: {} },
      },
      createdAt: now,
      updatedAt: now,
      phase: "starting",
      startedAt: now,
      message: "Endpoint is starting",
    };
    if (existsSync(this.#file(namespace, name))) {
      throw new HubError(409, `Inference Endpoint ${namespace}/${name} already exists`, "EndpointConflict");
    }
    this.#save(record);
    sendJson(res, 200, this.#view(record, baseUrl));
  }

  /** The endpoint as Hugging Face returns it. */
  #view(record: EndpointRecord, baseUrl: string): Record<string, unknown> {
    const state = this.#state(record);
    const { scaling } = record.compute;
    const live = state === "running" || state === "pending" || state === "initializing";
    const user = { id: this.options.user, name: this.options.user };
    return {
      name: record.name,
      type: record.type,
      accountId: null,
      provider: record.provider,
      compute: record.compute,
      model: record.model,
      status: {
        createdAt: record.createdAt,
        createdBy: user,
        updatedAt: record.updatedAt,
        updatedBy: user,
        private: null,
        state,
        message: record.message,
        readyReplica: state === "running" ? Math.max(1, scaling.minReplica) : 0,
        targetReplica: live ? Math.max(1, scaling.minReplica) : 0,
        url: `${baseUrl}/api/endpoints/invoke/${record.namespace}/${record.name}`,
      },
    };
  }

  /** A request to the endpoint's URL: answered once it runs; a scaled-to-zero endpoint starts again. */
  async #invoke(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): Promise<void> {
    const record = this.#find(namespace, name);
    const raw = await readBody(req, 1024 * 1024);
    const state = this.#state(record);
    const id = `${namespace}/${name}`;
    if (state === "scaledToZero") {
      this.#transition(record, "resume");
      throw new HubError(503, `Inference Endpoint ${id} is scaling up from zero; retry in a few seconds.`);
    }
    if (state === "pending" || state === "initializing") {
      throw new HubError(503, `Inference Endpoint ${id} is ${state}; retry once it is running.`);
    }
    if (state === "paused") throw new HubError(503, `Inference Endpoint ${id} is paused; resume it first.`);
    if (state === "failed") throw new HubError(503, `Inference Endpoint ${id} has failed: ${record.message}`);
    let inputs: unknown = null;
    try {
      inputs = raw.length ? (object(JSON.parse(raw.toString("utf8"))).inputs ?? null) : null;
    } catch {
      throw badRequest("Request body is not valid JSON");
    }
    const commit = this.options.store.resolve("model", record.model.repository, record.model.revision);
    sendJson(res, 200, {
      endpoint: id,
      model: record.model.repository,
      revision: commit.id,
      task: record.model.task,
      files: Object.entries(commit.files)
        .map(([path, entry]) => ({ path, size: entry.size }))
        .sort((a, b) => a.path.localeCompare(b.path)),
      inputs,
      note: "The local Hub runs no model: this endpoint answers with the files of the model revision it serves.",
    });
  }
}
