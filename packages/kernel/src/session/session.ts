import { basename } from "node:path";
import { jsonChunks } from "../json-chunks.js";
import { randomHex4, randomUUID } from "../random.js";
import type { Redactor } from "../redact.js";
import { ContextView, contextStart } from "./context-view.js";
import { redactedEntry } from "./entry-redaction.js";
import { type HeldEntry, isLetGo, type LetGoEntry, letGoOf, wholeEntries } from "./let-go.js";
import { acquireSessionLock, describeHolder, type HeldLock } from "./lock.js";
import { createSessionFile, readSessionFile, SessionAppender, writeError } from "./session-file.js";
import {
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
  /**
   * Take the session's writer lock (see lock.ts) in the name of this command (`pincer -p`): a
   * second writer gets a SessionBusyError naming the first, and a lock left by a dead process is
   * taken over (said in `warnings`). `close()` releases it. Without it nothing is locked.
   */
  lock?: string;
  /**
   * Read only: nothing is repaired or written, and a torn last line is only left out. For readers
   * beside a live writer (`sessions show`, a fork's source).
   */
  readOnly?: boolean;
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
  /**
   * Write nothing until the first message is appended: a run that fails while it starts (an
   * unknown provider, a refused request) leaves no file behind. Entries before it (the model,
   * the thinking level) are written with it, in one piece.
   */
  deferWrite?: boolean;
}

export { compactionSummaryMessage } from "./context-view.js";

/**
 * One conversation as an append-only JSONL file: line 1 is the header, every other line an
 * entry. Entries point at their parent, so the file holds a tree; the leaf is where the next
 * entry goes. Only the leaf pointer lives in memory: after a reopen the leaf is the last
 * entry written, so a `branch` without a following `append` is not remembered.
 *
 * Two writers on one file would each grow their own branch: writers take the session's lock
 * (`lock`), which turns the second one away.
 */
export class Session {
  /** The JSONL file; "" for an in-memory session. */
  readonly path: string;
  readonly header: SessionHeader;
  /** Problems repaired while loading, in words a user can act on. */
  readonly warnings: string[] = [];
  /** Told of problems repaired while the session runs (see onWarning). */
  private readonly warningListeners = new Set<(message: string) => void>();

  /** Every entry in file order; message entries a compaction summarised may be let go of (letGoBefore). */
  private readonly list: HeldEntry[] = [];
  private readonly byId = new Map<string, HeldEntry>();
  /** How many entries are let go of (read back from the file when a reader needs them whole). */
  private letGoCount = 0;
  private leaf: string | null = null;
  private readonly redact: Redactor | undefined;
  /** Bytes on disk that we know are complete lines; a failed append is cut back to this. */
  private bytesOnDisk: number;
  /** Lines not on disk yet: a deferred session's first entries (see SessionCreateOptions.deferWrite). */
  private unwritten: string[] | undefined;
  private lockOwner: string | undefined;
  private lock: HeldLock | undefined;
  private readonly readOnly: boolean;
  private closed = false;
  /** The file held open for appends, from the first to close(). */
  private appender: SessionAppender | undefined;
  private view: ContextView | undefined;

  private constructor(
    path: string,
    header: SessionHeader,
    bytesOnDisk: number,
    options: { redact?: Redactor | undefined; readOnly?: boolean | undefined },
  ) {
    this.path = path;
    this.header = header;
    this.bytesOnDisk = bytesOnDisk;
    this.redact = options.redact;
    this.readOnly = options.readOnly ?? false;
  }

  get id(): string {
    return this.header.id;
  }

  get leafId(): string | null {
    return this.leaf;
  }

  /** Whether the file exists yet (a deferred session is written with its first message). */
  get written(): boolean {
    return this.path !== "" && this.unwritten === undefined;
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

    const session = new Session(path, header, 0, { redact: options.redact });
    session.lockOwner = options.lock;
    for (const entry of options.entries ?? []) session.adopt(entry);
    // A new session has let go of nothing yet.
    session.unwritten = (session.list as SessionEntry[]).map((entry) => [...session.serialize(entry)].join(""));
    if (!options.deferWrite) session.writeFile();
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
    return new Session("", header, 0, {});
  }

  /**
   * Opens a session file, repairing what a crash left at its end (see readSessionFile). With
   * `lock`, the lock is taken first, so only the one writer ever repairs.
   */
  static open(path: string, options: SessionOpenOptions = {}): Session {
    const lock = options.lock && !options.readOnly ? acquireSessionLock(path, options.lock) : undefined;
    try {
      const loaded = readSessionFile(path, { repair: !options.readOnly });
      const session = new Session(path, loaded.header, loaded.bytes, options);
      session.lock = lock;
      if (lock?.tookOverFrom) {
        session.warnings.push(
          `took over this session from ${describeHolder(lock.tookOverFrom)}, which is no longer running`,
        );
      }
      session.warnings.push(...loaded.warnings);
      for (const { entry, line } of loaded.entries) {
        const problem = session.linkProblem(entry);
        if (problem) {
          throw new Error(
            `${path}:${line}: ${problem}. The file was edited or damaged: fix or delete line ${line}, ` +
              "or start a new session.",
          );
        }
        session.remember(entry);
      }
      return session;
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /**
   * Stops writing: closes the file and releases the writer lock. A later append throws. Closing
   * twice, or closing a session that holds no lock, does nothing more.
   */
  close(): void {
    this.closed = true;
    this.appender?.close();
    this.appender = undefined;
    this.lock?.release();
    this.lock = undefined;
  }

  /** Every entry, in file order (those let go of read back from the file). */
  entries(): readonly SessionEntry[] {
    return this.letGoCount === 0 ? (this.list as SessionEntry[]) : this.whole(this.list);
  }

  /** How many entries the session has, without reading any back. */
  get size(): number {
    return this.list.length;
  }

  getEntry(id: string): SessionEntry | undefined {
    const entry = this.byId.get(id);
    return entry === undefined ? undefined : this.whole([entry])[0];
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
    if (entry.type === "compaction" && this.letGoCount > 0) {
      // Keeping from before an earlier compaction's cut: what it keeps comes back into memory.
      const path = this.heldPathTo(this.leaf as string);
      this.holdFrom(
        path,
        path.findIndex((held) => held.id === entry.firstKeptEntryId),
      );
    }
    const full = { ...entry, id: this.freshId(), parentId: this.leaf, timestamp: new Date().toISOString() };
    if (this.path === "") {
      // In memory: nothing to write, so nothing is serialized (a 50 MB answer is not copied for nothing).
    } else if (this.unwritten) {
      this.unwritten.push([...this.serialize(full as SessionEntry)].join(""));
      if (entry.type === "message") this.writeFile();
    } else {
      this.write(this.serialize(full as SessionEntry));
    }
    this.remember(full as SessionEntry);
    return full as SessionEntry;
  }

  /** Moves the leaf back to `entryId`; the next append starts a new branch from there. */
  branch(entryId: string): void {
    if (!this.byId.has(entryId)) throw new Error(`Session ${this.id} has no entry "${entryId}"`);
    this.leaf = entryId;
    if (this.letGoCount > 0) {
      // Back before a compaction's cut: the context there comes back into memory.
      const path = this.heldPathTo(entryId);
      this.holdFrom(path, contextStart(path).start);
    }
  }

  /**
   * Entries from the root to the leaf, following parentId: the whole path, so after a compaction
   * let go of older messages (letGoBefore) they are read back from the file. A reader that needs
   * no message a compaction summarised takes pathInMemory instead.
   */
  pathToLeaf(): SessionEntry[] {
    return this.whole(this.currentView().pathToLeaf());
  }

  /**
   * The path root → leaf as held in memory: every entry except the message entries a compaction
   * summarised and let go of (letGoBefore). Non-message entries (custom data, model and mode
   * changes, compactions), the context and what `keep` kept are always here, and nothing is read.
   */
  pathInMemory(): SessionEntry[] {
    const path = this.currentView().pathToLeaf();
    return this.letGoCount === 0
      ? (path as SessionEntry[])
      : path.filter((entry): entry is SessionEntry => !isLetGo(entry));
  }

  /** Entries from the root to `entryId`, following parentId. */
  pathTo(entryId: string): SessionEntry[] {
    return this.whole(this.heldPathTo(entryId));
  }

  /**
   * Lets go of the message entries on the current path before `entryId` (the first entry a
   * compaction kept), except those `keep` wants: their lines are on disk, and whoever needs them
   * whole (pathToLeaf, entries, a fork, a branch back there) reads them from the file. Nothing is
   * let go of in a session that is not on disk yet, nor in one opened read-only. Returns how many.
   */
  letGoBefore(entryId: string, keep: (entry: SessionEntry) => boolean = () => false): number {
    if (this.path === "" || this.unwritten || this.readOnly || this.closed) return 0;
    // One stand-in an entry, shared by the list, the index and the view.
    const letGo = new Map<string, LetGoEntry>();
    for (const entry of this.currentView().pathToLeaf()) {
      if (entry.id === entryId) break;
      if (!isLetGo(entry) && entry.type === "message" && !keep(entry)) letGo.set(entry.id, letGoOf(entry));
    }
    if (letGo.size === 0) return 0;
    this.currentView().letGo(letGo);
    this.list.forEach((entry, index) => {
      const held = letGo.get(entry.id);
      if (held && !isLetGo(entry)) {
        this.list[index] = held;
        this.byId.set(entry.id, held);
      }
    });
    this.letGoCount += letGo.size;
    return letGo.size;
  }

  /**
   * Reads the entries of `path` from `start` on that were let go of back into memory: what the
   * context holds is always in memory, so a compaction plans from memory alone (pathInMemory).
   */
  private holdFrom(path: readonly HeldEntry[], start: number): void {
    const missing = path.slice(start).filter(isLetGo);
    if (missing.length === 0) return;
    const back = new Map(wholeEntries(this.readablePath(), missing).map((entry) => [entry.id, entry]));
    this.list.forEach((entry, index) => {
      const whole = back.get(entry.id);
      if (whole) this.list[index] = whole;
    });
    for (const [id, entry] of back) this.byId.set(id, entry);
    this.letGoCount -= back.size;
    // Rebuilt from the entries as now held.
    this.view = undefined;
  }

  private whole(held: readonly HeldEntry[]): SessionEntry[] {
    return this.letGoCount === 0 ? (held as SessionEntry[]) : wholeEntries(this.readablePath(), held);
  }

  /** The file's path, to read entries let go of from: written back first if it was deleted (see SessionAppender). */
  private readablePath(): string {
    this.appender?.ensureNamed(this.bytesOnDisk);
    return this.path;
  }

  private heldPathTo(entryId: string): HeldEntry[] {
    const path: HeldEntry[] = [];
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
    return this.currentView().context();
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
    // An entry that follows the view's leaf extends it; anything else leaves it to be rebuilt.
    if (this.view && this.view.leaf === this.leaf && entry.parentId === this.leaf) this.view.extend(entry);
    this.leaf = entry.id;
  }

  /** The view of the path to the current leaf: kept in step with appends, rebuilt after a branch. */
  private currentView(): ContextView {
    if (!this.view || this.view.leaf !== this.leaf) {
      this.view = ContextView.of(this.leaf === null ? [] : this.heldPathTo(this.leaf), (held) => this.whole(held));
    }
    return this.view;
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
      const id = randomHex4();
      if (!this.byId.has(id)) return id;
    }
  }

  /** The line for `value`, in pieces (see jsonChunks): a huge entry is never one more whole copy. */
  private *serialize(value: SessionHeader | SessionEntry): Generator<string> {
    const redact = this.redact;
    if (!redact || value.type === "session") {
      yield* jsonChunks(value);
      yield "\n";
      return;
    }
    yield* jsonChunks(redactedEntry(value, redact));
    yield "\n";
  }

  private write(pieces: Iterable<string>): void {
    if (this.path === "") return;
    this.checkWritable();
    this.lock?.confirm();
    this.appender ??= new SessionAppender(this.path, (message) => this.restored(message));
    this.bytesOnDisk += this.appender.append(pieces, this.bytesOnDisk);
  }

  /** The file was deleted while this session ran and has been written back (its lock: write()). */
  private restored(message: string): void {
    this.warnings.push(message);
    for (const listener of this.warningListeners) listener(message);
  }

  /** Calls `listener` with each problem repaired from now on (`warnings` has those of the load). */
  onWarning(listener: (message: string) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  /** Creates the file: the header and every entry so far, in one piece (taking the lock first). */
  private writeFile(): void {
    if (this.path === "" || !this.unwritten) return;
    this.checkWritable();
    if (this.lockOwner && !this.lock) this.lock = acquireSessionLock(this.path, this.lockOwner);
    const text = [...this.serialize(this.header), ...this.unwritten].join("");
    try {
      createSessionFile(this.path, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") throw new Error(`Cannot create session ${this.path}: a file by that name exists.`);
      throw writeError(error as NodeJS.ErrnoException, this.path);
    }
    this.unwritten = undefined;
    this.bytesOnDisk = Buffer.byteLength(text);
  }

  private checkWritable(): void {
    if (this.readOnly) throw new Error(`Session ${this.id} was opened read-only; it cannot be written.`);
    if (this.closed) throw new Error(`Session ${this.id} is closed; it cannot be written.`);
  }
}
