import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { CommandHost, FileOutcome, MarkdownCommand, ShellOutcome } from "@pincer/claude-code";
import type { Kernel } from "@pincer/kernel";

/** Bytes of one `@file` a command may include. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * How a markdown command's dynamic parts run (the host for @pincer/claude-code's inject.ts):
 *
 * - `` !`cmd` `` runs as the bash tool runs the model's commands: the session's permission engine
 *   decides (a person is asked where there is one; headless, only allow rules and the mode can
 *   allow it, else the command is aborted) and the OS sandbox confines it.
 * - `@path` is read only inside the workspace (the working directory and --add-dir folders,
 *   after symlinks), and only where the permission engine lets the `read` tool read (a deny rule
 *   such as `read(.env)` refuses it). A user's own command may also name files elsewhere; a
 *   repository's or a plugin's may not, so a cloned command cannot send `@~/.ssh/id_rsa` to the model.
 */
export function commandHost(options: {
  kernel: Kernel;
  cwd: string;
  addDirs: readonly string[];
  command: MarkdownCommand;
}): CommandHost {
  const { kernel, cwd, command } = options;
  const roots = [cwd, ...options.addDirs].map((dir) => safeRealpath(resolve(cwd, dir)));
  return {
    async runShell(line: string, signal: AbortSignal): Promise<ShellOutcome> {
      const result = await kernel.runTool("bash", { command: line, description: `/${command.name}` }, { signal });
      const text = result.content
        .map((block) => (block.type === "text" ? block.text : ""))
        .join("\n")
        // The bash tool's own status line: the exit code is read from its details.
        .replace(/\n?(exit code -?\d+|killed by \w+)$/, "");
      const details = result.details as { exitCode?: number | null } | undefined;
      if (result.isError || !details) return { ok: false, error: text.trim() || "it did not run" };
      return { ok: true, output: text, exitCode: details.exitCode ?? null };
    },

    readFile(path: string): FileOutcome | undefined {
      const expanded = path === "~" || path.startsWith("~/") ? `${homedir()}${path.slice(1)}` : path;
      const full = resolve(cwd, expanded);
      let real: string;
      try {
        real = realpathSync(full);
        if (!statSync(real).isFile()) return undefined;
      } catch {
        return undefined;
      }
      const insideWorkspace = roots.some((root) => inside(root, real));
      if (!insideWorkspace && command.scope !== "user") {
        return {
          refused: `it is outside the workspace, and a ${command.scope}'s command may only include files inside it`,
        };
      }
      for (const subject of new Set([full, real])) {
        const decision = kernel.permissions.evaluate({
          toolName: "read",
          kind: "read",
          args: { path: subject },
          cwd,
          subject: { kind: "path", value: subject },
        });
        if (decision.action !== "allow") return { refused: decision.reason };
      }
      return { path: relative(cwd, real) || real, content: readHead(real) };
    },
  };
}

function readHead(file: string): string {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, MAX_FILE_BYTES));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, read);
    if (bytes.subarray(0, 8000).includes(0)) return `[${file} is a binary file of ${size} bytes; not included]`;
    const text = bytes.toString("utf8").replace(/\uFFFD$/, "");
    return size > MAX_FILE_BYTES
      ? `${text}\n[… cut: the file is ${size} bytes; the first ${MAX_FILE_BYTES} are shown]`
      : text;
  } finally {
    closeSync(fd);
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
