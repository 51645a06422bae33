import { realpathSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { formatNestedMemory, type MemoryFile, type MemoryOptions, nestedMemory } from "@pincer/claude-code";
import type { Hooks } from "@pincer/kernel";

/** Tools whose `path` argument says the session is working in a folder. */
const PATH_TOOLS = new Set(["read", "write", "edit", "notebook_edit", "ls", "glob", "grep"]);

/**
 * A folder changed this recently is looked through again anyway (see nestedMemoryHooks): a time
 * in whole seconds may come from a filesystem that keeps seconds only (FAT keeps two), where a
 * file added within the same second leaves the folder's time as it was.
 */
const RECENT_MS = 2_000;
/**
 * The same for a time with a fraction of a second, from a filesystem that keeps fine times (ext4,
 * tmpfs, btrfs, APFS): it moves on at the kernel clock's next tick (a few milliseconds), so a
 * time this old cannot be left as it is by a change after it. An ML intern's data folder is
 * written just before the session reads it: the 2 s wait made each of its first reads look again.
 */
const FINE_RECENT_MS = 100;

/**
 * Claude Code loads a CLAUDE.md (AGENTS.md, CLAUDE.local.md) in a folder below the working
 * directory when the session first touches a file there, not at start. This hook does that: after
 * a file tool's call on a path below cwd, the memory files of the folders between cwd and that
 * path that were not read yet join the result as context, once per session.
 *
 * A folder looked through is not looked through again while its modification time stays the
 * same (adding, removing or renaming a file in it changes that) and is old enough to trust (see
 * RECENT_MS): a long session reads in the
 * same few folders hundreds of times, and each look was a couple of dozen filesystem calls
 * (realpaths of three candidate names, the project root's search for .git).
 */
export function nestedMemoryHooks(
  options: Omit<MemoryOptions, "warnings"> & {
    /** What was read at start (realpaths are kept, so nothing is given twice). */
    loaded: readonly MemoryFile[];
    warn(message: string): void;
  },
): Hooks {
  const loaded = new Set(options.loaded.map((file) => safeRealpath(file.path)));
  const cwd = resolve(options.cwd);
  const below = cwd.endsWith(sep) ? cwd : cwd + sep;
  /** Folders below cwd already looked through, with their modification time then. */
  const lookedThrough = new Map<string, number>();
  return {
    afterToolCall(call) {
      if (!PATH_TOOLS.has(call.name)) return undefined;
      const path = call.arguments.path;
      if (typeof path !== "string" || !path) return undefined;
      const full = resolve(cwd, path);
      const dir = isDirectory(full) ? full : dirname(full);
      if (!dir.startsWith(below)) return undefined;
      // Each folder from cwd (excluded) down to dir, with its modification time now, taken before
      // looking: a file added while the look runs changes it again, so is not missed next time. A
      // time within RECENT_MS of now is not trusted (a filesystem may keep whole seconds only).
      const folders: Array<[string, number | undefined]> = [];
      const now = Date.now();
      for (let folder = dir; folder.startsWith(below); folder = dirname(folder)) {
        const at = modifiedAt(folder);
        folders.push([folder, at !== undefined && settled(at, now) ? at : undefined]);
      }
      if (folders.every(([folder, at]) => at !== undefined && lookedThrough.get(folder) === at)) return undefined;
      for (const [folder, at] of folders) {
        if (at === undefined) lookedThrough.delete(folder);
        else lookedThrough.set(folder, at);
      }
      const warnings: string[] = [];
      const files = nestedMemory(dir, { ...options, warnings, loaded });
      for (const warning of warnings) options.warn(warning);
      const context = formatNestedMemory(files, options.cwd);
      return context ? { context } : undefined;
    },
  };
}

/** Whether a folder's modification time `at` is old enough to stand for what the folder holds. */
function settled(at: number, now: number): boolean {
  return now - at > (at % 1000 === 0 ? RECENT_MS : FINE_RECENT_MS);
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
