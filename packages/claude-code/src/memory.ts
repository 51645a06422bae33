import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { claudeHome } from "./claude-home.js";
import { findImports, isInside, MAX_IMPORT_HOPS, MAX_IMPORTED_FILES, stripHtmlComments } from "./memory-imports.js";

/** One instructions file that joins the system prompt. */
export interface MemoryFile {
  path: string;
  content: string;
  /** True when the file was longer than the cap and only its head is included. */
  truncated: boolean;
  /** The memory file whose `@path` brought this one in. */
  importedBy?: string;
}

/** Per file: every byte is paid on every request, so a runaway file must not eat the context. */
export const MEMORY_MAX_BYTES = 32 * 1024;

/**
 * The names read in each directory, in this order: AGENTS.md (the open standard), then Claude
 * Code's CLAUDE.md, .claude/CLAUDE.md and the personal, git-ignored CLAUDE.local.md (appended
 * after CLAUDE.md, so a person's own notes are read last at that level).
 */
export const MEMORY_FILE_NAMES = ["AGENTS.md", "CLAUDE.md", join(".claude", "CLAUDE.md"), "CLAUDE.local.md"];

export interface MemoryOptions {
  cwd: string;
  pincerHome: string;
  /** The user's home: parents are read up to it (included) when cwd is inside it. */
  userHome?: string;
  /** The environment, for `~/.claude/CLAUDE.md` (HOME, CLAUDE_CONFIG_DIR); absent: not read. */
  env?: NodeJS.ProcessEnv;
  warnings: string[];
  /** Whether the session may read a file (the read tool's deny rules); imports it may not are skipped. */
  readAllowed?: (path: string) => boolean;
}

/**
 * Memory, farthest first and nearest last (so the nearest wins where they disagree): the user's
 * `PINCER_HOME/AGENTS.md` and `~/.claude/CLAUDE.md`, then every directory from the filesystem root
 * (or the user's home, when cwd is inside it) down to cwd, each with MEMORY_FILE_NAMES. Each
 * file's `@path` imports come just before it. A file reached twice (a CLAUDE.md that links to or
 * imports AGENTS.md) is read once. Files in folders below cwd load later, when the session reads
 * something there (nestedMemory).
 *
 * What a repository may import: a memory file inside the repository (the folder holding `.git`
 * above cwd, else cwd) may import only files inside it, so a cloned CLAUDE.md cannot put
 * `@~/.ssh/id_rsa` in front of the model; the user's own files (their memory files, and files
 * above the repository) may import anything. Every import passes the session's read rules.
 */
export function loadMemory(options: MemoryOptions): MemoryFile[] {
  const context = memoryContext(options);
  const candidates = [
    join(options.pincerHome, "AGENTS.md"),
    ...(options.env ? [join(claudeHome(options.env), "CLAUDE.md")] : []),
  ];
  for (const dir of ancestors(resolve(options.cwd), options.userHome && resolve(options.userHome)).reverse()) {
    for (const name of MEMORY_FILE_NAMES) candidates.push(join(dir, name));
  }
  const files: MemoryFile[] = [];
  for (const path of candidates) files.push(...context.read(path));
  return files;
}

/**
 * The memory files of the folders between cwd (excluded) and `dir` (included), for a session that
 * just read a file in `dir`: Claude Code loads nested CLAUDE.md files on demand. `loaded` holds
 * what the session has read already (its realpaths) and is added to; a folder outside cwd gives nothing.
 */
export function nestedMemory(dir: string, options: MemoryOptions & { loaded: Set<string> }): MemoryFile[] {
  const cwd = resolve(options.cwd);
  const target = resolve(dir);
  if (!isInside(cwd, target) || target === cwd) return [];
  const context = memoryContext(options, options.loaded);
  const folders: string[] = [];
  for (let folder = target; folder !== cwd; folder = dirname(folder)) folders.unshift(folder);
  return folders.flatMap((folder) => MEMORY_FILE_NAMES.flatMap((name) => context.read(join(folder, name))));
}

/** The project's root for imports: the nearest folder above cwd holding `.git`, else cwd. */
export function projectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}

function memoryContext(options: MemoryOptions, seen = new Set<string>()) {
  const root = safeRealpath(projectRoot(options.cwd));
  let imported = 0;
  const read = (path: string, importedBy?: string, hops = 0): MemoryFile[] => {
    // Most candidates do not exist (four names in every folder up to the root or home): a stat
    // that finds none is cheap, while realpathSync walks the path and throws (~0.1 ms each).
    if (!isFile(path)) return [];
    const real = safeRealpath(path);
    if (seen.has(real)) return [];
    const file = readMemoryFile(path, options.warnings);
    if (!file) return [];
    seen.add(real);
    const own: MemoryFile = { ...file, ...(importedBy ? { importedBy } : {}) };
    const before: MemoryFile[] = [];
    const fromRepository = isInside(root, real);
    for (const target of findImports(file.content, path)) {
      const why = (reason: string) =>
        options.warnings.push(
          `Skipped the import @${relative(dirname(path), target) || target} in ${path}: ${reason}.`,
        );
      if (!isFile(target)) continue; // `@someone` in prose: not a file, not an import
      if (hops + 1 > MAX_IMPORT_HOPS) {
        why(`imports go at most ${MAX_IMPORT_HOPS} deep`);
        continue;
      }
      const targetReal = safeRealpath(target);
      if (fromRepository && !isInside(root, targetReal)) {
        why(`a repository's memory file may import only files inside it (${root})`);
        continue;
      }
      if (options.readAllowed && !options.readAllowed(targetReal)) {
        why("your permission rules do not let the session read it");
        continue;
      }
      if (seen.has(targetReal)) continue;
      if (++imported > MAX_IMPORTED_FILES) {
        why(`imports bring in at most ${MAX_IMPORTED_FILES} files`);
        continue;
      }
      before.push(...read(target, path, hops + 1));
    }
    return [...before, own];
  };
  return { read: (path: string) => read(path) };
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

function readMemoryFile(path: string, warnings: string[]): Omit<MemoryFile, "importedBy"> | undefined {
  if (!isFile(path)) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    warnings.push(`Could not read ${path}: ${(error as Error).message}. Its instructions are not used.`);
    return undefined;
  }
  const truncated = bytes.length > MEMORY_MAX_BYTES;
  // Cut on a byte count, then drop a character split in half by the cut.
  const text = (truncated ? bytes.subarray(0, MEMORY_MAX_BYTES) : bytes).toString("utf8").replace(/\uFFFD$/, "");
  const content = stripHtmlComments(text);
  if (!content.trim()) return undefined;
  if (truncated) {
    warnings.push(
      `${path} is ${Math.ceil(bytes.length / 1024)} KB; only its first ${MEMORY_MAX_BYTES / 1024} KB reach the model. Shorten it or split it.`,
    );
  }
  return { path, content: content.trimEnd(), truncated };
}

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
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

/** A memory file's section: headed by its path (and what imported it). */
function section(file: MemoryFile): string {
  const note = file.truncated
    ? `\n\n[Cut: ${file.path} is longer than ${MEMORY_MAX_BYTES / 1024} KB; only its beginning is shown. Read the file for the rest.]`
    : "";
  const by = file.importedBy ? ` (imported by ${file.importedBy})` : "";
  return `## ${file.path}${by}\n\n${file.content}${note}`;
}

/** The memory section of the system prompt: each file headed by its path, nearest last. */
export function formatMemory(files: MemoryFile[]): string | undefined {
  if (files.length === 0) return undefined;
  return [
    "# Project instructions",
    "The user's instruction files (AGENTS.md / CLAUDE.md and the files they import), farthest first; where they disagree, the later (nearer) one wins. Follow them.",
    "",
    files.map(section).join("\n\n"),
  ].join("\n");
}

/** Memory files found on demand, as context next to the tool result that found them. */
export function formatNestedMemory(files: MemoryFile[], cwd: string): string | undefined {
  if (files.length === 0) return undefined;
  const where = (file: MemoryFile) =>
    relative(cwd, dirname(file.importedBy ?? file.path))
      .split(sep)
      .join("/");
  return [
    `Instructions for files under ${[...new Set(files.map(where))].join(", ")} (found there now; they apply to work in that folder):`,
    "",
    files.map(section).join("\n\n"),
  ].join("\n");
}
