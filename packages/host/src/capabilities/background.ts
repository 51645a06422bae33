import { StringDecoder } from "node:string_decoder";
import type { BackgroundOutput } from "@pincer/sdk";
import { type GuardedProcess, type GuardedSpawnOptions, spawnGuarded } from "./process-guard.js";

/** Commands one plugin may keep running in the background at once. */
export const MAX_BACKGROUND_RUNNING = 8;
/** Finished commands kept for a last read; older finished ones are forgotten first. */
const MAX_BACKGROUND_KEPT = 32;
/** Output held for a command between reads; past it, the oldest unread output is dropped. */
export const MAX_BACKGROUND_UNREAD = 1024 * 1024;
/** What one read hands over at most (its tail); default for the plugin's own cap. */
const DEFAULT_READ_BYTES = 30_000;
const KILL_GRACE_MS = 2_000;

interface Shell {
  id: string;
  command: string;
  child: GuardedProcess;
  /** Output not yet read: chunks, their total, and what was dropped for room since the last read. */
  unread: Buffer[];
  unreadBytes: number;
  droppedBytes: number;
  exitCode: number | null;
  signal: string | null;
  running: boolean;
  ended: Promise<void>;
}

export type SpawnPlan = { program: string; args: string[]; options: GuardedSpawnOptions };

/**
 * Commands a plugin started to run on after its call returned (Claude Code's background shells):
 * each in its own process group, tied to Pincer's life like every spawned command, its output kept
 * (up to MAX_BACKGROUND_UNREAD unread) until the plugin reads it. Nothing of the plugin runs while
 * they do: output waits here, on the host, for the next read. `dispose` kills them all (the
 * session ended).
 */
export class BackgroundShells {
  private readonly shells = new Map<string, Shell>();
  private next = 1;
  private disposed = false;

  /** Starts a planned (checked, authorized) command; returns its id. */
  start(command: string, plan: SpawnPlan): string {
    if (this.disposed) throw new Error("spawning refused: the session has ended.");
    const running = [...this.shells.values()].filter((shell) => shell.running);
    if (running.length >= MAX_BACKGROUND_RUNNING) {
      throw new Error(
        `spawning refused: ${running.length} background commands are running (${running.map((shell) => shell.id).join(", ")}); stop one first.`,
      );
    }
    this.forgetOldFinished();
    const id = `shell_${this.next++}`;
    const child = spawnGuarded(plan.program, plan.args, { ...plan.options, stdio: ["ignore", "pipe", "pipe"] });
    let ended!: () => void;
    const shell: Shell = {
      id,
      command,
      child,
      unread: [],
      unreadBytes: 0,
      droppedBytes: 0,
      exitCode: null,
      signal: null,
      running: true,
      ended: new Promise((resolve) => (ended = resolve)),
    };
    const collect = (chunk: Buffer) => this.keep(shell, chunk);
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.on("error", (error) => {
      this.keep(shell, Buffer.from(`failed to start ${plan.program}: ${error.message}\n`));
      shell.exitCode = 127;
      shell.running = false;
      ended();
    });
    child.on("close", (code, signal) => {
      shell.exitCode = code;
      shell.signal = signal;
      shell.running = false;
      ended();
    });
    this.shells.set(id, shell);
    return id;
  }

  /** Output since the last read (its last `maxBytes` when there is more), and whether it still runs. */
  read(id: string, maxBytes = DEFAULT_READ_BYTES): BackgroundOutput {
    const shell = this.find(id);
    const all = Buffer.concat(shell.unread);
    const cut = Math.max(0, all.length - maxBytes);
    // Cut on a character boundary: skip continuation bytes of a character split by the cut.
    let start = cut;
    while (start < all.length && start > 0 && ((all[start] as number) & 0xc0) === 0x80) start++;
    const output = new StringDecoder("utf8").end(all.subarray(start));
    const result: BackgroundOutput = {
      id,
      command: shell.command,
      output,
      droppedBytes: shell.droppedBytes + start,
      running: shell.running,
      exitCode: shell.exitCode,
      signal: shell.signal,
    };
    shell.unread = [];
    shell.unreadBytes = 0;
    shell.droppedBytes = 0;
    if (!shell.running) this.shells.delete(id);
    return result;
  }

  /** Stops the command and everything it started (TERM, then KILL), and returns its last output. */
  async kill(id: string, maxBytes?: number): Promise<BackgroundOutput> {
    const shell = this.find(id);
    if (shell.running) {
      shell.child.signalGroup("SIGTERM");
      const hard = setTimeout(() => shell.child.signalGroup("SIGKILL"), KILL_GRACE_MS);
      hard.unref();
      await shell.ended;
      clearTimeout(hard);
    }
    return this.read(id, maxBytes);
  }

  /** The ids of commands still running or not read since they ended. */
  ids(): string[] {
    return [...this.shells.keys()];
  }

  /** Kills every command at once (the session is over) and refuses new ones. */
  dispose(): void {
    this.disposed = true;
    for (const shell of this.shells.values()) {
      if (shell.running) shell.child.signalGroup("SIGKILL");
    }
    this.shells.clear();
  }

  private find(id: string): Shell {
    const shell = typeof id === "string" ? this.shells.get(id) : undefined;
    if (shell) return shell;
    const known = this.ids();
    throw new Error(
      `no background command "${String(id).slice(0, 40)}"${known.length ? `; there are: ${known.join(", ")}` : ": none is running or unread"}.`,
    );
  }

  private keep(shell: Shell, chunk: Buffer): void {
    shell.unread.push(chunk);
    shell.unreadBytes += chunk.length;
    while (shell.unreadBytes > MAX_BACKGROUND_UNREAD && shell.unread.length > 0) {
      const over = shell.unreadBytes - MAX_BACKGROUND_UNREAD;
      const first = shell.unread[0] as Buffer;
      if (first.length <= over) {
        shell.unread.shift();
        shell.unreadBytes -= first.length;
        shell.droppedBytes += first.length;
      } else {
        shell.unread[0] = first.subarray(over);
        shell.unreadBytes -= over;
        shell.droppedBytes += over;
      }
    }
  }

  private forgetOldFinished(): void {
    const finished = [...this.shells.values()].filter((shell) => !shell.running);
    for (const shell of finished.slice(0, Math.max(0, finished.length - MAX_BACKGROUND_KEPT + 1))) {
      this.shells.delete(shell.id);
    }
  }
}
