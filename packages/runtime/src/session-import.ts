import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { acquireSessionLock, type HeldLock, SessionBusyError, SessionStore } from "@pincer/kernel";
import { sessionsDir, UsageError } from "./home.js";

/** A session id as Pincer makes them (`20260101-120000-a1b2c3`): nothing else names a file here. */
const SESSION_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
/** An entry id: short, plain characters. */
const ENTRY_ID = /^[\w-]{1,64}$/;
const ENTRY_TYPES = new Set([
  "message",
  "compaction",
  "model_change",
  "thinking_change",
  "permission_mode_change",
  "custom",
]);

/**
 * Adds a session brought back from elsewhere (a driver's copy on a Hub) to PINCER_HOME/sessions.
 * The text is hostile until checked: the header must name a session id as Pincer makes them (so
 * no path can be smuggled in), and each entry must be a JSON object with an id and a parent it
 * follows; the first line that is not ends the session there (what follows depends on it), with
 * a warning. Repeated entries (a retried upload) count once. Its folder becomes `cwd`, so
 * `--continue` finds it here.
 *
 * When the session is here already: kept if it holds every entry, replaced if the copy extends it,
 * refused when each holds entries the other lacks (they diverged). Written whole, then renamed:
 * a crash never leaves half a session under its name. Finally read back with the session store,
 * which checks every entry's fields; a file it refuses is removed again.
 */
export function importSession(
  jsonl: string,
  options: { home: string; cwd: string },
): { id: string; entries: number; kept: boolean; warnings: string[] } {
  const warnings: string[] = [];
  let header: Record<string, unknown> | undefined;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const [index, line] of jsonl.split("\n").entries()) {
    if (line.trim() === "") continue;
    const value = parseObject(line);
    if (!header) {
      if (value?.type !== "session" || typeof value.id !== "string" || !SESSION_ID.test(value.id)) {
        throw new UsageError(
          "The first line is not a Pincer session header (type session, with an id like 20260101-120000-a1b2c3).",
        );
      }
      header = value;
      continue;
    }
    if (value?.type === "session") continue;
    const id = value?.id;
    const parentId = value?.parentId;
    const linked = parentId === null || (typeof parentId === "string" && seen.has(parentId));
    const typed =
      typeof value?.type === "string" &&
      ENTRY_TYPES.has(value.type) &&
      typeof value.timestamp === "string" &&
      (value.type !== "message" || isMessage(value.message));
    if (typeof id !== "string" || !ENTRY_ID.test(id) || !linked || !typed) {
      warnings.push(
        `stopped at line ${index + 1}: it is not an entry that follows the ones before it; the session continues from the last good entry`,
      );
      break;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    lines.push(line);
  }
  if (!header) throw new UsageError("There is no session in what was given (no header line).");
  const id = header.id as string;
  const dir = sessionsDir(options.home);
  const file = join(dir, `${id}.jsonl`);
  // The session's writer lock, while the local file is compared and replaced: a copy renamed over
  // the file of a session that a live process is writing would take its next turns from it.
  let lock: HeldLock;
  try {
    lock = acquireSessionLock(file, "importing a session copy");
  } catch (error) {
    if (!(error instanceof SessionBusyError)) throw error;
    throw new UsageError(`${error.message} Stop it, then bring the copy back again.`);
  }
  try {
    if (existsSync(file)) {
      const local = entryIds(readFileSync(file, "utf8"));
      if ([...seen].every((entry) => local.has(entry))) {
        warnings.push(`kept the local copy of session ${id}: it already holds everything the copy has`);
        return { id, entries: local.size, kept: true, warnings };
      }
      if (![...local].every((entry) => seen.has(entry))) {
        throw new UsageError(
          `${file} and the copy of session ${id} each hold entries the other lacks: they diverged. ` +
            `Move the local file aside to take the copy, or continue the local one with --resume ${id}.`,
        );
      }
    }
    mkdirSync(dir, { recursive: true });
    const text = [JSON.stringify({ ...header, cwd: resolve(options.cwd) }), ...lines]
      .map((line) => `${line}\n`)
      .join("");
    const temporary = `${file}.import-${process.pid}`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
    try {
      new SessionStore(dir).read(id);
    } catch (error) {
      rmSync(file, { force: true });
      throw new UsageError(`The session copy cannot be read as a session: ${(error as Error).message}`);
    }
    return { id, entries: lines.length, kept: false, warnings };
  } finally {
    lock.release();
  }
}

/** A message entry's message: an object with a role the kernel knows and content it can read. */
function isMessage(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const { role, content } = value as { role?: unknown; content?: unknown };
  return (
    (role === "user" || role === "assistant" || role === "toolResult") &&
    (typeof content === "string" || Array.isArray(content))
  );
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function entryIds(text: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.split("\n")) {
    const value = line.trim() ? parseObject(line) : undefined;
    if (value && value.type !== "session" && typeof value.id === "string") ids.add(value.id);
  }
  return ids;
}
