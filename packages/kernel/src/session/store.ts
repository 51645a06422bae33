import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { messageText } from "../messages.js";
import { randomBytes } from "../random.js";
import type { Redactor } from "../redact.js";
import { Session } from "./session.js";
import type { SessionEntry, SessionHeader, SessionInfo } from "./types.js";

export interface SessionStoreOptions {
  /** Applied to every string written to session files (see `createRedactor`). */
  redact?: Redactor;
}

const EXTENSION = ".jsonl";
const TITLE_LENGTH = 80;
/** Read size when scanning files for `list`: big enough that a header and first prompt usually fit. */
const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * A new session id: `YYYYMMDD-HHMMSS-xxxxxx`, the UTC creation time and 6 random hex digits.
 * Ids sort by creation time as plain strings, read as a date in a list, and a few leading
 * characters are enough to pick one (`--resume 20250101-1203`).
 */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** All sessions of one Pincer home: one `<id>.jsonl` file each in a directory. */
export class SessionStore {
  readonly dir: string;
  private readonly redact: Redactor | undefined;

  constructor(dir: string, options: SessionStoreOptions = {}) {
    this.dir = dir;
    this.redact = options.redact;
  }

  pathFor(id: string): string {
    return join(this.dir, `${id}${EXTENSION}`);
  }

  /**
   * A new session. `lock` takes its writer lock for that command; `deferWrite` creates the file
   * only with the first message (see SessionCreateOptions).
   */
  create(options: { cwd: string; lock?: string; deferWrite?: boolean }): Session {
    return Session.create(this.pathFor(this.freshId()), {
      cwd: resolve(options.cwd),
      ...this.sessionOptions(),
      ...writerOptions(options),
    });
  }

  /**
   * Opens the session whose id is `idOrPrefix`, or the only one whose id starts with it, to write
   * it; with `lock`, as that command's (a second writer gets a SessionBusyError).
   */
  open(idOrPrefix: string, options: { lock?: string } = {}): Session {
    return Session.open(this.pathFor(this.resolveId(idOrPrefix)), {
      ...this.sessionOptions(),
      ...writerOptions(options),
    });
  }

  /** Opens a session to read it: no lock, no repair, safe beside a writer. */
  read(idOrPrefix: string): Session {
    return Session.open(this.pathFor(this.resolveId(idOrPrefix)), { ...this.sessionOptions(), readOnly: true });
  }

  /** The full id of the one session `idOrPrefix` names; throws when none or several match. */
  resolveId(idOrPrefix: string): string {
    const wanted = idOrPrefix.trim().replace(/\.jsonl$/, "");
    if (wanted === "" || /[\\/]/.test(wanted) || wanted.includes("..")) {
      throw new Error(`"${idOrPrefix}" is not a session id`);
    }
    const ids = this.ids();
    if (ids.includes(wanted)) return wanted;
    const matches = ids
      .filter((id) => id.startsWith(wanted))
      .sort()
      .reverse();
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) {
      const hint = ids.length === 0 ? "there are no sessions yet" : `the newest is ${[...ids].sort().at(-1)}`;
      throw new Error(`No session id starts with "${wanted}" in ${this.dir} (${hint}).`);
    }
    const shown = matches.slice(0, 10).join(", ");
    const more = matches.length > 10 ? ` and ${matches.length - 10} more` : "";
    throw new Error(
      `"${wanted}" matches ${matches.length} sessions: ${shown}${more}. Give more of the id to pick one.`,
    );
  }

  /** Sessions newest first (by last write); only those started in `cwd` when given. */
  list(options: { cwd?: string } = {}): SessionInfo[] {
    const cwd = options.cwd === undefined ? undefined : resolve(options.cwd);
    const infos: SessionInfo[] = [];
    for (const file of this.filesNewestFirst()) {
      const info = readSessionInfo(file.path, file.updatedAt, cwd);
      if (info) infos.push(info);
    }
    return infos;
  }

  /**
   * The most recently written session started in `cwd` that holds at least one entry, for
   * `--continue`: a file with only a header (a start that failed, in an older Pincer) is skipped.
   */
  latest(cwd: string): SessionInfo | undefined {
    const wanted = resolve(cwd);
    // Newest first, so this usually reads one or two files, however many sessions there are.
    for (const file of this.filesNewestFirst()) {
      const info = readSessionInfo(file.path, file.updatedAt, wanted);
      if (info && info.entryCount > 0) return info;
    }
    return undefined;
  }

  /**
   * A new session holding the path root → `entryId` of another one (same entry ids). The source
   * is only read, so it may be open in another process meanwhile. Written at once unless
   * `deferWrite` (then with its first new message); `lock` as for create.
   */
  fork(sessionId: string, entryId: string, options: { lock?: string; deferWrite?: boolean } = {}): Session {
    const source = this.read(sessionId);
    const path = source.pathTo(entryId);
    return Session.create(this.pathFor(this.freshId()), {
      cwd: source.header.cwd,
      forkedFrom: { sessionId: source.id, entryId },
      entries: path,
      ...this.sessionOptions(),
      ...writerOptions(options),
    });
  }

  private freshId(): string {
    let id = newSessionId();
    while (existsSync(this.pathFor(id))) id = newSessionId();
    return id;
  }

  private sessionOptions(): { redact?: Redactor } {
    return this.redact ? { redact: this.redact } : {};
  }

  private ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith(EXTENSION))
      .map((name) => name.slice(0, -EXTENSION.length));
  }

  private filesNewestFirst(): Array<{ id: string; path: string; updatedAt: string; mtimeMs: number }> {
    const files = [];
    for (const id of this.ids()) {
      const path = this.pathFor(id);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats?.isFile()) continue;
      files.push({ id, path, updatedAt: stats.mtime.toISOString(), mtimeMs: stats.mtimeMs });
    }
    // Same mtime (coarse clocks, fast tests): the id, which sorts by creation time, decides.
    return files.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
}

function writerOptions(options: { lock?: string; deferWrite?: boolean }): { lock?: string; deferWrite?: boolean } {
  return {
    ...(options.lock ? { lock: options.lock } : {}),
    ...(options.deferWrite ? { deferWrite: true } : {}),
  };
}

/**
 * What a list shows about one file, reading no more than it must: the header line, lines up to
 * the first user prompt (usually the first or second entry), and a newline count for the rest.
 * Undefined for a file that is not a session or was started in another directory.
 */
function readSessionInfo(path: string, updatedAt: string, cwd: string | undefined): SessionInfo | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const lines = new LineReader(fd);
    const header = parseHeader(lines.next());
    if (!header) return undefined;
    if (cwd !== undefined && resolve(header.cwd) !== cwd) return undefined;

    let title = "";
    let entryCount = 0;
    for (let line = lines.next(); line !== undefined; line = lines.next()) {
      if (line.trim() === "") continue;
      entryCount++;
      title = firstPrompt(line);
      if (title) break;
    }
    entryCount += lines.countRemainingLines();
    return { id: header.id, path, cwd: header.cwd, createdAt: header.createdAt, updatedAt, entryCount, title };
  } finally {
    closeSync(fd);
  }
}

function parseHeader(line: string | undefined): SessionHeader | undefined {
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as Partial<SessionHeader> | null;
    if (value?.type !== "session" || typeof value.id !== "string" || typeof value.cwd !== "string") return undefined;
    return value as SessionHeader;
  } catch {
    return undefined;
  }
}

/** The shortened text of the line's user message, or "" when it is something else. */
function firstPrompt(line: string): string {
  // Cheap filter first: most lines before the prompt are model changes or custom entries.
  if (!line.includes('"user"')) return "";
  let entry: SessionEntry;
  try {
    entry = JSON.parse(line) as SessionEntry;
  } catch {
    return "";
  }
  if (entry.type !== "message" || entry.message?.role !== "user") return "";
  return shorten(messageText(entry.message), TITLE_LENGTH);
}

export function shorten(text: string, maxLength: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(oneLine);
  return chars.length <= maxLength ? oneLine : `${chars.slice(0, maxLength - 1).join("")}…`;
}

/** Complete lines from a file descriptor, read in chunks. An unterminated last line is not returned. */
class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private ended = false;

  constructor(private readonly fd: number) {}

  next(): string | undefined {
    for (;;) {
      const newline = this.buffer.indexOf(NEWLINE);
      if (newline >= 0) {
        const line = this.buffer.toString("utf8", 0, newline);
        this.buffer = this.buffer.subarray(newline + 1);
        return line;
      }
      if (!this.readChunk()) return undefined;
    }
  }

  /** Counts the complete lines left without decoding them; empty lines are not entries. */
  countRemainingLines(): number {
    let count = 0;
    do {
      let start = 0;
      for (let newline = this.buffer.indexOf(NEWLINE); newline >= 0; newline = this.buffer.indexOf(NEWLINE, start)) {
        if (newline > start) count++;
        start = newline + 1;
      }
      // Keep the unterminated tail: it is counted once its newline arrives in the next chunk.
      this.buffer = this.buffer.subarray(start);
    } while (this.readChunk());
    return count;
  }

  private readChunk(): boolean {
    if (this.ended) return false;
    // Grow with the pending line, so a huge line (an inline image) costs linear time, not quadratic.
    const size = Math.max(CHUNK_BYTES, this.buffer.length);
    const chunk = Buffer.allocUnsafe(size);
    const read = readSync(this.fd, chunk, 0, size, this.position);
    if (read === 0) {
      this.ended = true;
      return false;
    }
    this.position += read;
    const fresh = chunk.subarray(0, read);
    this.buffer = this.buffer.length === 0 ? fresh : Buffer.concat([this.buffer, fresh]);
    return true;
  }
}
