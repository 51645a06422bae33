import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkPath } from "./commit.js";
import { notFound, readJson, sendJson } from "./http.js";
import { type Commit, type FileEntry, lfsPointer, type RepoStore, type RepoType } from "./repos.js";

/** Entries a tree page holds (the Hub pages its tree API the same way, with a `Link: rel="next"`). */
export const TREE_PAGE_SIZE = 1000;

export interface TreeEntry {
  type: "file" | "directory";
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
  lastCommit?: { id: string; title: string; date: string };
}

const sortedPaths = new WeakMap<Commit, string[]>();

function pathsOf(commit: Commit): string[] {
  let paths = sortedPaths.get(commit);
  if (!paths) {
    paths = Object.keys(commit.files).sort();
    sortedPaths.set(commit, paths);
  }
  return paths;
}

function fileEntry(path: string, file: FileEntry): TreeEntry {
  const entry: TreeEntry = { type: "file", oid: file.oid, size: file.size, path };
  if (file.lfs)
    entry.lfs = { oid: file.sha256, size: file.size, pointerSize: lfsPointer(file.sha256, file.size).length };
  return entry;
}

const dirEntry = (path: string): TreeEntry => ({ type: "directory", oid: "0".repeat(40), size: 0, path });

/** The entries under `folder` ("" for the root): its children, or everything below with `recursive`. */
export function listTree(commit: Commit, folder: string, recursive: boolean): TreeEntry[] {
  const prefix = folder ? `${folder}/` : "";
  const out: TreeEntry[] = [];
  const seenDirs = new Set<string>();
  for (const path of pathsOf(commit)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length).split("/");
    const depth = recursive ? rest.length - 1 : Math.min(1, rest.length - 1);
    for (let i = 1; i <= depth; i++) {
      const dir = prefix + rest.slice(0, i).join("/");
      if (!seenDirs.has(dir)) {
        seenDirs.add(dir);
        out.push(dirEntry(dir));
      }
    }
    if (recursive || rest.length === 1) out.push(fileEntry(path, commit.files[path] as FileEntry));
  }
  if (folder && out.length === 0 && !commit.files[folder])
    throw notFound("EntryNotFound", `${folder} does not exist on this revision`);
  return out;
}

/** `GET /api/{type}s/{repo}/tree/{rev}/{path}?recursive&expand&cursor`. */
export function treeRoute(
  res: ServerResponse,
  url: URL,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
  folder: string,
): void {
  const commit = store.resolve(repo.type, repo.id, rev);
  const recursive = url.searchParams.get("recursive") === "true" || url.searchParams.get("recursive") === "1";
  const entries = listTree(commit, folder.replace(/\/+$/, ""), recursive);
  const start = Number(url.searchParams.get("cursor") ?? 0) || 0;
  const page = entries.slice(start, start + TREE_PAGE_SIZE);
  if (url.searchParams.get("expand") === "true") {
    for (const entry of page) entry.lastCommit = { id: commit.id, title: commit.title, date: commit.date };
  }
  const headers: Record<string, string> = {};
  if (start + TREE_PAGE_SIZE < entries.length) {
    const next = new URL(url);
    next.searchParams.set("cursor", String(start + TREE_PAGE_SIZE));
    headers.Link = `<${next.href}>; rel="next"`;
  }
  sendJson(res, 200, page, headers);
}

/** `POST /api/{type}s/{repo}/paths-info/{rev}` with `{paths, expand}`. */
export async function pathsInfoRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
): Promise<void> {
  const commit = store.resolve(repo.type, repo.id, rev);
  const body = await readJson<{ paths?: string[]; expand?: boolean }>(req);
  const out: TreeEntry[] = [];
  for (const raw of body.paths ?? []) {
    const path = raw.replace(/^\/+|\/+$/g, "");
    const file = commit.files[path];
    if (file) out.push(fileEntry(path, file));
    else if (pathsOf(commit).some((p) => p.startsWith(`${path}/`))) out.push(dirEntry(path));
  }
  if (body.expand)
    for (const entry of out) entry.lastCommit = { id: commit.id, title: commit.title, date: commit.date };
  sendJson(res, 200, out);
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | "invalid" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, a, b] = match;
  let start: number;
  let end: number;
  if (a === "") {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

/** `GET|HEAD /{prefix}{repo}/resolve/{rev}/{path}`: the bytes, with Range and the headers the clients read. */
export function resolveRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
  rawPath: string,
): void {
  const commit = store.resolve(repo.type, repo.id, rev);
  const path = checkPath(rawPath);
  const file = commit.files[path];
  if (!file) throw notFound("EntryNotFound", `${path} does not exist on "${rev}"`);
  const etag = `"${file.lfs ? file.sha256 : file.oid}"`;
  const headers: Record<string, string | number> = {
    "Content-Type": "application/octet-stream",
    "Accept-Ranges": "bytes",
    ETag: etag,
    "X-Repo-Commit": commit.id,
    "Content-Disposition": `inline; filename*=UTF-8''${encodeURIComponent(path.split("/").pop() ?? path)}`,
  };
  if (file.lfs) {
    headers["X-Linked-ETag"] = etag;
    headers["X-Linked-Size"] = file.size;
  }
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const range = file.size === 0 ? null : parseRange(req.headers.range, file.size);
  if (range === "invalid") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${file.size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const length = file.size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    "Content-Length": length,
    ...(range
      ? { "Content-Range": `bytes ${start}-${end}/${file.size}` }
      : file.size === 0
        ? { "Content-Range": "bytes */0" }
        : {}),
  });
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(store.blobPath(file.sha256), { start, end, highWaterMark: 1024 * 1024 });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
