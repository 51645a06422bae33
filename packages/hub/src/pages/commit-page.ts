import type { ServerResponse } from "node:http";
import { sendJson } from "../http.js";
import type { Commit, RepoMeta, RepoStore } from "../repos.js";
import { escapeHtml, formatSize, sendPage } from "./layout.js";
import { repoHref } from "./repo-pages.js";

type Change = { path: string; change: "added" | "modified" | "deleted"; size?: number };

/** What a commit changed against its parent (its first commit: everything it holds). */
function changesOf(store: RepoStore, meta: RepoMeta, commit: Commit): Change[] {
  const before = commit.parent ? store.commit(meta.type, meta.id, commit.parent).files : {};
  const out: Change[] = [];
  for (const [path, file] of Object.entries(commit.files)) {
    const old = before[path];
    if (!old) out.push({ path, change: "added", size: file.size });
    else if (old.oid !== file.oid) out.push({ path, change: "modified", size: file.size });
  }
  for (const path of Object.keys(before)) if (!commit.files[path]) out.push({ path, change: "deleted" });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** `/{repo}/commit/{id}` (the `commitUrl` a commit answers with): a page, or JSON for a client. */
export function commitPage(res: ServerResponse, store: RepoStore, meta: RepoMeta, rev: string, html: boolean): void {
  const repo = { type: meta.type, id: meta.id };
  const commit = store.resolve(meta.type, meta.id, rev);
  const changes = changesOf(store, meta, commit);
  if (!html) {
    sendJson(res, 200, {
      id: commit.id,
      title: commit.title,
      message: commit.message,
      date: commit.date,
      parents: commit.parent ? [commit.parent] : [],
      changes,
    });
    return;
  }
  const rows = changes.map((change) => {
    const name =
      change.change === "deleted"
        ? escapeHtml(change.path)
        : `<a href="${repoHref(repo, "blob", commit.id, change.path)}">${escapeHtml(change.path)}</a>`;
    return `<tr><td>${name}</td><td>${change.change}</td><td class="num">${change.size === undefined ? "" : formatSize(change.size)}</td></tr>`;
  });
  const parent = commit.parent
    ? `<p class="muted">parent <a href="${repoHref(repo)}/commit/${commit.parent}"><code>${commit.parent.slice(0, 12)}</code></a></p>`
    : "";
  sendPage(
    res,
    200,
    `${meta.id}@${commit.id.slice(0, 12)}`,
    `<p class="muted">Commit to <a href="${repoHref(repo)}">${escapeHtml(meta.id)}</a></p>
<h1>${escapeHtml(commit.title)}</h1>
<p class="muted"><code>${commit.id}</code> · ${escapeHtml(commit.date)}</p>${parent}
${commit.message ? `<pre>${escapeHtml(commit.message)}</pre>` : ""}
<table><thead><tr><th>file</th><th>change</th><th>size</th></tr></thead><tbody>${rows.join("")}</tbody></table>`,
  );
}
