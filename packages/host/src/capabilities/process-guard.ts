import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findProgram } from "./command-line.js";
import { LIFELINE_FD, underLifeline } from "./lifeline.js";
import type { ProcessRecords } from "./process-records.js";
import { type GuardedProcess, type StdioKind, spawnerPid, spawnThroughSpawner } from "./spawner.js";

export type { GuardedProcess } from "./spawner.js";

/**
 * Past this resident size a process forks through the spawner (spawner.ts): a fork costs in
 * proportion to the process's memory map (and holds the main thread until the child has exec'd),
 * while a one-shot `pincer -p` (80–90 MiB) runs too few commands to repay starting a spawner.
 * `pincer serve` crosses it while its first sessions load (at 256 MiB its first round of 50 tool
 * turns still forked in place, 1.6 s of its main thread).
 */
const SPAWNER_FROM_RSS = 128 * 1024 * 1024;

/**
 * Whether this command forks through the spawner: PINCER_SPAWNER=always|never decides (tests, the
 * bench, a user ruling it out); otherwise once one runs, or once this process is large enough.
 */
function throughSpawner(): boolean {
  const setting = process.env.PINCER_SPAWNER;
  if (setting === "always") return true;
  if (setting === "never") return false;
  return spawnerPid() !== undefined || process.memoryUsage.rss() >= SPAWNER_FROM_RSS;
}

/** Whether a command spawned now forks from this process (rather than through the spawner). */
export function spawnsInProcess(): boolean {
  return !throughSpawner();
}

export interface GuardedSpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** stdin, stdout, stderr: what node's spawn takes for each. */
  stdio: [StdioKind, StdioKind, StdioKind];
  /**
   * A fourth pipe, fd 3, written by this process (standby-shell.ts hands a command over it). Only
   * for a program that dies with its parent (elsewhere fd 3 is the lifeline), spawned in this process.
   */
  commandPipe?: boolean;
  /** The program is bubblewrap with --die-with-parent: it needs no lifeline. */
  diesWithParent: boolean;
  /** Where the group is written down until it has ended, so a later session can find survivors. */
  records?: ProcessRecords;
  /** What the record shows (the command as the user would recognise it). */
  label: string;
}

/**
 * Loads what a spawn needs (Node's child_process: ~4 ms of CPU before a process's first command)
 * ahead of a command on its way, while this thread would otherwise wait for the model's reply.
 */
export function prepareSpawning(): void {
  process.getBuiltinModule("node:child_process");
}

/**
 * Spawns `program args` as the leader of a new process group (so abort and timeout reach all it
 * started), tied to this process's life (lifeline.ts, or bubblewrap's --die-with-parent), and
 * recorded until it exits once it has run a moment (ProcessRecords.addSoon). When the leader
 * exits, what it left running in its group is killed too: a command's leftovers never outlive it,
 * with or without bubblewrap (whose PID namespace does the same). A large process has the spawner
 * do the fork (spawner.ts), with the same guarantees; the pid then comes a moment later, with the
 * `spawn` event.
 */
export function spawnGuarded(program: string, args: string[], options: GuardedSpawnOptions): GuardedProcess {
  if (throughSpawner()) {
    const { cwd, env, stdio, label } = options;
    const command = spawnThroughSpawner({ program, args, cwd, env, stdio, lifeline: !options.diesWithParent }, label);
    command.once("spawn", () => {
      const release = options.records?.addSoon({ pgid: command.pid as number, label });
      if (release) command.once("exit", release);
    });
    return command;
  }
  const [stdin, stdout, stderr] = options.stdio;
  const child = options.diesWithParent
    ? spawn(program, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: options.commandPipe ? [stdin, stdout, stderr, "pipe"] : [stdin, stdout, stderr],
        detached: true,
      })
    : spawn("/bin/sh", underLifeline(program, args), {
        cwd: options.cwd,
        env: options.env,
        stdio: [stdin, stdout, stderr, "pipe"],
        detached: true,
      });
  const guarded = Object.assign(child, {
    signalGroup(signal: NodeJS.Signals) {
      if (child.pid !== undefined) killGroup(child.pid, signal);
    },
  });
  const pid = child.pid;
  if (pid === undefined) return guarded;
  const release = options.records?.addSoon({ pgid: pid, label: options.label });
  // The lifeline must not keep this process alive, and nothing is ever written to it.
  const lifeline = (options.diesWithParent ? undefined : child.stdio[LIFELINE_FD]) as
    | (NodeJS.ReadableStream & { unref?(): void; ref?(): void })
    | undefined;
  lifeline?.unref?.();
  child.once("exit", () => {
    // The child's 'close' waits for the lifeline to close too (a moment after the exit): held
    // again, so a process awaiting that close with nothing else to do does not end before it.
    lifeline?.ref?.();
    killGroup(pid, "SIGKILL");
    release?.();
  });
  return guarded;
}

/** Signals a whole process group; false when it no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * The lifeline for a process someone else spawns (the MCP SDK starts stdio servers itself, in
 * this process's group, with no room for an extra pipe): a FIFO this process holds open. The
 * wrapper first becomes a session (and group) of its own (`setsid`, so the group can be killed
 * without touching Pincer's), then starts a watcher on the FIFO and becomes the server. When
 * Pincer dies the FIFO's last writer is gone, the watcher reads end-of-file and kills the group;
 * `release()` (the server was closed on purpose) closes Pincer's end too, so whatever the server
 * left behind goes with it. With `note`, the group is written down (`started(pid)`) until
 * released, like every other group Pincer starts, so a later session can report a survivor.
 * Where `setsid` is missing the server runs as it is (in Pincer's group, so nothing is noted)
 * and is told to stop the MCP way: its stdin closes.
 */
const FIFO_SCRIPT = '{ read line < "$1"; kill -9 0; } </dev/null >/dev/null 2>&1 & shift; exec "$@"';

export function fifoLifeline(
  command: string,
  args: string[],
  note?: { records: ProcessRecords; label: string },
): { command: string; args: string[]; release(): void; started?(pid: number): void } {
  // A program that is not there: let the spawn itself fail, with the error that names it (ENOENT).
  const exists = command.includes("/") ? existsSync(command) : findProgram(command, process.env.PATH ?? "");
  const setsid = findProgram("setsid", process.env.PATH ?? "");
  if (!exists || !setsid) return { command, args, release() {} };
  let dir: string | undefined;
  let fd: number | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), "pincer-life-"));
    const fifo = join(dir, "fifo");
    const made = spawnSync("mkfifo", ["-m", "600", fifo], { stdio: "ignore" });
    if (made.status !== 0) throw new Error("mkfifo failed");
    // Read-write, so opening neither blocks nor waits for the watcher (Linux semantics).
    fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const held = fd;
    const folder = dir;
    let released = false;
    let forget: (() => void) | undefined;
    return {
      command: setsid,
      args: ["/bin/sh", "-c", FIFO_SCRIPT, "pincer-lifeline", fifo, command, ...args],
      release() {
        if (released) return;
        released = true;
        closeSync(held);
        rmSync(folder, { recursive: true, force: true });
        forget?.();
      },
      // setsid run by a process that leads no group makes that same process (pid) a session and
      // group leader, and the sh then execs the server in place: the pid is the group's number.
      started(pid) {
        if (note && !released && !forget) forget = note.records.add({ pgid: pid, label: note.label });
      },
    };
  } catch {
    if (fd !== undefined) closeSync(fd);
    if (dir) rmSync(dir, { recursive: true, force: true });
    return { command, args, release() {} };
  }
}
