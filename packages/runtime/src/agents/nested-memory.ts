import { realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatNestedMemory, type MemoryFile, type MemoryOptions, nestedMemory } from "@pincer/claude-code";
import type { Hooks } from "@pincer/kernel";

/** Tools whose `path` argument says the session is working in a folder. */
const PATH_TOOLS = new Set(["read", "write", "edit", "notebook_edit", "ls", "glob", "grep"]);

/**
 * Claude Code loads a CLAUDE.md (AGENTS.md, CLAUDE.local.md) in a folder below the working
 * directory when the session first touches a file there, not at start. This hook does that: after
 * a file tool's call on a path below cwd, the memory files of the folders between cwd and that
 * path that were not read yet join the result as context, once per session.
 */
export function nestedMemoryHooks(
  options: Omit<MemoryOptions, "warnings"> & {
    /** What was read at start (realpaths are kept, so nothing is given twice). */
    loaded: readonly MemoryFile[];
    warn(message: string): void;
  },
): Hooks {
  const loaded = new Set(options.loaded.map((file) => safeRealpath(file.path)));
  return {
    afterToolCall(call) {
      if (!PATH_TOOLS.has(call.name)) return undefined;
      const path = call.arguments.path;
      if (typeof path !== "string" || !path) return undefined;
      const full = resolve(options.cwd, path);
      const dir = isDirectory(full) ? full : dirname(full);
      const warnings: string[] = [];
      const files = nestedMemory(dir, { ...options, warnings, loaded });
      for (const warning of warnings) options.warn(warning);
      const context = formatNestedMemory(files, options.cwd);
      return context ? { context } : undefined;
    },
  };
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
