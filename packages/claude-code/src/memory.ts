import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** One instructions file that joins the system prompt. */
export interface MemoryFile {
  path: string;
  content: string;
  /** True when the file was longer than the cap and only its head is included. */
  truncated: boolean;
}

/** Per file: every byte is paid on every request, so a runaway file must not eat the context. */
export const MEMORY_MAX_BYTES = 32 * 1024;

/** The names read in each directory, in this order (AGENTS.md is the open standard, CLAUDE.md for compatibility). */
export const MEMORY_FILE_NAMES = ["AGENTS.md", "CLAUDE.md"];

/**
 * Project memory, farthest first and nearest last (so the nearest wins where they disagree):
 * `PINCER_HOME/AGENTS.md` for the user, then AGENTS.md / CLAUDE.md in every directory from the
 * filesystem root (or the user's home, when cwd is inside it) down to cwd. A file reached twice
 * (a CLAUDE.md symlinked to AGENTS.md) is read once.
 */
export function loadMemory(options: {
  cwd: string;
  pincerHome: string;
  userHome?: string;
  warnings: string[];
}): MemoryFile[] {
  const candidates = [join(options.pincerHome, "AGENTS.md")];
  for (const dir of ancestors(resolve(options.cwd), options.userHome && resolve(options.userHome)).reverse()) {
    for (const name of MEMORY_FILE_NAMES) candidates.push(join(dir, name));
  }
  const seen = new Set<string>();
  const files: MemoryFile[] = [];
  for (const path of candidates) {
    const file = readMemoryFile(path, options.warnings);
    if (!file) continue;
    const real = safeRealpath(path);
    if (seen.has(real)) continue;
    seen.add(real);
    files.push(file);
  }
  return files;
}

/** cwd and its parents, nearest first, stopping at the user's home (included) or the root. */
function ancestors(cwd: string, userHome: string | undefined): string[] {
  const dirs: string[] = [];
  let dir = cwd;
  while (true) {
    dirs.push(dir);
    if (dir === userHome) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dirs;
}

function readMemoryFile(path: string, warnings: string[]): MemoryFile | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    warnings.push(`Could not read ${path}: ${(error as Error).message}. Its instructions are not used.`);
    return undefined;
  }
  const truncated = bytes.length > MEMORY_MAX_BYTES;
  // Cut on a byte count, then drop a character split in half by the cut.
  const content = (truncated ? bytes.subarray(0, MEMORY_MAX_BYTES) : bytes).toString("utf8").replace(/\uFFFD$/, "");
  if (!content.trim()) return undefined;
  if (truncated) {
    warnings.push(
      `${path} is ${Math.ceil(bytes.length / 1024)} KB; only its first ${MEMORY_MAX_BYTES / 1024} KB reach the model. Shorten it or split it.`,
    );
  }
  return { path, content: content.trimEnd(), truncated };
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The memory section of the system prompt: each file headed by its path, nearest last. */
export function formatMemory(files: MemoryFile[]): string | undefined {
  if (files.length === 0) return undefined;
  const sections = files.map((file) => {
    const note = file.truncated
      ? `\n\n[Cut: ${file.path} is longer than ${MEMORY_MAX_BYTES / 1024} KB; only its beginning is shown. Read the file for the rest.]`
      : "";
    return `## ${file.path}\n\n${file.content}${note}`;
  });
  return [
    "# Project instructions",
    "The user's instruction files (AGENTS.md / CLAUDE.md), farthest first; where they disagree, the later (nearer) one wins. Follow them.",
    "",
    sections.join("\n\n"),
  ].join("\n");
}
