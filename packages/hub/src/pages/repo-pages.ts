import { closeSync, openSync, readSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { repoPrefix } from "../api.js";
import { splitCard } from "../card-data.js";
import { checkPath } from "../commit.js";
import { listTree, type TreeEntry } from "../files.js";
import { notFound } from "../http.js";
import { looksBinary } from "../lfs.js";
import type { Commit, RepoMeta, RepoStore, RepoType } from "../repos.js";
import { escapeHtml, formatSize, sendPage } from "./layout.js";
import { metaBadges, metricsTable, renderMarkdown } from "./markdown.js";

type Repo = { type: RepoType; id: string };

/** A file shown inline on its page up to this size; past it, the page shows the start and links the rest. */
const SHOWN_BYTES = 512 * 1024;

/** `/{datasets/}{owner}/{name}[/{action}/{rev}[/{path}]]`, each part percent-encoded (a rev like refs/pr/1 is one part). */
export function repoHref(repo: Repo, action?: "tree" | "blob" | "resolve", rev?: string, path = ""): string {
  const base = `/${repoPrefix(repo.type)}${repo.id.split("/").map(encodeURIComponent).join("/")}`;
  if (!action || rev === undefined) return base;
  const tail = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
  return `${base}/${action}/${encodeURIComponent(rev)}${tail ? `/${tail}` : ""}`;
}

const typeLabel = (type: RepoType): string => (type === "model" ? "Model" : type === "dataset" ? "Dataset" : "Space");

function heading(meta: RepoMeta, commit: Commit): string {
  const repo = { type: meta.type, id: meta.id };
  return `<p class="muted">${typeLabel(meta.type)}</p>
<h1><a href="${repoHref(repo)}">${escapeHtml(meta.id)}</a>${meta.private ? '<span class="badge">private</span>' : ""}${meta.gated ? '<span class="badge">gated</span>' : ""}</h1>
<p class="muted">${escapeHtml(commit.title)} · <code>${commit.id.slice(0, 12)}</code> · ${escapeHtml(commit.date)}</p>`;
}

function fileTable(repo: Repo, rev: string, entries: TreeEntry[]): string {
  if (entries.length === 0) return '<p class="muted">No files yet.</p>';
  const rows = entries.map((entry) => {
    const name = entry.path.split("/").at(-1) ?? entry.path;
    if (entry.type === "directory") {
      return `<tr><td><a href="${repoHref(repo, "tree", rev, entry.path)}">${escapeHtml(name)}/</a></td><td class="num"></td><td></td></tr>`;
    }
    return `<tr><td><a href="${repoHref(repo, "blob", rev, entry.path)}">${escapeHtml(name)}</a></td><td class="num">${formatSize(entry.size)}</td><td>${entry.lfs ? '<span class="badge">LFS</span>' : ""}</td></tr>`;
  });
  return `<table><thead><tr><th>file</th><th>size</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The start of a stored blob, at most `limit` bytes. */
function readStart(store: RepoStore, sha256: string, limit: number): Buffer {
  const fd = openSync(store.blobPath(sha256), "r");
  try {
    const buffer = Buffer.alloc(limit);
    const read = readSync(fd, buffer, 0, limit, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** A repo's page: its card rendered (metadata as badges, `model-index` as a table), `extra` (a dataset's preview), then its files. */
export function repoPage(res: ServerResponse, store: RepoStore, meta: RepoMeta, rev: string, extra = ""): void {
  const repo = { type: meta.type, id: meta.id };
  const commit = store.resolve(meta.type, meta.id, rev);
  let card = "";
  const readme = commit.files["README.md"];
  if (readme && !looksBinary(readStart(store, readme.sha256, 4096))) {
    const { data: cardMeta, body } = splitCard(readStart(store, readme.sha256, SHOWN_BYTES).toString("utf8"));
    card = `${metaBadges(cardMeta)}${metricsTable(cardMeta)}<article>${renderMarkdown(body, {
      blob: repoHref(repo, "blob", rev),
      raw: repoHref(repo, "resolve", rev),
    })}</article>`;
  }
  const files = fileTable(repo, rev, listTree(commit, "", false));
  sendPage(res, 200, meta.id, `${heading(meta, commit)}${card}${extra}<h2>Files</h2>${files}`);
}

/** A folder of a repo at `rev`. */
export function treePage(res: ServerResponse, store: RepoStore, meta: RepoMeta, rev: string, folder: string): void {
  const repo = { type: meta.type, id: meta.id };
  const commit = store.resolve(meta.type, meta.id, rev);
  const path = folder ? checkPath(folder).replace(/\/+$/, "") : "";
  const entries = listTree(commit, path, false);
  sendPage(
    res,
    200,
    `${meta.id}/${path}`,
    `${heading(meta, commit)}<h2>${escapeHtml(path || "/")}</h2>${fileTable(repo, rev, entries)}`,
  );
}

/** One file of a repo: Markdown rendered, other text shown as is, binary files as their size and a download link. */
export function blobPage(res: ServerResponse, store: RepoStore, meta: RepoMeta, rev: string, rawPath: string): void {
  const repo = { type: meta.type, id: meta.id };
  const commit = store.resolve(meta.type, meta.id, rev);
  const path = checkPath(rawPath);
  const file = commit.files[path];
  if (!file) throw notFound("EntryNotFound", `${path} does not exist on "${rev}"`);
  const start = readStart(store, file.sha256, SHOWN_BYTES);
  const raw = repoHref(repo, "resolve", rev, path);
  const facts = `<p class="muted">${formatSize(file.size)}${file.lfs ? " · stored with LFS" : ""} · <a href="${raw}">download</a></p>`;
  let content: string;
  if (looksBinary(start.subarray(0, 4096))) {
    content = '<p class="muted">A binary file: download it to look inside.</p>';
  } else {
    const text = start.toString("utf8");
    const cut = file.size > start.length ? `<p class="muted">The first ${formatSize(start.length)} are shown.</p>` : "";
    const folder = path.split("/").slice(0, -1).join("/");
    content = /\.(md|markdown)$/i.test(path)
      ? `<article>${renderMarkdown(splitCard(text).body, {
          blob: repoHref(repo, "blob", rev, folder),
          raw: repoHref(repo, "resolve", rev, folder),
        })}</article>${cut}`
      : `<pre>${escapeHtml(text)}</pre>${cut}`;
  }
  sendPage(res, 200, `${meta.id}/${path}`, `${heading(meta, commit)}<h2>${escapeHtml(path)}</h2>${facts}${content}`);
}

/** The Hub's front page: every repo, by kind. */
export function indexPage(res: ServerResponse, store: RepoStore): void {
  const sections = (["model", "dataset", "space"] as const).map((type) => {
    const repos = store.listRepos(type);
    const items = repos.map(
      (meta) =>
        `<li><a href="${repoHref({ type, id: meta.id })}">${escapeHtml(meta.id)}</a>${meta.private ? '<span class="badge">private</span>' : ""}</li>`,
    );
    return `<h2>${typeLabel(type)}s</h2>${items.length ? `<ul>${items.join("")}</ul>` : '<p class="muted">None yet.</p>'}`;
  });
  sendPage(res, 200, "Repositories", `<h1>Repositories</h1>${sections.join("")}`);
}
