// A session file's bytes: reading it into lines, repairing what a crash left, writing it whole.
import {
  appendFileSync,
  closeSync,
  fstatSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { parseEntryLine, parseHeaderLine } from "./parse-entry.js";
import { SESSION_FORMAT_VERSION, type SessionEntry, type SessionHeader } from "./types.js";

const NEWLINE = 0x0a;
/** Bytes gathered into one write when appending. */
const WRITE_BYTES = 1 << 20;
/**
 * The scratch buffer an ordinary append encodes into, kept from one append to the next (appends
 * are synchronous, so never two at once): a fresh 64 KiB per entry was garbage outside the heap,
 * four entries a tool turn. A larger entry grows its own, which is not kept.
 */
const KEPT_SCRATCH = Buffer.allocUnsafe(64 * 1024);

export interface LoadedSessionFile {
  header: SessionHeader;
  /** Entries in file order, with their 1-based line numbers (not yet checked for links). */
  entries: Array<{ entry: SessionEntry; line: number }>;
  /** The file's size once repaired: every byte of it belongs to a complete line. */
  bytes: number;
  /** What was repaired (or, read-only, what would have been), in words a user can act on. */
  warnings: string[];
}

/** Where a torn last line is kept: beside the session, so nothing a crash cut off is thrown away. */
export function tornPathFor(path: string): string {
  return `${path}.torn`;
}

/**
 * Reads a session file as bytes. Lines end at newline bytes, and only there: the text of a line
 * is decoded to parse it, never to measure or rewrite the file, so bytes that are not valid UTF-8
 * earlier on cannot shift a cut. A crash can leave one unfinished line at the end; with `repair`
 * it is moved to the `.torn` file beside the session and the file is cut back to its last newline
 * (a whole entry that only lacks its newline gets one instead). Without `repair` (a reader beside
 * a live writer) the tail is only left out. Any other damage throws, naming the line.
 */
export function readSessionFile(path: string, options: { repair: boolean }): LoadedSessionFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`Session file not found: ${path}`);
    throw error;
  }
  const lines = splitLines(bytes);
  const headerIndex = lines.findIndex((line) => !line.blank);
  if (headerIndex < 0) {
    throw new Error(`${path} is empty: it has no session header. Delete it, or start a new session.`);
  }
  const header = parseHeaderLine(text(bytes, lines[headerIndex]!));
  if (typeof header === "string") {
    throw new Error(`${path}:${headerIndex + 1}: not a session file (${header}).`);
  }
  if (header.version > SESSION_FORMAT_VERSION) {
    throw new Error(
      `${path} uses session format version ${header.version}, but this Pincer reads up to version ` +
        `${SESSION_FORMAT_VERSION}. Upgrade Pincer to open it.`,
    );
  }

  const warnings: string[] = [];
  const entries: LoadedSessionFile["entries"] = [];
  let size = bytes.length;
  const lastIndex = findLastIndex(lines, (line) => !line.blank);
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.blank) continue;
    const entry = parseEntryLine(text(bytes, line));
    if (typeof entry !== "string") {
      entries.push({ entry, line: index + 1 });
      continue;
    }
    if (index !== lastIndex) {
      throw new Error(
        `${path}:${index + 1}: corrupt session entry (${entry}). Lines after it depend on it, so the ` +
          `session cannot be resumed as is: fix or delete line ${index + 1}, or start a new session.`,
      );
    }
    // The last line is unreadable: what an interrupted write leaves. Everything before it stays.
    const cut = bytes.subarray(line.start);
    size = line.start;
    if (options.repair) {
      appendFileSync(tornPathFor(path), cut);
      truncateSync(path, line.start);
      warnings.push(
        `dropped an incomplete last line (${cut.length} bytes) left by an interrupted write; it is kept in ` +
          `${tornPathFor(path)}, and the session resumes from the last complete entry`,
      );
    }
    break;
  }

  const last = lines.at(-1);
  if (last?.torn && !last.blank && size === bytes.length) {
    // The crash came between a whole line and its newline: only the separator is missing.
    if (options.repair) {
      appendFileSync(path, "\n");
      size += 1;
      warnings.push("added the missing newline after the last entry, left by an interrupted write");
    }
  }
  return { header, entries, bytes: size, warnings };
}

/**
 * Creates the file with `text` as its whole content, atomically and never over an existing
 * session: written aside, then hard-linked into place, so a crash leaves either nothing or all of it.
 */
export function createSessionFile(path: string, text: string): void {
  createWhole(path, (aside) => writeFileSync(aside, text));
}

/**
 * A new file at `path`, whole or not at all: `write` makes it aside, then a hard link puts it in
 * place, never over an existing file (that throws EEXIST). Nothing is left aside either way.
 */
function createWhole(path: string, write: (aside: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const aside = `${path}.${process.pid}.creating`;
  try {
    write(aside);
    linkSync(aside, path);
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // Gone already.
    }
  }
}

/**
 * Closes the descriptor of an appender that was dropped without close() (an embedder's or a
 * test's session left to the collector): it is the file's only holder, and nothing else would.
 */
const unclosed = new FinalizationRegistry<{ fd: number | undefined }>((held) => {
  if (held.fd === undefined) return;
  try {
    closeSync(held.fd);
  } catch {
    // Already closed.
  }
});

/**
 * A session file held open for appending from its first append until close(): opening and
 * closing the file for every entry was 4-7 % of the ML intern's main thread. Each append is still
 * written (write(2), into the OS page cache) before it returns, so a process killed with SIGKILL
 * right after loses nothing, as before; the file is opened with O_APPEND, so every write lands at
 * its end whatever else appended meanwhile.
 */
export class SessionAppender {
  private readonly held: { fd: number | undefined } = { fd: undefined };
  /** Set once another program's file took the path: every later append fails with it. */
  private replaced: Error | undefined;

  /** `onRestored`: said when the file was deleted under this appender and written back (see append). */
  constructor(
    readonly path: string,
    private readonly onRestored?: (message: string) => void,
  ) {
    unclosed.register(this, this.held, this);
  }

  /**
   * Appends whole lines (see appendLines); returns the bytes written. A file deleted meanwhile
   * (rm, a cleanup, `git clean` of the folder) would take every later append with it, silently:
   * the descriptor still writes, to a file no name reaches. So each append first checks that the
   * file still has a name; if not, what the descriptor holds is written back under the path, and
   * said. A file put in its place by someone else (a rename over it) is theirs: it is left alone,
   * this session's copy is kept beside it, and the append fails saying where.
   */
  append(pieces: Iterable<string> | string, knownBytes: number): number {
    this.ensureNamed(knownBytes);
    if (this.held.fd === undefined) {
      try {
        // Read as well as append: what was written can be put back if the file is deleted.
        this.held.fd = openSync(this.path, "a+");
      } catch (error) {
        throw writeError(error as NodeJS.ErrnoException, this.path);
      }
    }
    return appendLines({ path: this.path, fd: this.held.fd }, pieces, knownBytes);
  }

  /**
   * Before a write or a read of the file by its path (entries let go of are read back from it):
   * the file written so far is under the path again, or this throws saying where it is.
   */
  ensureNamed(knownBytes: number): void {
    if (this.replaced) throw this.replaced;
    if (this.held.fd !== undefined && fstatSync(this.held.fd).nlink === 0) {
      this.held.fd = this.restore(this.held.fd, knownBytes);
    }
  }

  /** Writes the unnamed file's complete lines back under the path; returns the descriptor to go on with. */
  private restore(fd: number, knownBytes: number): number {
    try {
      createWhole(this.path, (aside) => copyPrefix(fd, aside, knownBytes));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw writeError(error as NodeJS.ErrnoException, this.path);
      const kept = `${this.path}.${process.pid}.kept`;
      copyPrefix(fd, kept, knownBytes);
      this.replaced = new Error(
        `Session file ${this.path} was replaced by another program while this session was writing it; ` +
          `it is left as it is, and this session's entries up to now are in ${kept}. Nothing more is ` +
          "written: look at both, keep the one you want under the session's name, then resume it.",
      );
      throw this.replaced;
    }
    const reopened = openSync(this.path, "a+");
    closeSync(fd);
    this.onRestored?.(
      `The session file ${this.path} was deleted while this session was running; it was written back ` +
        `(${knownBytes} bytes) and the session goes on. Stop the session before removing its file.`,
    );
    return reopened;
  }

  close(): void {
    unclosed.unregister(this);
    const fd = this.held.fd;
    this.held.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Appends whole lines, given in pieces (written one by one: a huge entry never needs a second copy
 * of itself as one string or buffer), to a file open for appending. Returns the bytes written. A
 * failed write can leave part of a line (a full disk, a crash between pieces), which would glue
 * onto the next append: the file is cut back to `knownBytes`, the end of the last complete line (a
 * crash leaves it to the next open's repair).
 */
export function appendLines(
  file: { path: string; fd: number },
  pieces: Iterable<string> | string,
  knownBytes: number,
): number {
  const out = file.fd;
  let written = 0;
  try {
    // Pieces are gathered up to a mebibyte per write (an ordinary entry is one write, as before),
    // encoded straight into one scratch buffer for every flush of this append: no piece is joined
    // to another into a new string, and a 50 MB answer written as fifty fresh Buffers left fifty
    // mebibytes of garbage outside the heap, which V8 collects late.
    let scratch = KEPT_SCRATCH;
    let used = 0;
    const flush = () => {
      for (let at = 0; at < used; ) at += writeSync(out, scratch, at, used - at);
      written += used;
      used = 0;
    };
    for (const piece of typeof pieces === "string" ? [pieces] : pieces) {
      const size = Buffer.byteLength(piece);
      if (used + size > scratch.length) {
        flush();
        if (size > scratch.length)
          scratch = Buffer.allocUnsafe(Math.max(size, Math.min(WRITE_BYTES, 2 * scratch.length), 64 * 1024));
      }
      used += scratch.write(piece, used);
      if (used >= WRITE_BYTES) flush();
    }
    flush();
    return written;
  } catch (error) {
    try {
      ftruncateSync(out, knownBytes);
    } catch {
      // The original error is the one worth reporting.
    }
    throw writeError(error as NodeJS.ErrnoException, file.path);
  }
}

/** Copies the first `bytes` of an open file to a new file at `to`. */
function copyPrefix(fd: number, to: string, bytes: number): void {
  const out = openSync(to, "w");
  try {
    const buffer = Buffer.allocUnsafe(Math.min(bytes, 1 << 20) || 1);
    for (let at = 0; at < bytes; ) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, bytes - at), at);
      if (read === 0) break;
      for (let done = 0; done < read; ) done += writeSync(out, buffer, done, read - done);
      at += read;
    }
  } finally {
    closeSync(out);
  }
}

/** A write failure in words: which file, that nothing before the failed entry was lost, what to do. */
export function writeError(error: NodeJS.ErrnoException, path: string): Error {
  if (error.code === "ENOSPC" || error.code === "EDQUOT") {
    const what = error.code === "ENOSPC" ? "no space left on the device" : "the disk quota is used up";
    const wrapped = new Error(
      `Cannot write the session to ${path}: ${what} (${error.code}). Everything up to the last saved ` +
        "entry is kept; the entry being written was not saved. Free some space, then resume the session.",
    );
    (wrapped as NodeJS.ErrnoException).code = error.code;
    return wrapped;
  }
  return error;
}

interface LineSpan {
  start: number;
  /** Exclusive, before the newline. */
  end: number;
  blank: boolean;
  /** No newline after it: the file's unfinished last line. */
  torn: boolean;
}

function splitLines(bytes: Buffer): LineSpan[] {
  const lines: LineSpan[] = [];
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline < 0 ? bytes.length : newline;
    lines.push({ start, end, blank: isBlank(bytes, start, end), torn: newline < 0 });
    start = end + 1;
  }
  return lines;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const byte = bytes[index]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

function text(bytes: Buffer, line: LineSpan): string {
  return bytes.toString("utf8", line.start, line.end);
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index]!)) return index;
  return -1;
}
