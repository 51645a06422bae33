import { apiRepoPath, encodePath, formatBytes, type Hub, HubHttpError, type RepoType } from "./hub.js";

/**
 * What hf_download fetches: the files of one revision (pinned to its commit, so the listing and the
 * bytes agree), under a folder or one file, kept by glob patterns, every path checked before a byte
 * is written. The Hub's tree is untrusted input: a path that could land outside the target folder
 * refuses the whole call.
 */

/** One file as the Hub's tree lists it. */
export interface RemoteFile {
  path: string;
  size: number;
  /** The git blob id (regular files) or the LFS pointer's. */
  oid: string;
  /** Set for LFS files: the sha256 of the bytes. */
  lfs?: { oid: string; size: number };
}

interface TreeEntry {
  type: "file" | "directory";
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number };
}

/** Files one call takes at most; a bigger selection should be narrowed with patterns. */
export const MAX_FILES = 2000;

/** `fnmatch` as huggingface_hub's allow_patterns use it: `*` crosses folders, a trailing `/` means everything under it. */
export function globToRegExp(pattern: string): RegExp {
  const glob = pattern.endsWith("/") ? `${pattern}*` : pattern;
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    const close = char === "[" ? glob.indexOf("]", i + 2) : -1;
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else if (close > 0) {
      const body = glob.slice(i + 1, close).replace(/\\/g, "\\\\");
      source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s");
}

/** The path as a safe relative one, or undefined: absolute, `..`, `.`, empty segments, backslashes and control characters are refused. */
export function safeRepoPath(path: string): string | undefined {
  if (typeof path !== "string" || path === "" || path.startsWith("/") || /^[A-Za-z]:/.test(path)) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (path.includes("\\") || /[\u0000-\u001f\u007f]/.test(path)) return undefined;
  const parts = path.split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) return undefined;
  return path;
}

/** The commit a branch, tag or commit names now (its `sha`), so every later request reads the same one. */
export async function pinRevision(hub: Hub, type: RepoType, repo: string, revision: string): Promise<string> {
  const info = await hub.json<{ sha?: unknown }>(
    `${apiRepoPath(type, repo)}/revision/${encodeURIComponent(revision)}`,
    {
      what: `The ${type} repo ${repo}${revision !== "main" ? ` (or its revision ${revision})` : ""}`,
    },
  );
  return typeof info.sha === "string" && /^[0-9a-f]{40}$/.test(info.sha) ? info.sha : revision;
}

/** Every file under `folder` ("" for the root), following the tree's pages (`Link: rel="next"`). */
async function listTree(hub: Hub, type: RepoType, repo: string, commit: string, folder: string): Promise<TreeEntry[]> {
  const what = `The ${type} repo ${repo}${folder ? ` (or its folder ${folder})` : ""}`;
  let next: string | undefined =
    `${apiRepoPath(type, repo)}/tree/${encodeURIComponent(commit)}${folder ? `/${encodePath(folder)}` : ""}?recursive=true`;
  const entries: TreeEntry[] = [];
  while (next) {
    const res = await hub.request(next, { what });
    entries.push(...((await res.json()) as TreeEntry[]));
    next = nextPage(res.headers.get("link"), hub.endpoint);
    if (entries.length > MAX_FILES * 5) break;
  }
  return entries;
}

/** The `rel="next"` page, followed only on the endpoint's own origin (the token goes with it). */
function nextPage(link: string | null, endpoint: string): string | undefined {
  const match = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!match?.[1]) return undefined;
  const url = new URL(match[1], endpoint);
  return url.origin === new URL(endpoint).origin ? url.href : undefined;
}

/** The files one call fetches: `path` (a file or a folder, default the whole repo) kept by `patterns`. */
export async function selectFiles(
  hub: Hub,
  options: { type: RepoType; repo: string; commit: string; path?: string; patterns?: string[] },
): Promise<RemoteFile[]> {
  const { type, repo, commit } = options;
  const folder = (options.path ?? "").replace(/^(\.\/)+/, "").replace(/^\/+|\/+$/g, "");
  let entries: TreeEntry[];
  if (folder) {
    // A file or a folder: paths-info tells which (the tree of a file is empty or an error).
    const info = await hub.json<TreeEntry[]>(`${apiRepoPath(type, repo)}/paths-info/${encodeURIComponent(commit)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ paths: [folder] }),
      idempotent: true,
      what: `The ${type} repo ${repo}`,
    });
    const found = info.find((entry) => entry.path === folder);
    if (!found)
      throw new HubHttpError(
        404,
        `${repo} has no file or folder ${folder} at this revision: list it with hf_repo_files.`,
      );
    entries = found.type === "file" ? [found] : await listTree(hub, type, repo, commit, folder);
  } else {
    entries = await listTree(hub, type, repo, commit, "");
  }
  const unsafe = entries.filter((entry) => safeRepoPath(entry.path) === undefined).map((entry) => entry.path);
  if (unsafe.length > 0) {
    throw new HubHttpError(
      502,
      `Refused: the Hub listed ${unsafe.length === 1 ? "a path" : "paths"} that would land outside the target folder (${unsafe
        .slice(0, 5)
        .map((path) => JSON.stringify(path))
        .join(", ")}). Nothing was written. Check HF_ENDPOINT: the real Hub never lists such paths.`,
    );
  }
  const matchers = (options.patterns ?? []).map(globToRegExp);
  const files = entries
    .filter((entry) => entry.type === "file")
    .filter((entry) => matchers.length === 0 || matchers.some((re) => re.test(entry.path)))
    .map(
      (entry): RemoteFile => ({
        path: entry.path,
        size: entry.lfs?.size ?? entry.size,
        oid: entry.oid,
        ...(entry.lfs ? { lfs: { oid: entry.lfs.oid, size: entry.lfs.size } } : {}),
      }),
    )
    // By code point, not locale: the same order (and progress lines) on every machine.
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length > MAX_FILES) {
    throw new HubHttpError(
      413,
      `${repo} has ${files.length} matching files; this tool takes at most ${MAX_FILES} a call: narrow it with path or patterns.`,
    );
  }
  return files;
}

/**
 * Refuses a selection over the per-call total (the sandbox hashes every byte within its CPU limit),
 * naming the largest files and the hf CLI command that can fetch them.
 */
export function checkSizes(
  files: RemoteFile[],
  total: number,
  cli: { repo: string; type: RepoType; localDir: string },
): void {
  const sum = files.reduce((bytes, file) => bytes + file.size, 0);
  if (sum <= total) return;
  const command = `hf download ${cli.repo}${cli.type !== "model" ? ` --repo-type ${cli.type}` : ""} --local-dir ${cli.localDir}`;
  const largest = [...files]
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((file) => `${file.path} (${formatBytes(file.size)})`);
  const what =
    files.length === 1
      ? `${largest[0]} is too big for this tool`
      : `The selection is ${formatBytes(sum)} in ${files.length} files (the largest: ${largest.join(", ")})`;
  throw new HubHttpError(
    413,
    `${what}: it downloads up to ${formatBytes(total)} a call, since the plugin sandbox hashes every byte within its CPU limit, and nothing was written. Narrow it with path or patterns, or use the hf CLI: \`${command}\`.`,
  );
}
