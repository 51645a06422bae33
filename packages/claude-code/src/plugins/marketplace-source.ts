import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { checkGitRef, checkGitSha, checkGitUrl, githubUrl } from "@pincer/host/install";

/**
 * Where a marketplace or a marketplace's plugin comes from, as Claude Code's plugin-marketplaces
 * reference spells it: `/plugin marketplace add` takes `owner/repo` (GitHub), a git URL (with an
 * optional `#ref`), a local folder or marketplace.json, or a URL to a marketplace.json; a plugin
 * entry's `source` is a relative path inside the marketplace, or `{ "source": "github", "repo" }`,
 * `{ "source": "url", "url" }`, `{ "source": "git-subdir", "url", "path" }` with optional `ref`/`sha`.
 */

export const MARKETPLACE_MANIFEST = join(".claude-plugin", "marketplace.json");

export type MarketplaceLocation =
  | { kind: "directory"; path: string }
  | { kind: "url"; url: string }
  /** `display` is how the user named it (owner/repo, or the URL). */
  | { kind: "git"; url: string; ref?: string; display: string };

/** Reads what `pincer plugin marketplace add <where>` names; an error says what forms it takes. */
export function parseMarketplaceLocation(where: string, cwd: string): MarketplaceLocation {
  const hash = where.lastIndexOf("#");
  const base = hash > 0 ? where.slice(0, hash) : where;
  const ref = hash > 0 ? checkGitRef(where.slice(hash + 1), where) : undefined;
  const git = (url: string, display = where): MarketplaceLocation => ({
    kind: "git",
    url: checkGitUrl(url, where),
    ...(ref ? { ref } : {}),
    display,
  });
  if (/^https?:\/\//i.test(base)) {
    if (/\.git\/?$/i.test(base)) return git(base);
    if (ref) throw new Error(`${where}: a #ref names a branch or tag of a git repository; this is not a .git URL.`);
    return { kind: "url", url: where };
  }
  if (/^(ssh|file):\/\//i.test(base) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:/.test(base)) return git(base);
  const local = resolve(cwd, where);
  if (existsSync(local)) {
    if (isGitRepository(local) && !existsSync(join(local, MARKETPLACE_MANIFEST))) {
      return { kind: "git", url: checkGitUrl(local, where), display: where };
    }
    return { kind: "directory", path: local };
  }
  if (ref && existsSync(resolve(cwd, base)) && isGitRepository(resolve(cwd, base))) return git(resolve(cwd, base));
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(base) && !base.startsWith(".")) {
    return git(githubUrl(base, where), base + (ref ? `#${ref}` : ""));
  }
  throw new Error(
    `${where} is not a marketplace: give a folder with ${MARKETPLACE_MANIFEST}, owner/repo (GitHub), a git URL (https://….git, git@host:path, file://…, optionally #branch-or-tag), or an http(s) URL to a marketplace.json.`,
  );
}

/** A bare repository or a work tree: what `git clone <path>` takes. */
function isGitRepository(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return false;
  }
  if (existsSync(join(dir, ".git"))) return true;
  return existsSync(join(dir, "HEAD")) && existsSync(join(dir, "objects")) && existsSync(join(dir, "refs"));
}

export type PluginSource =
  | { kind: "relative"; path: string }
  /** `sparse`: fetch only `path` (git-subdir, a folder of a monorepo). */
  | { kind: "git"; url: string; ref?: string; sha?: string; path?: string; sparse?: boolean; display: string };

/**
 * A marketplace entry's `source`, checked. `local` says whether the marketplace itself is on this
 * machine: one fetched from elsewhere may not point its plugins at this machine's repositories.
 */
export function parsePluginSource(source: unknown, where: string, local: boolean): PluginSource {
  if (typeof source === "string") {
    if (isAbsolute(source) || /^[A-Za-z]:[\\/]/.test(source)) {
      throw new Error(`${where}: its source ${source} is absolute; a plugin's path must be inside the marketplace.`);
    }
    return { kind: "relative", path: source };
  }
  if (!source || typeof source !== "object" || Array.isArray(source)) {
    throw new Error(`${where}: "source" must be a relative path or an object with a "source" kind.`);
  }
  const item = source as Record<string, unknown>;
  const pin = () => ({
    ...(item.ref !== undefined ? { ref: checkGitRef(item.ref, where) } : {}),
    ...(item.sha !== undefined ? { sha: checkGitSha(item.sha, where) } : {}),
  });
  const fromUrl = (url: unknown): string => {
    const checked = checkGitUrl(url, where);
    if (!local && (/^file:/i.test(checked) || isAbsolute(checked))) {
      throw new Error(
        `${where}: its source is a repository on this machine (${checked}), which a marketplace fetched from elsewhere may not name.`,
      );
    }
    return checked;
  };
  switch (item.source) {
    case "github": {
      const url = githubUrl(item.repo, where);
      return { kind: "git", url, ...pin(), display: `github:${item.repo as string}` };
    }
    case "url":
    case "git": {
      const url = fromUrl(item.url);
      // Real marketplaces give a url source a "path" too (the plugin's folder in the repository).
      if (item.path !== undefined && (typeof item.path !== "string" || !item.path || isAbsolute(item.path))) {
        throw new Error(`${where}: "path" must be the plugin's folder inside the repository.`);
      }
      const path = item.path as string | undefined;
      return { kind: "git", url, ...(path ? { path } : {}), ...pin(), display: path ? `${url} ${path}` : url };
    }
    case "git-subdir": {
      const url = fromUrl(item.url);
      if (typeof item.path !== "string" || !item.path || isAbsolute(item.path)) {
        throw new Error(`${where}: a git-subdir source needs "path", the plugin's folder inside the repository.`);
      }
      return { kind: "git", url, path: item.path, sparse: true, ...pin(), display: `${url} ${item.path}` };
    }
    case "npm":
    case "pip":
      throw new Error(
        `${where}: ${item.source} sources are not supported by Pincer (it installs Claude Code plugins from folders and git repositories).`,
      );
    default:
      throw new Error(`${where}: unknown source kind ${JSON.stringify(String(item.source).slice(0, 40))}.`);
  }
}
