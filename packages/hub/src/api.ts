import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { libraryOf, pipelineTagOf, readCard, repoTags, tagFilter } from "./card-data.js";
import { checkPath } from "./commit.js";
import { HubError, readJson, sendJson } from "./http.js";
import { type Operation, REPO_TYPES, type RepoMeta, type RepoStore, type RepoType } from "./repos.js";

export const repoPrefix = (type: RepoType): string => (type === "model" ? "" : `${type}s/`);

export function parseRepoType(plural: string): RepoType | undefined {
  return REPO_TYPES.find((type) => `${type}s` === plural);
}

/** The repo's info as `/api/{type}s/{repo}` returns it: the Hub's fields, the card's metadata as `cardData`. */
export function repoInfo(store: RepoStore, meta: RepoMeta, rev = "HEAD", siblings = true): Record<string, unknown> {
  const commit = store.resolve(meta.type, meta.id, rev);
  const [author] = meta.id.split("/");
  const files = Object.keys(commit.files).sort();
  const card = readCard(store, commit);
  const library = meta.type === "model" ? libraryOf(store, commit, card) : undefined;
  const pipelineTag = meta.type === "model" ? pipelineTagOf(card) : undefined;
  const modelIndex = meta.type === "model" ? card.data["model-index"] : undefined;
  return {
    _id: createHash("sha1").update(`${meta.type}/${meta.id}`).digest("hex").slice(0, 24),
    id: meta.id,
    ...(meta.type === "model" ? { modelId: meta.id } : {}),
    author,
    sha: commit.id,
    lastModified: commit.date,
    createdAt: meta.createdAt,
    private: meta.private,
    disabled: false,
    gated: meta.gated ?? false,
    downloads: 0,
    likes: 0,
    trendingScore: 0,
    tags: repoTags(store, meta.type, commit),
    ...(meta.type === "model" ? { pipeline_tag: pipelineTag ?? null, library_name: library ?? null } : {}),
    ...(modelIndex !== undefined ? { "model-index": modelIndex } : {}),
    cardData: card.data,
    ...(siblings ? { siblings: files.map((rfilename) => ({ rfilename })) } : {}),
    usedStorage: files.reduce((n, path) => n + (commit.files[path]?.size ?? 0), 0),
  };
}

/** Sort keys the Hub accepts on listings; repos here have no downloads or likes, so those keep the id order. */
const SORT_KEYS = new Set(["lastModified", "createdAt", "downloads", "likes", "trendingScore", "id"]);

const lower = (value: unknown): string => (typeof value === "string" ? value.toLowerCase() : "");

/**
 * `GET /api/{type}s` with the Hub's query parameters: `search` (in the repo id), `author`,
 * `filter` (tags the repo must all carry, e.g. `arxiv:2106.09685`, `license:mit`,
 * `task_categories:text-classification`), `pipeline_tag`, `library`, `sort` with `direction`
 * (-1, the default, is descending), `limit`, and `expand` (only the fields named, as on the Hub),
 * `full` or `cardData=true` for the siblings and the card's metadata.
 */
export function listReposRoute(res: ServerResponse, url: URL, store: RepoStore, type: RepoType): void {
  const query = url.searchParams;
  const search = lower(query.get("search"));
  const author = query.get("author");
  const pipelineTag = lower(query.get("pipeline_tag"));
  const libraries = query
    .getAll("library")
    .flatMap((value) => value.split(","))
    .map(lower)
    .filter(Boolean);
  const limit = Number(query.get("limit")) || Infinity;
  const hasTags = tagFilter(url);
  const expand = query.getAll("expand").concat(query.getAll("expand[]"));
  const full = query.get("full") === "true" || query.get("full") === "1";
  const items = store
    .listRepos(type)
    .filter(
      (meta) =>
        (!search || meta.id.toLowerCase().includes(search)) &&
        (!author || meta.id.toLowerCase().startsWith(`${author.toLowerCase()}/`)),
    )
    .map((meta) => repoInfo(store, meta, "HEAD", full || expand.includes("siblings")))
    .filter((info) => {
      const tags = (info.tags as string[]).map((tag) => tag.toLowerCase());
      if (pipelineTag && lower(info.pipeline_tag) !== pipelineTag) return false;
      if (libraries.some((library) => lower(info.library_name) !== library && !tags.includes(library))) return false;
      return hasTags(tags);
    });
  const sort = query.get("sort");
  if (sort && SORT_KEYS.has(sort)) {
    const sign = query.get("direction") === "1" ? 1 : -1;
    items.sort((a, b) => {
      const x = a[sort];
      const y = b[sort];
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return order * sign || String(a.id).localeCompare(String(b.id));
    });
  }
  const withCard = full || query.get("cardData") === "true" || expand.includes("cardData");
  const shaped = items.slice(0, limit).map((info) => {
    if (expand.length)
      return Object.fromEntries(["_id", "id", ...expand].filter((key) => key in info).map((key) => [key, info[key]]));
    if (withCard) return info;
    const { cardData: _card, "model-index": _index, ...rest } = info;
    return rest;
  });
  sendJson(res, 200, shaped);
}

interface CreateBody {
  name?: string;
  organization?: string;
  type?: string;
  private?: boolean;
  visibility?: string;
  files?: { path: string; content: string; encoding?: string }[];
}

/** `POST /api/repos/create`: 409 when the repo exists (with its url, as the Hub answers). */
export async function createRepoRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  baseUrl: string,
  user: string,
): Promise<void> {
  const body = await readJson<CreateBody>(req);
  const type = (body.type ?? "model") as RepoType;
  if (!REPO_TYPES.includes(type)) throw new HubError(400, `Invalid repo type "${body.type}"`);
  if (!body.name) throw new HubError(400, "name is required");
  const id = body.name.includes("/") ? body.name : `${body.organization ?? user}/${body.name}`;
  const url = `${baseUrl}/${repoPrefix(type)}${id}`;
  if (store.exists(type, id)) {
    sendJson(res, 409, { error: `You already created this ${type} repo`, url });
    return;
  }
  const meta = store.createRepo(type, id, { private: body.private ?? body.visibility === "private" });
  if (body.files?.length) {
    const operations: Operation[] = body.files.map((file) => {
      const data = Buffer.from(file.content, file.encoding === "base64" ? "base64" : "utf8");
      return { kind: "put", path: checkPath(file.path), entry: store.putBlob(data, false) };
    });
    store.applyCommit(type, id, "main", operations, { title: "initial files", message: "" });
  }
  sendJson(res, 200, { url, name: id, id: repoInfo(store, meta)._id });
}

/** `DELETE /api/repos/delete` with `{name, organization, type}`. */
export async function deleteRepoRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  user: string,
): Promise<void> {
  const body = await readJson<CreateBody>(req);
  const type = (body.type ?? "model") as RepoType;
  const id = body.name?.includes("/") ? body.name : `${body.organization ?? user}/${body.name}`;
  store.deleteRepo(type, id);
  sendJson(res, 200, {});
}

/** `POST|DELETE /api/{type}s/{repo}/branch/{name}`. */
export async function branchRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  branch: string,
): Promise<void> {
  if (req.method === "DELETE") {
    store.deleteBranch(repo.type, repo.id, branch);
  } else {
    const body = await readJson<{ startingPoint?: string; emptyBranch?: boolean; overwrite?: boolean }>(req);
    store.createBranch(repo.type, repo.id, branch, {
      ...(body.startingPoint ? { from: body.startingPoint } : {}),
      ...(body.emptyBranch ? { empty: true } : {}),
      ...(body.overwrite ? { overwrite: true } : {}),
    });
  }
  sendJson(res, 200, {});
}

/** `GET /api/{type}s/{repo}/refs[?include_prs=1]`. */
export function refsRoute(
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  url?: URL,
): void {
  const branches = Object.entries(store.refs(repo.type, repo.id)).map(([name, targetCommit]) => ({
    name,
    ref: `refs/heads/${name}`,
    targetCommit,
  }));
  const tags = Object.entries(store.tags(repo.type, repo.id)).map(([name, tag]) => ({
    name,
    ref: `refs/tags/${name}`,
    targetCommit: tag.commit,
  }));
  const withPrs = ["1", "true"].includes(url?.searchParams.get("include_prs") ?? "");
  const pullRequests = Object.entries(store.pullRefs(repo.type, repo.id)).map(([num, targetCommit]) => ({
    name: num,
    ref: `refs/pr/${num}`,
    targetCommit,
  }));
  sendJson(res, 200, { branches, tags, converts: [], ...(withPrs ? { pullRequests } : {}) });
}

/** `POST /api/{type}s/{repo}/tag/{rev}` with `{tag, message}`; `DELETE /api/{type}s/{repo}/tag/{tag}`. */
export async function tagRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
): Promise<void> {
  if (req.method === "DELETE") {
    store.deleteTag(repo.type, repo.id, rev);
  } else {
    const body = await readJson<{ tag?: string; message?: string }>(req);
    if (!body.tag || !/^[\w.-]+(\/[\w.-]+)*$/.test(body.tag) || body.tag.includes(".."))
      throw new HubError(400, `Invalid tag name "${body.tag ?? ""}"`);
    store.createTag(repo.type, repo.id, body.tag, rev, body.message ?? "");
  }
  sendJson(res, 200, {});
}

/**
 * `PUT /api/{type}s/{repo}/settings` with `{gated, private}` (owner only), and
 * `POST /api/{type}s/{repo}/user-access-request/grant` with `{user}`: how a local Hub marks a repo
 * gated and lets a user in, as the Hub's settings page and access requests do.
 */
export async function settingsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  action: string,
): Promise<void> {
  const meta = store.meta(repo.type, repo.id);
  if (action === "settings") {
    const body = await readJson<{ gated?: unknown; private?: unknown }>(req);
    if (body.gated !== undefined && body.gated !== false && body.gated !== "auto" && body.gated !== "manual")
      throw new HubError(400, 'gated must be false, "auto" or "manual"');
    const updated = store.updateMeta(repo.type, repo.id, {
      ...(body.gated !== undefined ? { gated: body.gated as false | "auto" | "manual" } : {}),
      ...(typeof body.private === "boolean" ? { private: body.private } : {}),
    });
    return sendJson(res, 200, { gated: updated.gated ?? false, private: updated.private });
  }
  const body = await readJson<{ user?: string }>(req);
  if (!body.user) throw new HubError(400, "user is required");
  const granted = new Set([...(meta.accessGranted ?? []), body.user]);
  store.updateMeta(repo.type, repo.id, { accessGranted: [...granted] });
  sendJson(res, 200, {});
}

/** `GET /api/{type}s/{repo}/commits/{rev}`: newest first, paged by `p` and `limit`. */
export function commitsRoute(
  res: ServerResponse,
  url: URL,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
): void {
  const history = store.history(repo.type, repo.id, rev);
  const limit = Math.max(1, Number(url.searchParams.get("limit")) || 50);
  const page = Number(url.searchParams.get("p")) || 0;
  const items = history.slice(page * limit, (page + 1) * limit).map((c) => ({
    id: c.id,
    title: c.title,
    message: c.message,
    date: c.date,
    authors: [{ user: "local" }],
  }));
  const headers: Record<string, string> = { "X-Total-Count": String(history.length) };
  if ((page + 1) * limit < history.length) {
    const next = new URL(url);
    next.searchParams.set("p", String(page + 1));
    headers.Link = `<${next.href}>; rel="next"`;
  }
  sendJson(res, 200, items, headers);
}
