import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { sha512 } from "./integrity.js";

/**
 * Where installed Claude Code plugins live and the lockfile that records them, with the integrity
 * of each folder as the user consented to it.
 */

// ---- Installed plugins: PINCER_HOME/claude-plugins/<name>/, recorded in claude-plugins/lock.json.

export type ClaudePluginSource =
  | { type: "directory"; path: string }
  /** A relative entry of a marketplace; `commit` when the marketplace is a git clone. */
  | { type: "marketplace"; marketplace: string; entry?: string; path: string; commit?: string }
  /** A git repository (a marketplace entry's github, url or git-subdir source), pinned to `commit`. */
  | {
      type: "git";
      url: string;
      ref?: string;
      sha?: string;
      /** The plugin's folder inside the repository (git-subdir). */
      path?: string;
      commit: string;
      marketplace?: string;
      entry?: string;
    };

export interface LockedClaudePlugin {
  version: string;
  source: ClaudePluginSource;
  /** sha512 over every file (path and bytes): checked at each session start. */
  integrity: string;
  installedAt: string;
  /** Installed but not loaded (Claude Code's `/plugin disable`); an update keeps it so. */
  disabled?: boolean;
}

export interface ClaudeLockfile {
  lockfileVersion: 1;
  plugins: Record<string, LockedClaudePlugin>;
}

export function claudePluginsDir(home: string): string {
  return join(home, "claude-plugins");
}

/** Plugin names have no dots, so `lock.json` never clashes with a plugin's folder. */
export function claudeLockPath(home: string): string {
  return join(claudePluginsDir(home), "lock.json");
}

export function claudePluginDir(home: string, name: string): string {
  return join(claudePluginsDir(home), name);
}

export function readClaudeLock(home: string): ClaudeLockfile {
  const file = claudeLockPath(home);
  if (!existsSync(file)) return { lockfileVersion: 1, plugins: {} };
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as ClaudeLockfile;
    if (json.lockfileVersion === 1 && json.plugins && typeof json.plugins === "object") return json;
  } catch {
    // Reported below.
  }
  throw new Error(`${file} is not a Claude Code plugin lockfile. Delete it and reinstall your Claude Code plugins.`);
}

export function writeClaudeLock(home: string, lock: ClaudeLockfile): void {
  const file = claudeLockPath(home);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(lock, null, 2)}\n`);
  renameSync(temp, file);
}

/** A plugin's own data folder (`${CLAUDE_PLUGIN_DATA}`): kept across updates, outside what integrity covers. */
export function claudePluginDataDir(home: string, name: string): string {
  return join(home, "claude-plugin-data", name);
}

/**
 * Files a plugin's own programs write beside their code while they run: bytecode and tool caches
 * (`__pycache__/`, `*.pyc`, `.pytest_cache/`, `.mypy_cache/`, `.ruff_cache/`, `.cache/`,
 * `.DS_Store`). They are not copied at install and integrity does not cover them, so a Python hook
 * writing `__pycache__` into its folder does not get its plugin refused; every other file, new or
 * changed, still does. Pincer starts hooks and MCP servers with PYTHONPYCACHEPREFIX outside the
 * folder, so Python never loads bytecode from it: what is tolerated here is never run.
 * `node_modules` is not a cache (it is code): a plugin keeps it in `${CLAUDE_PLUGIN_DATA}`.
 */
export function isRuntimeCache(relativePath: string): boolean {
  const segments = relativePath.split(/[\\/]/);
  const file = segments.at(-1) ?? "";
  if (/\.py[co]$/.test(file) || file === ".DS_Store") return true;
  return segments.slice(0, -1).some((segment) => RUNTIME_CACHE_DIRS.has(segment));
}

const RUNTIME_CACHE_DIRS = new Set(["__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".cache"]);

/**
 * sha512 of a folder: every file's relative path and bytes, in sorted order, runtime caches left
 * out (see isRuntimeCache). `{ all: true }`: every file, as lockfiles written before caches were
 * left out recorded it.
 */
export function folderIntegrity(root: string, options: { all?: boolean } = {}): string {
  const parts: Buffer[] = [];
  for (const file of walk(root)) {
    const path = relative(root, file).split(sep).join("/");
    if (!options.all && isRuntimeCache(path)) continue;
    parts.push(Buffer.from(`${path}\0`), readFileSync(file), Buffer.from("\0"));
  }
  return sha512(Buffer.concat(parts));
}

/** Whether the folder is what was consented to: integrity without caches, or (older lockfiles) with every file. */
export function claudeIntegrityMatches(root: string, recorded: string): boolean {
  return folderIntegrity(root) === recorded || folderIntegrity(root, { all: true }) === recorded;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
