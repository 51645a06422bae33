import { basename } from "node:path";
import type { Writable } from "node:stream";
import { type GuardedProcess, type GuardedSpawnOptions, spawnGuarded, spawnsInProcess } from "./process-guard.js";
import type { ProcessRecords } from "./process-records.js";

/**
 * A sandboxed shell started before its command is known. Building bubblewrap's sandbox (fork,
 * namespaces, mounts) takes 6–10 ms of wall time on an idle machine and far more on a busy one,
 * all of it between a `bash` call being allowed and its command starting. Started as the model
 * names the tool, the sandbox is built while the rest of the reply streams in, the permission
 * engine decides and the plugin's code runs; the command then only has to be handed over.
 *
 * The shell inside reads one NUL-ended command line from fd 3 and nothing else: it runs
 * nothing until the capability, after every check and the permission engine's yes, writes the
 * command, and then it becomes `bash -c <command>` exactly as a fresh sandbox would run it (same
 * sandbox, cwd, environment, stdin /dev/null, process group). Not over stdin: Node's pipes are
 * sockets, and Debian's bash sources ~/.bashrc when its stdin is one (it takes that for sshd).
 * A standby nobody takes is killed after STANDBY_IDLE_MS, with the session, or with Pincer.
 */

/** Read the command, let go of the pipe, become `$0 -c <command>` (SHLVL as a fresh shell has it). */
export const STANDBY_SCRIPT =
  'IFS= read -r -d "" command <&3 || exit 125; exec 3<&-; unset SHLVL; exec "$0" -c "$command"';

/** How long a standby waits for a command before it is killed. */
export const STANDBY_IDLE_MS = 15_000;

/** Past this a command line goes to a fresh sandbox (the shell reads its stdin a byte at a time). */
const MAX_STANDBY_COMMAND = 16 * 1024;

/** What the standby was started for: a command must match all of it to take it. */
export interface StandbyPlan {
  /** bwrap, and its arguments up to the command line (see `argsFor`). */
  program: string;
  /** bwrap's arguments for a command line; the standby's are these for `[shell, "-c", STANDBY_SCRIPT, shell]`. */
  argsFor(argv: string[]): string[];
  shell: string;
  cwd: string;
  options: GuardedSpawnOptions;
}

export class StandbyShell {
  private child: GuardedProcess | undefined;
  private records: ProcessRecords | undefined;
  private key = "";
  private idle: NodeJS.Timeout | undefined;

  /** Whether a shell this capability runs command lines with can stand by (bash, in this process). */
  static usable(shell: string): boolean {
    return basename(shell) === "bash" && spawnsInProcess();
  }

  /** Starts one, unless one is waiting already. Never throws: without one, a command starts as usual. */
  start(plan: StandbyPlan): void {
    if (this.child) return;
    try {
      // No note under PINCER_HOME/run/processes yet: a waiting shell cannot outlive Pincer
      // (--die-with-parent), and the group gets its note, with the command, once it has one.
      const { records: _unnoted, ...options } = plan.options;
      const child = spawnGuarded(plan.program, plan.argsFor([plan.shell, "-c", STANDBY_SCRIPT, plan.shell]), {
        ...options,
        commandPipe: true,
        label: plan.shell,
      });
      this.child = child;
      this.records = plan.options.records;
      this.key = keyOf(plan.shell, plan.cwd, plan.options.env);
      const gone = () => {
        if (this.child === child) this.drop();
      };
      child.once("error", gone);
      child.once("exit", gone);
      commandPipeOf(child)?.on("error", () => {});
      // Waiting is no reason to keep Pincer running.
      hold(child, false);
      this.idle = setTimeout(() => this.discard(), STANDBY_IDLE_MS);
      this.idle.unref();
    } catch {
      this.drop();
    }
  }

  /**
   * The waiting shell, handed `command`, when it was started for this shell, cwd and environment
   * and is still alive; otherwise undefined (and a mismatched one is killed).
   */
  take(command: string, shell: string, cwd: string, env: Record<string, string>): GuardedProcess | undefined {
    const child = this.child;
    if (!child) return undefined;
    this.drop();
    const alive = child.pid !== undefined && (child as { exitCode?: number | null }).exitCode === null;
    if (!alive || keyOf(shell, cwd, env) !== this.key || Buffer.byteLength(command) > MAX_STANDBY_COMMAND) {
      child.signalGroup("SIGKILL");
      return undefined;
    }
    hold(child, true);
    // Noted once it has run a moment, as a command started fresh is (ProcessRecords.addSoon).
    const release = this.records?.addSoon({ pgid: child.pid as number, label: command });
    if (release) child.once("exit", release);
    commandPipeOf(child)?.end(`${command}\0`);
    return child;
  }

  /** Kills the waiting shell, if any. */
  discard(): void {
    const child = this.child;
    this.drop();
    child?.signalGroup("SIGKILL");
  }

  private drop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    this.child = undefined;
  }
}

function keyOf(shell: string, cwd: string, env: Record<string, string>): string {
  return JSON.stringify([shell, cwd, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

type Holdable = { ref?(): void; unref?(): void };

/** Whether the child and its pipes keep this process's event loop alive. */
function hold(child: GuardedProcess, held: boolean): void {
  for (const handle of [child, commandPipeOf(child), child.stdout, child.stderr] as Array<
    Holdable | null | undefined
  >) {
    if (held) handle?.ref?.();
    else handle?.unref?.();
  }
}

function commandPipeOf(child: GuardedProcess): Writable | undefined {
  return (child as { stdio?: Array<unknown> }).stdio?.[3] as Writable | undefined;
}
