import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkPath } from "./commit.js";
import { LIST_BODY_LIMIT, notFound, readJson, sendJson } from "./http.js";
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
  const body = await readJson<{ paths?: string[]; expand?: boolean }>(req, LIST_BODY_LIMIT);
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

/** Where the bytes of LFS files are served from: signed URLs, as the Hub's CDN hands out. */
export interface LfsDownloads {
  /** An absolute URL that serves the object without the token, for a limited time. */
  urlFor(sha256: string): string;
}

/**
 * `GET|HEAD /{prefix}{repo}/resolve/{rev}/{path}`. A regular file answers 200 with its bytes (Range
 * honoured) and `ETag` its git oid. An LFS file answers as the Hub does: 302 to a signed download
 * URL, with `X-Linked-Etag` (the sha256), `X-Linked-Size` and `X-Repo-Commit` on the redirect, which
 * is what huggingface_hub's HEAD reads before it follows; `ETag` is then the pointer's git oid.
 * A gated repo refuses `caller` unless it may read it (401/403 GatedRepo).
 */
export function resolveRoute(
  req: IncomingMessage,
  res: ServerResponse,
  store: RepoStore,
  repo: { type: RepoType; id: string },
  rev: string,
  rawPath: string,
  access: { caller?: string | null; lfs?: LfsDownloads } = {},
): void {
  if (access.caller !== undefined) store.checkGate(repo.type, repo.id, access.caller);
  const commit = store.resolve(repo.type, repo.id, rev);
  const path = checkPath(rawPath);
  const file = commit.files[path];
  if (!file) throw notFound("EntryNotFound", `${path} does not exist on "${rev}"`);
  const headers: Record<string, string | number> = {
    ...imageHeaders(path),
    ETag: `"${file.oid}"`,
    "X-Repo-Commit": commit.id,
    "Content-Disposition": `inline; filename*=UTF-8''${encodeURIComponent(path.split("/").pop() ?? path)}`,
  };
  if (file.lfs) {
    headers["X-Linked-ETag"] = `"${file.sha256}"`;
    headers["X-Linked-Size"] = file.size;
    if (access.lfs) {
      const body = `Found. Redirecting to ${access.lfs.urlFor(file.sha256)}`;
      res.writeHead(302, {
        ...headers,
        Location: access.lfs.urlFor(file.sha256),
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    // Without a signer (a bare route in tests), serve the bytes here, tagged with the sha256.
    headers.ETag = headers["X-Linked-ETag"] as string;
  }
  sendBlob(req, res, store.blobPath(file.sha256), file.size, headers);
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
};

/**
 * An image's own Content-Type, so a card's `![plot](curves.svg)` shows on the Hub's pages (a
 * browser draws no SVG served as octet-stream). A repo's SVG may hold scripts: the server's
 * `Content-Security-Policy: default-src 'none'; sandbox` on every answer keeps them from running if
 * someone opens the file itself, and an image drawn by `<img>` runs none.
 */
function imageHeaders(path: string): Record<string, string> {
  const type = IMAGE_TYPES[path.split(".").pop()?.toLowerCase() ?? ""];
  return type ? { "Content-Type": type } : {};
}

/** The bytes of a stored blob, with Range, If-None-Match and the given headers. */
export function sendBlob(
  req: IncomingMessage,
  res: ServerResponse,
  blobPath: string,
  size: number,
  extra: Record<string, string | number>,
): void {
  const headers: Record<string, string | number> = {
    "Content-Type": "application/octet-stream",
    "Accept-Ranges": "bytes",
    ...extra,
  };
  if (headers.ETag && req.headers["if-none-match"] === headers.ETag) {
    res.writeHead(304, headers).end();
    return;
  }
  const range = size === 0 ? null : parseRange(req.headers.range, size);
  if (range === "invalid") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(range ? 206 : 200, {
    ...headers,
    "Content-Length": length,
    ...(range
      ? { "Content-Range": `bytes ${start}-${end}/${size}` }
      : size === 0
        ? { "Content-Range": "bytes */0" }
        : {}),
  });
  if (req.method === "HEAD" || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(blobPath, { start, end, highWaterMark: 1024 * 1024 });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
