import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Message, UserMessage } from "../messages.js";
import type { Redactor } from "../redact.js";
import { isThinkingLevel } from "../thinking.js";
import { parseEntryLine, parseHeaderLine } from "./parse-entry.js";
import {
  type CompactionEntry,
  type NewSessionEntry,
  SESSION_FORMAT_VERSION,
  type SessionContext,
  type SessionEntry,
  type SessionHeader,
} from "./types.js";

export interface SessionOpenOptions {
  /**
   * Applied to every string of the entries written to the file, except their envelope (ids,
   * timestamps, types) and the header. The in-memory entries keep the original text.
   */
  redact?: Redactor;
}

export interface SessionCreateOptions extends SessionOpenOptions {
  cwd: string;
  /** Defaults to the file name without `.jsonl`. */
  id?: string;
  forkedFrom?: SessionHeader["forkedFrom"];
  /**
   * Entries to copy verbatim (same ids) right after the header, e.g. the path being forked.
   * Each must follow the one before it (or be a root).
   */
  entries?: readonly SessionEntry[];
}

/** The user message that stands in for everything a compaction summarised. */
export function compactionSummaryMessage(summary: string, timestamp: number): UserMessage {
  return {
    role: "user",
    content: `<summary of earlier conversation>\n${summary}\n</summary of earlier conversation>`,
    timestamp,
  };
}

/**
 * One conversation as an append-only JSONL file: line 1 is the header, every other line an
 * entry. Entries point at their parent, so the file holds a tree; the leaf is where the next
 * entry goes. Only the leaf pointer lives in memory: after a reopen the leaf is the last
 * entry written, so a `branch` without a following `append` is not remembered.
 *
 * Not safe for two processes appending to the same file at once.
 */
export class Session {
  /** The JSONL file; "" for an in-memory session. */
  readonly path: string;
  readonly header: SessionHeader;
  /** Problems repaired while loading, in words a user can act on. */
  readonly warnings: string[] = [];

  private readonly list: SessionEntry[] = [];
  private readonly byId = new Map<string, SessionEntry>();
  private leaf: string | null = null;
  private readonly redact: Redactor | undefined;
  /** Bytes on disk that we know are complete lines; a failed append is cut back to this. */
  private bytesOnDisk: number;

  private constructor(path: string, header: SessionHeader, bytesOnDisk: number, redact: Redactor | undefined) {
    this.path = path;
    this.header = header;
    this.bytesOnDisk = bytesOnDisk;
    this.redact = redact;
  }

  get id(): string {
    return this.header.id;
  }

  get leafId(): string | null {
    return this.leaf;
  }

  static create(path: string, options: SessionCreateOptions): Session {
    const header: SessionHeader = {
      type: "session",
      version: SESSION_FORMAT_VERSION,
      id: options.id ?? basename(path).replace(/\.jsonl$/, ""),
      cwd: options.cwd,
      createdAt: new Date().toISOString(),
    };
    if (options.forkedFrom) header.forkedFrom = options.forkedFrom;

    const session = new Session(path, header, 0, options.redact);
    for (const entry of options.entries ?? []) session.adopt(entry);
    const text = [header, ...session.list].map((value) => session.serialize(value)).join("");

    mkdirSync(dirname(path), { recursive: true });
    // Header and copied entries in one write, and never over an existing session.
    writeFileSync(path, text, { flag: "wx" });
    session.bytesOnDisk = Buffer.byteLength(text);
    return session;
  }

  /** A session that writes nothing, for embedders and tests that keep no history. */
  static inMemory(options: { cwd: string; id?: string }): Session {
    const header: SessionHeader = {
      type: "session",
      version: SESSION_FORMAT_VERSION,
      id: options.id ?? randomUUID(),
      cwd: options.cwd,
      createdAt: new Date().toISOString(),
    };
    return new Session("", header, 0, undefined);
  }

  static open(path: string, options: SessionOpenOptions = {}): Session {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`Session file not found: ${path}`);
      throw error;
    }
    return Session.load(path, text, options.redact);
  }

  entries(): readonly SessionEntry[] {
    return this.list;
  }

  getEntry(id: string): SessionEntry | undefined {
    return this.byId.get(id);
  }

  /**
   * Records an entry as a child of the leaf and makes it the new leaf. The line is on disk
   * (in the OS page cache, which survives the process being killed) before this returns, so
   * callers append before running the tool the entry records.
   */
  append(entry: NewSessionEntry): SessionEntry {
    if (entry.type === "compaction" && !this.isOnLeafPath(entry.firstKeptEntryId)) {
      throw new Error(
        `Compaction keeps from entry "${entry.firstKeptEntryId}", which is not on the current branch of session ${this.id}`,
      );
    }
    const full = { ...entry, id: this.freshId(), parentId: this.leaf, timestamp: new Date().toISOString() };
    this.write(this.serialize(full as SessionEntry));
    this.remember(full as SessionEntry);
    return full as SessionEntry;
  }

  /** Moves the leaf back to `entryId`; the next append starts a new branch from there. */
  branch(entryId: string): void {
    if (!this.byId.has(entryId)) throw new Error(`Session ${this.id} has no entry "${entryId}"`);
    this.leaf = entryId;
  }

  /** Entries from the root to the leaf, following parentId. */
  pathToLeaf(): SessionEntry[] {
    return this.leaf === null ? [] : this.pathTo(this.leaf);
  }

  /** Entries from the root to `entryId`, following parentId. */
  pathTo(entryId: string): SessionEntry[] {
    const path: SessionEntry[] = [];
    let entry = this.byId.get(entryId);
    if (!entry) throw new Error(`Session ${this.id} has no entry "${entryId}"`);
    while (entry) {
      path.push(entry);
      entry = entry.parentId === null ? undefined : this.byId.get(entry.parentId);
    }
    return path.reverse();
  }

  /**
   * What the model sees: the messages on the path root → leaf. The last compaction on the path
   * replaces everything before its first kept entry with a summary message.
   */
  buildContext(): SessionContext {
    const path = this.pathToLeaf();
    let model: string | undefined;
    let thinking: SessionContext["thinking"];
    let compactionIndex = -1;
    path.forEach((entry, index) => {
      if (entry.type === "model_change") model = entry.model;
      // A hand-edited level that this Pincer does not know is ignored, not sent to a provider.
      if (entry.type === "thinking_change" && isThinkingLevel(entry.level)) thinking = entry.level;
      if (entry.type === "compaction") compactionIndex = index;
    });

    const messages: Message[] = [];
    let start = 0;
    if (compactionIndex >= 0) {
      const compaction = path[compactionIndex] as CompactionEntry;
      messages.push(compactionSummaryMessage(compaction.summary, Date.parse(compaction.timestamp)));
      const keptIndex = path.findIndex((entry) => entry.id === compaction.firstKeptEntryId);
      // A kept entry off this path (hand-edited file) keeps nothing before the compaction.
      start = keptIndex >= 0 ? keptIndex : compactionIndex + 1;
    }
    for (let index = start; index < path.length; index++) {
      const entry = path[index]!;
      if (entry.type === "message") messages.push(entry.message);
    }
    return { messages, ...(model === undefined ? {} : { model }), ...(thinking === undefined ? {} : { thinking }) };
  }

  private static load(path: string, text: string, redact: Redactor | undefined): Session {
    const lines = text.split("\n");
    // With a trailing newline the last element is "", the normal case for a clean file.
    const lastLineIndex = findLastIndex(lines, (line) => line.trim() !== "");
    const headerIndex = lines.findIndex((line) => line.trim() !== "");
    if (headerIndex < 0) {
      throw new Error(`${path} is empty: it has no session header. Delete it, or start a new session.`);
    }
    const header = parseHeaderLine(lines[headerIndex]!);
    if (typeof header === "string") {
      throw new Error(`${path}:${headerIndex + 1}: not a session file (${header}).`);
    }
    if (header.version > SESSION_FORMAT_VERSION) {
      throw new Error(
        `${path} uses session format version ${header.version}, but this Pincer reads up to version ` +
          `${SESSION_FORMAT_VERSION}. Upgrade Pincer to open it.`,
      );
    }

    const totalBytes = Buffer.byteLength(text);
    const session = new Session(path, header, totalBytes, redact);
    let charOffset = 0;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      const lineStart = charOffset;
      charOffset += line.length + 1;
      if (index <= headerIndex || line.trim() === "") continue;

      const entry = parseEntryLine(line);
      if (typeof entry === "string") {
        if (index === lastLineIndex) {
          session.dropIncompleteTail(text, lineStart);
          break;
        }
        throw new Error(
          `${path}:${index + 1}: corrupt session entry (${entry}). Lines after it depend on it, so the ` +
            `session cannot be resumed as is: fix or delete line ${index + 1}, or start a new session.`,
        );
      }
      const problem = session.linkProblem(entry);
      if (problem) {
        throw new Error(
          `${path}:${index + 1}: ${problem}. The file was edited or damaged: fix or delete line ${index + 1}, ` +
            `or start a new session.`,
        );
      }
      session.remember(entry);
    }

    if (session.bytesOnDisk === totalBytes && !text.endsWith("\n")) {
      // The crash came between the line and its newline: the entry is whole, only the separator is missing.
      session.write("\n");
      session.warnings.push("added the missing newline after the last entry, left by an interrupted write");
    }
    return session;
  }

  /** Cuts the file back to the last complete line so the next append starts clean. */
  private dropIncompleteTail(text: string, charOffset: number): void {
    const keep = Buffer.byteLength(text.slice(0, charOffset));
    const dropped = this.bytesOnDisk - keep;
    truncateSync(this.path, keep);
    this.bytesOnDisk = keep;
    this.warnings.push(
      `dropped an incomplete last line (${dropped} bytes) left by an interrupted write; ` +
        "the session resumes from the last complete entry",
    );
  }

  /** Adds an entry with its own id and parent (a copy), checking it links into this session. */
  private adopt(entry: SessionEntry): void {
    const problem = this.linkProblem(entry);
    if (problem) throw new Error(`Cannot copy entry into session ${this.id}: ${problem}`);
    this.remember(entry);
  }

  private linkProblem(entry: SessionEntry): string | undefined {
    if (this.byId.has(entry.id)) return `duplicate entry id "${entry.id}"`;
    if (entry.parentId !== null && !this.byId.has(entry.parentId)) {
      return `entry "${entry.id}" follows unknown entry "${entry.parentId}"`;
    }
    return undefined;
  }

  private remember(entry: SessionEntry): void {
    this.list.push(entry);
    this.byId.set(entry.id, entry);
    this.leaf = entry.id;
  }

  private isOnLeafPath(entryId: string): boolean {
    let id = this.leaf;
    while (id !== null) {
      if (id === entryId) return true;
      id = this.byId.get(id)?.parentId ?? null;
    }
    return false;
  }

  private freshId(): string {
    for (;;) {
      const id = randomBytes(4).toString("hex");
      if (!this.byId.has(id)) return id;
    }
  }

  private serialize(value: SessionHeader | SessionEntry): string {
    const redact = this.redact;
    if (!redact || value.type === "session") return `${JSON.stringify(value)}\n`;
    // The envelope stays as written: a pattern that happened to match an id would cut the tree apart.
    const payload: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) {
      payload[key] = ENVELOPE_FIELDS.has(key) ? item : redactDeep(item, redact);
    }
    return `${JSON.stringify(payload)}\n`;
  }

  private write(text: string): void {
    if (this.path === "") return;
    try {
      appendFileSync(this.path, text);
    } catch (error) {
      // A partial line (disk full) would corrupt the middle of the file once the next append
      // succeeds; cut it off while we still know where the last complete line ended.
      try {
        truncateSync(this.path, this.bytesOnDisk);
      } catch {
        // The original error is the one worth reporting.
      }
      throw error;
    }
    this.bytesOnDisk += Buffer.byteLength(text);
  }
}

/** Entry fields that hold structure, not conversation; never redacted. */
const ENVELOPE_FIELDS = new Set([
  "type",
  "id",
  "parentId",
  "timestamp",
  "firstKeptEntryId",
  "tokensBefore",
  "customType",
]);

/** Redacts inside string values (and keys) rather than the JSON text, so escaping stays valid. */
function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value === null || typeof value !== "object") return value;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return redactDeep(withJson.toJSON(), redact);
  // Null prototype, so a "__proto__" key in tool arguments is copied as data.
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) copy[redact(key)] = redactDeep(item, redact);
  return copy;
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index]!)) return index;
  return -1;
}
