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
  | { type: "marketplace"; marketplace: string; path: string };

export interface LockedClaudePlugin {
  version: string;
  source: ClaudePluginSource;
  /** sha512 over every file (path and bytes): checked at each session start. */
  integrity: string;
  installedAt: string;
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

/** sha512 of a folder: every file's relative path and bytes, in sorted order. */
export function folderIntegrity(root: string): string {
  const parts: Buffer[] = [];
  for (const file of walk(root)) {
    parts.push(Buffer.from(`${relative(root, file).split(sep).join("/")}\0`), readFileSync(file), Buffer.from("\0"));
  }
  return sha512(Buffer.concat(parts));
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
