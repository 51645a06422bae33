import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A note per process group Pincer started, kept under PINCER_HOME/run/processes while the group
 * runs and removed when it has ended. Pincer's own death (kill -9, a power cut in the middle)
 * leaves the note behind, so the next session can tell the user what may still be running and
 * how to stop it. The lifeline and bubblewrap make survivors rare; this is how a rare one is seen.
 */
export interface ProcessRecord {
  pgid: number;
  /** The command as the user would recognise it. */
  label: string;
  /** The Pincer process that started it, and when that process started (pids are reused). */
  ownerPid: number;
  ownerStart: string;
  /** When the group's leader started, from /proc: tells the group from a later one with its number. */
  leaderStart: string;
  startedAt: string;
}

export interface Survivor {
  pgid: number;
  label: string;
  startedAt: string;
  /** The shell command that stops it. */
  kill: string;
}

export class ProcessRecords {
  #made = false;

  constructor(readonly dir: string) {}

  /** Writes the note; the returned function removes it. Never throws: a note is a courtesy. */
  add(group: { pgid: number; label: string }): () => void {
    const file = join(this.dir, `${group.pgid}.json`);
    const record: ProcessRecord = {
      pgid: group.pgid,
      label: group.label.length > 200 ? `${group.label.slice(0, 199)}…` : group.label,
      ownerPid: process.pid,
      ownerStart: ownStart(),
      leaderStart: startTimeOf(group.pgid) ?? "",
      startedAt: new Date().toISOString(),
    };
    try {
      if (!this.#made) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.#made = true;
      writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
    } catch {
      return () => {};
    }
    return () => forget(file);
  }

  /**
   * Notes the group once it has run for `afterMs` (unless it ended first); the returned function
   * forgets it, written or not. Most commands end within a moment, and a note written then removed
   * (a file created and unlinked, and a read of /proc) was ~4 % of `pincer serve`'s main thread in
   * a tool turn. What a note is for, a group that outlived a Pincer killed at once, has first to
   * get past the lifeline and bubblewrap's --die-with-parent; the window is that moment.
   */
  addSoon(group: { pgid: number; label: string }, afterMs = NOTE_AFTER_MS): () => void {
    let forget: (() => void) | undefined;
    const timer = setTimeout(() => {
      forget = this.add(group);
    }, afterMs);
    // A note to write never keeps this process alive.
    timer.unref();
    return () => {
      // Cleared, the timer never fires: a group that ended first is never noted.
      clearTimeout(timer);
      forget?.();
    };
  }

  /**
   * Groups started by a Pincer process that is gone and still running now. Notes of groups that
   * have ended are removed on the way; notes of a live Pincer (another session) are left alone.
   */
  survivors(): Survivor[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => /^\d+\.json$/.test(name));
    } catch {
      return [];
    }
    if (names.length === 0) return [];
    const groups = liveGroups();
    const out: Survivor[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      let record: ProcessRecord;
      try {
        record = JSON.parse(readFileSync(file, "utf8")) as ProcessRecord;
      } catch {
        rmSync(file, { force: true });
        continue;
      }
      if (!Number.isInteger(record.pgid) || record.pgid <= 1) {
        rmSync(file, { force: true });
        continue;
      }
      const ownerAlive = record.ownerStart !== "" && startTimeOf(record.ownerPid) === record.ownerStart;
      if (ownerAlive) continue;
      // The leader, if still there, must be the one recorded; without a leader, the number cannot
      // have been reused while the group has members (the kernel keeps it until the last one goes).
      const leader = startTimeOf(record.pgid);
      const same = leader === undefined || leader === record.leaderStart;
      if (!groups.has(record.pgid) || !same) {
        rmSync(file, { force: true });
        continue;
      }
      out.push({
        pgid: record.pgid,
        label: record.label,
        startedAt: record.startedAt,
        kill: `kill -KILL -- -${record.pgid}`,
      });
    }
    return out;
  }

  /** Kills a survivor's group and forgets it (only a group this store recorded and found alive). */
  kill(pgid: number): boolean {
    if (!this.survivors().some((survivor) => survivor.pgid === pgid)) return false;
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Ended meanwhile.
    }
    rmSync(join(this.dir, `${pgid}.json`), { force: true });
    return true;
  }
}

/** How long a group runs before it is noted (see addSoon). */
export const NOTE_AFTER_MS = 1000;

/** The records kept under a state folder (PINCER_HOME/run), or none without one. */
export function processRecordsFor(stateDir: string | undefined): ProcessRecords | undefined {
  return stateDir ? new ProcessRecords(join(stateDir, "processes")) : undefined;
}

/** One line for the user per survivor, naming the way to stop it. */
export function describeSurvivors(survivors: Survivor[]): string[] {
  return survivors.map(
    (survivor) =>
      `A command an earlier Pincer session started is still running (it ended without stopping it): ${survivor.label} — process group ${survivor.pgid}, started ${survivor.startedAt}. Stop it with: ${survivor.kill}`,
  );
}

/** Removes a note this process wrote (a plain file: unlink is all rmSync would do, after an lstat of its own). */
function forget(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}

/** This process's start time (it does not change: read once, not for every command). */
let ownStartTime: string | undefined;
function ownStart(): string {
  ownStartTime ??= startTimeOf(process.pid) ?? "";
  return ownStartTime;
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Every process group that has at least one process now. */
function liveGroups(): Set<number> {
  const groups = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return groups;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // state, ppid, pgrp: a zombie still counts until reaped, but cannot run: skip it.
      if (fields[0] === "Z") continue;
      groups.add(Number(fields[2]));
    } catch {
      // Exited while we looked.
    }
  }
  return groups;
}
