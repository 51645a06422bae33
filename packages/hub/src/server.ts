import { createReadStream, mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  branchRoute,
  commitsRoute,
  createRepoRoute,
  deleteRepoRoute,
  listReposRoute,
  parseRepoType,
  refsRoute,
  repoInfo,
  settingsRoute,
  tagRoute,
} from "./api.js";
import { commitRoute } from "./commit.js";
import { datasetsViewerRoute } from "./datasets-viewer.js";
import { discussionsRoute } from "./discussions.js";
import { DocsStore, docsApiRoute, docsPageRoute } from "./docs.js";
import { EndpointsApi } from "./endpoints-api.js";
import { pathsInfoRoute, resolveRoute, treeRoute } from "./files.js";
import { HubError, sendError, sendJson } from "./http.js";
import { JobsApi } from "./jobs-api.js";
import { LfsSigner, lfsBatch, lfsDownload, lfsUpload, lfsVerify, preupload } from "./lfs.js";
import { type MultipartOptions, MultipartUploads } from "./lfs-multipart.js";
import { papersRoutes } from "./papers-routes.js";
import { RepoStore, type RepoType } from "./repos.js";

export interface LocalHubOptions {
  /** Where repos, blobs and papers live. */
  dir: string;
  host?: string;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** The user `whoami-v2` reports and repos without an organization go under. Default "local". */
  user?: string;
  /** The jobs API (`/api/jobs/…`, stored under `<dir>/jobs`): the Python interpreter, default `/usr/bin/python3`. */
  jobs?: { python?: string };
  /** Inference Endpoints (`/api/endpoints/…`): how long a starting endpoint stays pending, then initializing. */
  endpoints?: { pendingMs?: number; initializingMs?: number };
  /** LFS multipart uploads (for clients that offer the "multipart" transfer): threshold, part size, expiry. */
  multipart?: MultipartOptions;
}

export interface LocalHub {
  url: string;
  close(): Promise<void>;
}

type Repo = { type: RepoType; id: string };
const REPO_ACTIONS = new Set([
  "preupload",
  "commit",
  "tree",
  "paths-info",
  "branch",
  "refs",
  "commits",
  "revision",
  "tag",
  "discussions",
  "settings",
  "user-access-request",
]);

/** Starts a Hugging Face Hub-compatible server storing everything under `dir`. */
export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  const { dir, host = "127.0.0.1", port = 0, token, user = "local" } = options;
  mkdirSync(dir, { recursive: true });
  const store = new RepoStore(dir);
  const signer = new LfsSigner();
  const multipart = new MultipartUploads(store, signer, options.multipart);
  const startedAt = new Date().toISOString();
  const jobsApi = new JobsApi({ dir: join(dir, "jobs"), python: options.jobs?.python });
  const endpointsApi = new EndpointsApi({ dir, store, user, ...options.endpoints });
  const docs = new DocsStore(dir);

  // The token is checked before any route, so a request with Authorization comes from `user`.
  const callerOf = (req: IncomingMessage): string | null => (req.headers.authorization ? user : null);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, baseUrl: string): Promise<void> {
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";
    // Upload URLs handed out by the LFS batch API carry their own signature instead of the token.
    if (parts[0] === "lfs-objects" && parts.length === 2 && method === "PUT") {
      return lfsUpload(req, res, store, signer, parts[1] as string, url.searchParams);
    }
    // And the multipart part URLs and completion URL (huggingface_hub posts the completion without its token).
    if (parts[0] === "lfs-multipart" && parts.length === 3 && method === "PUT") {
      return multipart.putPart(req, res, parts[1] as string, parts[2] as string, url.searchParams);
    }
    if (parts[0] === "lfs-multipart" && parts.length === 2 && method === "POST") {
      return multipart.complete(req, res, store, parts[1] as string, url.searchParams);
    }
    // So do the download links LFS files redirect to, as the Hub's CDN links are.
    if (parts[0] === "lfs-objects" && parts.length === 2 && url.searchParams.has("Signature")) {
      return lfsDownload(req, res, store, signer, parts[1] as string, url.searchParams);
    }
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      throw new HubError(
        401,
        req.headers.authorization ? "Invalid credentials in Authorization header" : "Invalid username or password.",
      );
    }
    if (parts[0] === "lfs-objects" && parts.length === 2 && (method === "GET" || method === "HEAD")) {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      if (method === "HEAD") return void res.end();
      createReadStream(store.blobPath(parts[1] as string))
        .on("error", () => res.destroy())
        .pipe(res);
      return;
    }
    // Papers, daily papers, collections and the arXiv stand-in (papers-routes.ts).
    if (papersRoutes(res, url, dir, method, parts)) return;
    // Documentation pages and their table of contents (docs.ts); `docs` is no user name here, as on huggingface.co.
    if (parts[0] === "docs" && (method === "GET" || method === "HEAD")) {
      return docsPageRoute(res, docs, baseUrl, parts.slice(1));
    }
    if (parts[0] === "datasets-server" && parts.length === 2 && method === "GET") {
      const dataset = url.searchParams.get("dataset");
      if (dataset && /^[\w.-]+\/[\w.-]+$/.test(dataset) && store.exists("dataset", dataset))
        store.checkGate("dataset", dataset, callerOf(req));
      return datasetsViewerRoute(res, url, store, parts[1] as string);
    }
    if (parts[0] === "api") return apiRoute(req, res, url, baseUrl, parts.slice(1));
    // Git-side routes: [datasets|spaces/]{owner}/{name}[.git]/…
    const type = parseRepoType(parts[0] ?? "");
    const rest = type && type !== "model" ? parts.slice(1) : parts;
    const [owner, rawName, action, ...tail] = rest;
    if (!owner || !rawName) throw new HubError(404, "Not found");
    const repo: Repo = {
      type: type && type !== "model" ? type : "model",
      id: `${owner}/${rawName.replace(/\.git$/, "")}`,
    };
    if (rawName.endsWith(".git") && action === "info" && tail.join("/") === "lfs/objects/batch" && method === "POST") {
      return lfsBatch(req, res, store, signer, multipart, baseUrl, repo);
    }
    if (rawName.endsWith(".git") && action === "info" && tail.join("/") === "lfs/objects/verify" && method === "POST") {
      return lfsVerify(req, res, store);
    }
    if ((action === "resolve" || action === "raw") && tail.length >= 2 && (method === "GET" || method === "HEAD")) {
      return resolveRoute(req, res, store, repo, tail[0] as string, tail.slice(1).join("/"), {
        caller: callerOf(req),
        lfs: { urlFor: (sha256) => signer.downloadUrl(baseUrl, sha256) },
      });
    }
    if (!action && method === "GET") {
      return sendJson(res, 200, repoInfo(store, store.meta(repo.type, repo.id)));
    }
    throw new HubError(404, "Not found");
  }

  async function apiRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    baseUrl: string,
    parts: string[],
  ): Promise<void> {
    const method = req.method ?? "GET";
    const [first, second] = parts;
    if (first === "whoami-v2" && method === "GET") {
      return sendJson(res, 200, {
        type: "user",
        id: "local",
        name: user,
        fullname: "Local Hub user",
        email: null,
        emailVerified: false,
        isPro: false,
        orgs: [],
        auth: { type: "access_token", accessToken: { displayName: "local", role: "write", createdAt: startedAt } },
      });
    }
    if (first === "repos" && second === "create" && method === "POST")
      return createRepoRoute(req, res, store, baseUrl, user);
    if (first === "repos" && second === "delete" && method === "DELETE") return deleteRepoRoute(req, res, store, user);
    if (first === "jobs") return jobsApi.route(req, res, baseUrl, parts.slice(1));
    if (first === "endpoints") return endpointsApi.route(req, res, baseUrl, parts.slice(1));
    if (first === "docs" && method === "GET") return docsApiRoute(res, url, docs, baseUrl, parts.slice(1));
    const type = parseRepoType(first ?? "");
    if (!type) throw new HubError(404, "Not found");
    if (parts.length === 1 && method === "GET") return listReposRoute(res, url, store, type);
    const [, owner, name, action, rev, ...tail] = parts;
    if (!owner || !name || (action && !REPO_ACTIONS.has(action))) throw new HubError(404, "Not found");
    const repo: Repo = { type, id: `${owner}/${name}` };
    const meta = store.meta(type, repo.id);
    const branch = rev ?? meta.defaultBranch;
    switch (action) {
      case undefined:
        if (method === "GET") return sendJson(res, 200, repoInfo(store, meta));
        break;
      case "revision":
        if (method === "GET") return sendJson(res, 200, repoInfo(store, meta, branch));
        break;
      case "preupload":
        if (method === "POST") return preupload(req, res);
        break;
      case "commit":
        if (method === "POST") return commitRoute(req, res, store, baseUrl, repo, branch, user);
        break;
      case "tree":
        if (method === "GET") return treeRoute(res, url, store, repo, branch, tail.join("/"));
        break;
      case "paths-info":
        if (method === "POST") return pathsInfoRoute(req, res, store, repo, branch);
        break;
      case "branch":
        if (rev && (method === "POST" || method === "DELETE")) return branchRoute(req, res, store, repo, rev);
        break;
      case "refs":
        if (method === "GET") return refsRoute(res, store, repo, url);
        break;
      case "tag":
        if (rev && (method === "POST" || method === "DELETE")) return tagRoute(req, res, store, repo, rev);
        break;
      case "discussions":
        return discussionsRoute(
          req,
          res,
          url,
          store,
          repo,
          user,
          [rev, ...tail].filter((p) => p !== undefined),
        );
      case "settings":
        if (method === "PUT") return settingsRoute(req, res, store, repo, action);
        break;
      case "user-access-request":
        if (rev === "grant" && method === "POST") return settingsRoute(req, res, store, repo, action);
        break;
      case "commits":
        if (method === "GET") return commitsRoute(res, url, store, repo, branch);
        break;
    }
    throw new HubError(405, `Method ${method} not allowed here`);
  }

  const server = createServer((req, res) => {
    const baseUrl = `http://${req.headers.host ?? `${host}:${port}`}`;
    let url: URL;
    try {
      url = new URL(req.url ?? "/", baseUrl);
    } catch {
      return sendError(res, new HubError(400, "Bad request URL"));
    }
    route(req, res, url, baseUrl).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const hubError =
        error instanceof HubError ? error : new HubError(500, error instanceof Error ? error.message : String(error));
      // Drain what the client is still sending so it sees the answer rather than a reset.
      req.resume();
      sendError(res, hubError);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        multipart.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
