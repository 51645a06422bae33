// One writer per session: an advisory lock file beside the session, crash-safe and self-healing.
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { basename, dirname } from "node:path";
import { randomBytes } from "../random.js";

/** Who holds a session: enough to name them in an error and to tell whether they still run. */
export interface SessionLockHolder {
  pid: number;
  hostname: string;
  /** The process's start time as the OS records it (Linux: clock ticks since boot), to tell a reused pid. */
  processStart?: number;
  /** What is writing, in a person's words: `pincer -p`, `pincer serve`. */
  command: string;
  /** ISO 8601: when the lock was taken. */
  since: string;
  /** Unique per lock, so a release never removes another writer's lock. */
  token: string;
}

/** A second writer: the session is open in another process (or another part of this one). */
export class SessionBusyError extends Error {
  override name = "SessionBusyError";
  /** The session's id (its file name). */
  readonly sessionId: string;
  constructor(
    readonly sessionPath: string,
    readonly holder: SessionLockHolder | undefined,
  ) {
    const id = basename(sessionPath).replace(/\.jsonl$/, "");
    super(`Session ${id} is being written by ${describeHolder(holder)}.`);
    this.sessionId = id;
  }
}

/** `pid 4242 (pincer -p) since 2026-12-03 12:03:04` and, for another machine, its name. */
export function describeHolder(holder: SessionLockHolder | undefined): string {
  if (!holder) return "another process (its lock file is unreadable)";
  const host = holder.hostname === hostname() ? "" : ` on ${holder.hostname}`;
  const since = holder.since.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return `pid ${holder.pid} (${holder.command})${host} since ${since}`;
}

export interface HeldLock {
  readonly path: string;
  readonly holder: SessionLockHolder;
  /** The dead writer whose lock was taken over, if there was one. */
  readonly tookOverFrom: SessionLockHolder | undefined;
  /**
   * Before each write: is the lock still this writer's? A lock file deleted meanwhile (a cleanup,
   * the folder removed) is made again, before a second writer can take the session; one that
   * another process made in its place (after a deletion, or a takeover by a process that judged
   * this one dead: another pid namespace sharing the home) throws SessionBusyError naming it,
   * so the two never both write. One stat when nothing changed.
   */
  confirm(): void;
  release(): void;
}

/** Locks held by this process, released at exit even when nobody calls release (a thrown error). */
const held = new Set<HeldLock>();
let exitHookInstalled = false;

export function lockPathFor(sessionPath: string): string {
  return `${sessionPath}.lock`;
}

/**
 * Takes the lock of the session file at `sessionPath` for `command`. A lock whose process is gone
 * (dead pid, or a pid reused by a process that started later) is taken over and reported in
 * `tookOverFrom`; a live one throws SessionBusyError. Lock files are created whole (written aside,
 * then hard-linked into place), so a reader never sees half of one.
 */
export function acquireSessionLock(sessionPath: string, command: string): HeldLock {
  const path = lockPathFor(sessionPath);
  mkdirSync(dirname(path), { recursive: true });
  const holder: SessionLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    ...(ownStart() !== undefined ? { processStart: ownStart() as number } : {}),
    command,
    since: new Date().toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  let tookOverFrom: SessionLockHolder | undefined;
  if (!createExclusive(path, holder)) {
    const current = readLock(path);
    if (current === "gone") {
      if (!createExclusive(path, holder)) throw new SessionBusyError(sessionPath, holderIn(readLock(path)));
    } else if (isStale(current)) {
      takeOver(path, current.raw, holder, sessionPath);
      tookOverFrom = current.holder;
    } else {
      throw new SessionBusyError(sessionPath, current.holder);
    }
  }
  // Held open, so no other file can get its inode number while this writer runs: the name still
  // leading to that inode is proof the lock is ours.
  let own = holdOwn(path, holder);
  const lock: HeldLock = {
    path,
    holder,
    tookOverFrom,
    confirm: () => {
      const now = statSync(path, { throwIfNoEntry: false });
      if (own && now?.ino === own.ino && now.dev === own.dev) return;
      if (!now) {
        mkdirSync(dirname(path), { recursive: true });
        if (createExclusive(path, holder)) {
          closeQuietly(own?.fd);
          own = holdOwn(path, holder);
          return;
        }
      }
      throw new SessionBusyError(sessionPath, holderIn(readLock(path)));
    },
    release: () => {
      if (!held.delete(lock)) return;
      closeQuietly(own?.fd);
      own = undefined;
      const current = readLock(path);
      // Only our own lock: after a takeover by someone who thought we were dead, theirs stays.
      if (current !== "gone" && current.holder?.token === holder.token) removeQuietly(path);
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const lock of [...held]) lock.release();
    });
  }
  return lock;
}

/**
 * Replaces a stale lock. A short-lived guard file makes the takeover one writer's: two processes
 * that both found the same dead holder must not each remove the other's fresh lock.
 */
function takeOver(path: string, staleRaw: string, holder: SessionLockHolder, sessionPath: string): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, holder)) {
    const other = readLock(guard);
    // A guard left by a process that died mid-takeover is itself stale.
    if (other !== "gone" && !isStale(other)) throw new SessionBusyError(sessionPath, holderIn(readLock(path)));
    removeQuietly(guard);
    if (!createExclusive(guard, holder)) throw new SessionBusyError(sessionPath, holderIn(readLock(path)));
  }
  try {
    const again = readLock(path);
    if (again !== "gone" && again.raw !== staleRaw) throw new SessionBusyError(sessionPath, again.holder);
    removeQuietly(path);
    if (!createExclusive(path, holder)) throw new SessionBusyError(sessionPath, holderIn(readLock(path)));
  } finally {
    removeQuietly(guard);
  }
}

/**
 * The lock file just made, held open; undefined if it is gone or already another writer's (the
 * next confirm() then makes it again or names that writer).
 */
function holdOwn(path: string, holder: SessionLockHolder): { fd: number; dev: number; ino: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  if (!readFileSync(fd, "utf8").includes(holder.token)) {
    closeSync(fd);
    return undefined;
  }
  const { dev, ino } = fstatSync(fd);
  return { fd, dev, ino };
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}

/** Writes `holder` to `path` only if nothing is there: aside first, then a hard link (atomic, never over). */
function createExclusive(path: string, holder: SessionLockHolder): boolean {
  const aside = `${path}.${process.pid}.${holder.token}.tmp`;
  writeFileSync(aside, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    removeQuietly(aside);
  }
}

interface LockFile {
  raw: string;
  /** Undefined when the file cannot be read as a lock (damaged, or another program's). */
  holder: SessionLockHolder | undefined;
  mtimeMs: number;
}

/** The lock file as it is now, or "gone" when there is none. */
function readLock(path: string): LockFile | "gone" {
  let raw: string;
  let mtimeMs: number;
  try {
    raw = readFileSync(path, "utf8");
    mtimeMs = statSync(path).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw error;
  }
  return { raw, holder: parseHolder(raw), mtimeMs };
}

function parseHolder(raw: string): SessionLockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<SessionLockHolder>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string" || typeof value.token !== "string") {
      return undefined;
    }
    return {
      pid: value.pid,
      hostname: value.hostname,
      ...(typeof value.processStart === "number" ? { processStart: value.processStart } : {}),
      command: typeof value.command === "string" ? value.command.slice(0, 200) : "unknown command",
      since: typeof value.since === "string" ? value.since : "an unknown time",
      token: value.token,
    };
  } catch {
    return undefined;
  }
}

function holderIn(value: LockFile | "gone"): SessionLockHolder | undefined {
  return value === "gone" ? undefined : value.holder;
}

/** A lock file nobody can read is left alone this long (it may be another program's, just written). */
const UNREADABLE_GRACE_MS = 10_000;

/**
 * Whether the holder's process is gone. Only a lock taken on this machine can be judged; one from
 * another host (a shared home) is never taken over. Lock files are created whole, so one that
 * cannot be read is damaged: taken over once it is not brand new.
 */
function isStale(lock: LockFile): boolean {
  const holder = lock.holder;
  if (!holder) return Date.now() - lock.mtimeMs > UNREADABLE_GRACE_MS;
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return holder.processStart !== undefined && holder.processStart !== ownStart();
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's. ESRCH: no such process.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  const start = processStart(holder.pid);
  return holder.processStart !== undefined && start !== undefined && start !== holder.processStart;
}

let ownStartCache: number | undefined | null = null;
function ownStart(): number | undefined {
  if (ownStartCache === null) ownStartCache = processStart(process.pid);
  return ownStartCache;
}

/** Linux's start time of a process (field 22 of /proc/<pid>/stat); undefined elsewhere. */
function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: what we wanted.
  }
}
