import { existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
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
import type { HubAuth } from "./browse-auth.js";
import { checkPath, commitRoute } from "./commit.js";
import { discussionsRoute } from "./discussions.js";
import { type DocsStore, docsApiRoute, docsPageRoute } from "./docs.js";
import type { EndpointsApi } from "./endpoints-api.js";
import { pathsInfoRoute, resolveRoute, sendBlob, treeRoute } from "./files.js";
import { HubError, notFound, sendJson } from "./http.js";
import type { JobsApi } from "./jobs-api.js";
import { type LfsSigner, lfsBatch, lfsDownload, lfsUpload, lfsVerify, preupload } from "./lfs.js";
import type { MultipartUploads } from "./lfs-multipart.js";
import { commitPage } from "./pages/commit-page.js";
import { wantsHtml } from "./pages/layout.js";
import { blobPage, indexPage, repoPage, treePage } from "./pages/repo-pages.js";
import { paperUpload } from "./paper-upload.js";
import { papersRoutes } from "./papers-routes.js";
import type { RepoStore, RepoType } from "./repos.js";
import type { ScheduledJobsApi } from "./scheduled-jobs-api.js";

/** What the routes work with: one per running Hub. */
export interface HubContext {
  dir: string;
  user: string;
  startedAt: string;
  store: RepoStore;
  signer: LfsSigner;
  multipart: MultipartUploads;
  jobs: JobsApi;
  scheduledJobs: ScheduledJobsApi;
  endpoints: EndpointsApi;
  docs: DocsStore;
  auth: HubAuth;
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

/** The path's segments, percent-decoded; a malformed escape is the client's mistake (400), not ours. */
function segments(pathname: string): string[] {
  try {
    return pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HubError(400, "Malformed percent-escape in the URL path");
  }
}

/**
 * Routes a request that passed the Host/Origin gate. Signed LFS links and the sign-in routes come
 * first (they carry their own proof); everything else needs the token, or a signed-in browser
 * reading.
 */
export async function route(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  baseUrl: string,
): Promise<void> {
  const { store, signer, multipart } = ctx;
  const parts = segments(url.pathname);
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
  if (parts[0] === "login" && parts.length === 1 && method === "POST") return ctx.auth.signInFromForm(req, res);
  if (ctx.auth.signInFromLink(req, res, url)) return;
  if (!ctx.auth.allows(req)) {
    ctx.auth.refuse(req, res, url);
    return;
  }

  if (parts[0] === "lfs-objects" && parts.length === 2 && (method === "GET" || method === "HEAD")) {
    const oid = parts[1] as string;
    const path = store.blobPath(oid);
    if (!existsSync(path)) throw new HubError(404, "Object does not exist");
    return sendBlob(req, res, path, statSync(path).size, { ETag: `"${oid}"` });
  }
  // Papers, daily papers, collections and the arXiv stand-in (papers-routes.ts).
  if (papersRoutes(res, url, ctx.dir, method, parts)) return;
  if (parts[0] === "papers" && parts.length === 2 && method === "PUT" && parts[1]?.endsWith(".md")) {
    return paperUpload(req, res, ctx.dir, parts[1].slice(0, -".md".length));
  }
  // Documentation pages and their table of contents (docs.ts); `docs` is no user name here, as on huggingface.co.
  if (parts[0] === "docs" && (method === "GET" || method === "HEAD")) {
    return docsPageRoute(res, ctx.docs, baseUrl, parts.slice(1));
  }
  if (parts[0] === "datasets-server" && parts[1] === "assets" && method === "GET") {
    const dataset = `${parts[2]}/${parts[3]}`;
    if (/^[\w.-]+\/[\w.-]+$/.test(dataset) && store.exists("dataset", dataset))
      store.checkGate("dataset", dataset, ctx.user);
    return (await viewerModule()).datasetAssetRoute(res, store, parts.slice(2));
  }
  if (parts[0] === "datasets-server" && parts.length === 2 && method === "GET") {
    const dataset = url.searchParams.get("dataset");
    if (dataset && /^[\w.-]+\/[\w.-]+$/.test(dataset) && store.exists("dataset", dataset))
      store.checkGate("dataset", dataset, ctx.user);
    return (await viewerModule()).datasetsViewerRoute(res, url, store, parts[1] as string, baseUrl);
  }
  if (parts[0] === "api") return apiRoute(ctx, req, res, url, baseUrl, parts.slice(1));
  if (parts.length === 0 && (method === "GET" || method === "HEAD")) {
    if (wantsHtml(req)) return indexPage(res, store);
    return sendJson(res, 200, {
      models: store.listRepos("model").map((meta) => meta.id),
      datasets: store.listRepos("dataset").map((meta) => meta.id),
      spaces: store.listRepos("space").map((meta) => meta.id),
    });
  }
  return gitSideRoute(ctx, req, res, url, baseUrl, parts);
}

// The dataset viewer and its readers (Parquet, CSV, images) load on first use: a Hub that serves
// no dataset never pays their start-up.
const viewerModule = () => import("./datasets-viewer.js");
const datasetPagesModule = () => import("./pages/dataset-pages.js");

/** Whether the Hub's user may not read the repo's files (a gated repo not theirs). */
function isGated(ctx: HubContext, repo: Repo): boolean {
  try {
    ctx.store.checkGate(repo.type, repo.id, ctx.user);
    return false;
  } catch {
    return true;
  }
}

/** `[datasets|spaces/]{owner}/{name}[.git]/…`: LFS, files, and the pages a person browses. */
async function gitSideRoute(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  baseUrl: string,
  parts: string[],
): Promise<void> {
  const { store, signer } = ctx;
  const method = req.method ?? "GET";
  const type = parseRepoType(parts[0] ?? "");
  const rest = type && type !== "model" ? parts.slice(1) : parts;
  const [owner, rawName, action, ...tail] = rest;
  if (!owner || !rawName) throw new HubError(404, "Not found");
  const repo: Repo = {
    type: type && type !== "model" ? type : "model",
    id: `${owner}/${rawName.replace(/\.git$/, "")}`,
  };
  if (rawName.endsWith(".git") && action === "info" && tail.join("/") === "lfs/objects/batch" && method === "POST") {
    return lfsBatch(req, res, store, signer, ctx.multipart, baseUrl, repo);
  }
  if (rawName.endsWith(".git") && action === "info" && tail.join("/") === "lfs/objects/verify" && method === "POST") {
    return lfsVerify(req, res, store);
  }
  const reading = method === "GET" || method === "HEAD";
  if ((action === "resolve" || action === "raw") && tail.length >= 2 && reading) {
    return resolveRoute(req, res, store, repo, tail[0] as string, tail.slice(1).join("/"), {
      caller: ctx.user,
      lfs: { urlFor: (sha256) => signer.downloadUrl(baseUrl, sha256) },
    });
  }
  if (!action && reading) {
    const meta = store.meta(repo.type, repo.id);
    if (wantsHtml(req)) {
      const preview =
        repo.type === "dataset" && !isGated(ctx, repo)
          ? await (await datasetPagesModule()).datasetPreview(store, meta)
          : "";
      return repoPage(res, store, meta, meta.defaultBranch, preview);
    }
    return sendJson(res, 200, repoInfo(store, meta));
  }
  if (action === "tree" && tail.length >= 1 && reading) {
    const meta = store.meta(repo.type, repo.id);
    const folder = tail.slice(1).join("/");
    if (wantsHtml(req)) return treePage(res, store, meta, tail[0] as string, folder);
    return treeRoute(res, url, store, repo, tail[0] as string, folder);
  }
  if (action === "viewer" && repo.type === "dataset" && (tail.length === 0 || tail.length === 2) && reading) {
    store.checkGate(repo.type, repo.id, ctx.user);
    return (await datasetPagesModule()).viewerPage(res, store, store.meta(repo.type, repo.id), url, tail[0], tail[1]);
  }
  if (action === "commit" && tail.length === 1 && reading) {
    return commitPage(res, store, store.meta(repo.type, repo.id), tail[0] as string, wantsHtml(req));
  }
  if (action === "blob" && tail.length >= 2 && reading) {
    const meta = store.meta(repo.type, repo.id);
    store.checkGate(repo.type, repo.id, ctx.user);
    const path = tail.slice(1).join("/");
    if (wantsHtml(req)) return blobPage(res, store, meta, tail[0] as string, path);
    const commit = store.resolve(repo.type, repo.id, tail[0] as string);
    const file = commit.files[checkPath(path)];
    if (!file) throw notFound("EntryNotFound", `${path} does not exist on "${tail[0]}"`);
    return sendJson(res, 200, { type: "file", path, size: file.size, oid: file.oid, lfs: file.lfs, commit: commit.id });
  }
  throw new HubError(404, "Not found");
}

async function apiRoute(
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  baseUrl: string,
  parts: string[],
): Promise<void> {
  const { store, user } = ctx;
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
      auth: { type: "access_token", accessToken: { displayName: "local", role: "write", createdAt: ctx.startedAt } },
    });
  }
  if (first === "repos" && second === "create" && method === "POST")
    return createRepoRoute(req, res, store, baseUrl, user);
  if (first === "repos" && second === "delete" && method === "DELETE") return deleteRepoRoute(req, res, store, user);
  if (first === "jobs") return ctx.jobs.route(req, res, baseUrl, parts.slice(1));
  if (first === "scheduled-jobs") return ctx.scheduledJobs.route(req, res, baseUrl, parts.slice(1));
  if (first === "endpoints") return ctx.endpoints.route(req, res, baseUrl, parts.slice(1));
  if (first === "docs" && method === "GET") return docsApiRoute(res, url, ctx.docs, baseUrl, parts.slice(1));
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
