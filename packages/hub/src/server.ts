import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { JobLauncher } from "@pincer/jobs";
import { HubAuth } from "./browse-auth.js";
import { DocsStore } from "./docs.js";
import { EndpointsApi } from "./endpoints-api.js";
import { HubError, sendError } from "./http.js";
import { JobsApi } from "./jobs-api.js";
import { LfsSigner } from "./lfs.js";
import { type MultipartOptions, MultipartUploads } from "./lfs-multipart.js";
import { escapeHtml, sendPage, wantsHtml } from "./pages/layout.js";
import { RepoStore } from "./repos.js";
import { checkHostAndOrigin, type Listening } from "./request-gate.js";
import { type HubContext, route } from "./routes.js";
import { ScheduledJobsApi } from "./scheduled-jobs-api.js";
import { ScopedTokens } from "./scoped-tokens.js";

export interface LocalHubOptions {
  /** Where repos, blobs and papers live. */
  dir: string;
  /**
   * The interface to listen on (default 127.0.0.1). Requests must name it, or a loopback name, in
   * their Host header; with a wildcard (0.0.0.0, ::) any name is accepted and the token alone guards it.
   */
  host?: string;
  /** 0 (the default) picks any free port. */
  port?: number;
  /**
   * Every request must carry `Authorization: Bearer <token>` (or come from a browser signed in with
   * it), except the signed LFS links the Hub hands out. None given: a random one (see `LocalHub.token`).
   * Start it with `hf_`: @huggingface/hub refuses tokens that don't.
   */
  token?: string;
  /** The user `whoami-v2` reports and repos without an organization go under. Default "local". */
  user?: string;
  /**
   * The jobs API (`/api/jobs/…`, stored under `<dir>/jobs`): the Python interpreter (default
   * `/usr/bin/python3`) and how jobs are started. Without a `launcher` (the host's OS sandbox,
   * `createJobLauncher`, given this Hub's address), the Hub refuses to start jobs. `now` is the
   * scheduled jobs' clock (tests move it by hand).
   */
  jobs?: { python?: string; launcher?: JobLauncher; now?: () => number };
  /** Inference Endpoints (`/api/endpoints/…`): how long a starting endpoint stays pending, then initializing (and the clock). */
  endpoints?: { pendingMs?: number; initializingMs?: number; now?: () => number };
  /** LFS multipart uploads (for clients that offer the "multipart" transfer): threshold, part size, expiry. */
  multipart?: MultipartOptions;
  /**
   * How long a connection may take to send its request headers before it is closed (default 15 s),
   * and how often that is checked (default every second): an idle or trickling client can't hold a
   * connection open for long.
   */
  headersTimeoutMs?: number;
  connectionsCheckingIntervalMs?: number;
}

export interface LocalHub {
  url: string;
  /** The token every request needs (the one given, or the one generated). */
  token: string;
  close(): Promise<void>;
}

/** How much of an unread request body is read and dropped after a refusal, so the client reads the answer. */
const DRAIN_LIMIT = 8 * 1024 * 1024;
const DRAIN_MS = 5_000;

/** Starts a Hugging Face Hub-compatible server storing everything under `dir`. */
export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  const { dir, host = "127.0.0.1", port = 0, user = "local" } = options;
  const token = options.token || `hf_${randomBytes(24).toString("hex")}`;
  mkdirSync(dir, { recursive: true });
  const store = new RepoStore(dir);
  const signer = new LfsSigner();
  // This Hub's address once it listens: what its jobs get as HF_ENDPOINT.
  let endpoint: string | undefined;
  const scoped = new ScopedTokens();
  const jobs = new JobsApi({
    dir: join(dir, "jobs"),
    tokens: scoped,
    python: options.jobs?.python,
    ...(options.jobs?.launcher ? { launcher: options.jobs.launcher } : {}),
    endpoint: () => endpoint,
  });
  const ctx: HubContext = {
    dir,
    user,
    startedAt: new Date().toISOString(),
    store,
    signer,
    multipart: new MultipartUploads(store, signer, options.multipart),
    jobs,
    scheduledJobs: new ScheduledJobsApi({ dir, jobs, ...(options.jobs?.now ? { now: options.jobs.now } : {}) }),
    endpoints: new EndpointsApi({ dir, store, user, ...options.endpoints }),
    docs: new DocsStore(dir),
    auth: new HubAuth(token, scoped),
  };
  const listening: Listening = { host, port };

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 15_000,
      connectionsCheckingInterval: options.connectionsCheckingIntervalMs ?? 1_000,
    },
    (req, res) => {
      // Nothing the Hub sends is to be sniffed into HTML or run as a page, and no URL leaks in a Referer.
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.setHeader("Referrer-Policy", "no-referrer");
      res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
      const refused = checkHostAndOrigin(req, listening);
      if (refused) return answerError(req, res, new HubError(refused.status, refused.message));
      const baseUrl = `http://${req.headers.host}`;
      let url: URL;
      try {
        url = new URL(req.url ?? "/", baseUrl);
      } catch {
        return answerError(req, res, new HubError(400, "Bad request URL"));
      }
      route(ctx, req, res, url, baseUrl).catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        answerError(
          req,
          res,
          error instanceof HubError ? error : new HubError(500, error instanceof Error ? error.message : String(error)),
        );
      });
    },
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  listening.port = address.port;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  endpoint = `http://${shownHost}:${address.port}`;
  ctx.scheduledJobs.start(endpoint);
  return {
    url: endpoint,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        ctx.multipart.close();
        ctx.scheduledJobs.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Sends an error (a page to a browser, the Hub's JSON to a client). A body the client is still
 * sending is read and dropped first, up to DRAIN_LIMIT bytes or DRAIN_MS, so the client gets to
 * read the answer on a connection that stays usable; a body declared or found larger than that is
 * not read on: the answer goes out with `Connection: close` (a refused 1.4 GB upload costs at most
 * DRAIN_LIMIT of reading, never 1.4 GB).
 */
function answerError(req: IncomingMessage, res: ServerResponse, error: HubError): void {
  const send = (close: boolean) => {
    if (res.headersSent || res.destroyed) return;
    if (close) res.setHeader("Connection", "close");
    if (wantsHtml(req) && error.status !== 401) {
      sendPage(
        res,
        error.status,
        `Error ${error.status}`,
        `<h1>Error ${error.status}</h1><p>${escapeHtml(error.message)}</p>`,
      );
      return;
    }
    sendError(res, error);
  };
  if (req.complete || Number(req.headers["content-length"]) > DRAIN_LIMIT) {
    send(!req.complete);
    return;
  }
  let drained = 0;
  const timer = setTimeout(() => send(true), DRAIN_MS);
  timer.unref();
  const finish = (close: boolean) => {
    clearTimeout(timer);
    send(close);
  };
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT) {
      req.pause();
      finish(true);
    }
  });
  req.on("end", () => finish(false));
  req.on("error", () => finish(true));
  req.resume();
}
