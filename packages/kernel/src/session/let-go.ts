import { readSessionFile } from "./session-file.js";
import type { SessionEntry } from "./types.js";

/**
 * A message entry that a compaction summarised and the session let go of: its line stays in the
 * file, and only its place in the tree (id and parent) stays in memory. A long unattended run
 * (the ML intern) compacts every few dozen calls; holding every tool result it ever read made the
 * process grow with the session (~4 KB an iteration) though nothing sent them to a model again.
 */
export interface LetGoEntry {
  readonly id: string;
  readonly parentId: string | null;
  readonly letGo: true;
}

/** An entry as the session holds it: whole, or let go of. */
export type HeldEntry = SessionEntry | LetGoEntry;

export function isLetGo(entry: HeldEntry): entry is LetGoEntry {
  return (entry as Partial<LetGoEntry>).letGo === true;
}

export function letGoOf(entry: SessionEntry): LetGoEntry {
  return { id: entry.id, parentId: entry.parentId, letGo: true };
}

/**
 * The entries whole: those let go of are read back from the session file, as a resume reads them
 * (redacted where the session redacts what it writes). Only readers of the whole history pay for
 * the read (a fork, `entries()`, a branch back before a compaction); a turn never does.
 */
export function wholeEntries(file: string, held: readonly HeldEntry[]): SessionEntry[] {
  if (!held.some(isLetGo)) return held as SessionEntry[];
  const wanted = new Set(held.filter(isLetGo).map((entry) => entry.id));
  const found = new Map<string, SessionEntry>();
  for (const { entry } of readSessionFile(file, { repair: false }).entries) {
    if (wanted.has(entry.id)) found.set(entry.id, entry);
  }
  return held.map((entry) => {
    if (!isLetGo(entry)) return entry;
    const whole = found.get(entry.id);
    if (!whole) {
      throw new Error(
        `${file}: entry "${entry.id}" is no longer in the file, which was edited or damaged while the session ran.`,
      );
    }
    return whole;
  });
}
