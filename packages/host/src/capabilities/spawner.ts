import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { LIFELINE_FD, underLifeline } from "./lifeline.js";
import { SPAWNER_SOURCE } from "./spawner-program.js";

/** What spawnGuarded hands back, whoever did the fork: node's ChildProcess or the spawner. */
export interface GuardedProcess extends EventEmitter {
  /** The group leader's pid (the group's number); undefined until started (`spawn`) or if it never was. */
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Signals the whole group; asked before the command has started, as soon as it has. */
  signalGroup(signal: NodeJS.Signals): void;
}

/** What each of stdin, stdout, stderr is (a spawner's own stdio is nothing to inherit). */
export type StdioKind = "pipe" | "ignore";

export interface SpawnRequest {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdio: [StdioKind, StdioKind, StdioKind];
  /** Run it under a lifeline (it has no --die-with-parent of its own). */
  lifeline: boolean;
}

type Reply =
  | { type: "batch"; messages: Reply[] }
  | { type: "spawned"; id: number; pid: number }
  | { type: "output"; id: number; index: 1 | 2; data: string }
  | { type: "end"; id: number; index: 1 | 2 }
  | { type: "stdio"; id: number; index: 0 | 1 | 2; pid: number }
  | { type: "exit"; id: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: "error"; id: number; message: string; code?: string };

/**
 * The spawner's side in this process: started on first use and kept (it costs this process one
 * fork, then none), it runs each command and hands back its pid, stdio and exit (see
 * spawner-program.ts). It holds this process's event loop open only while a command is starting
 * or running. If it dies, the commands it ran die with it (their lifelines and --die-with-parent),
 * they are reported killed, and the next command starts a new one.
 */
class Spawner {
  readonly #process: ChildProcess;
  readonly #commands = new Map<number, SpawnedCommand>();
  #next = 1;

  constructor() {
    // A tiny heap (so its own forks stay cheap) and an empty environment: it passes each command
    // the environment it is given, and holds no secret of its own. Under a lifeline: it dies
    // with this process even when this one is killed with SIGKILL. V8 without background threads
    // (--single-threaded): its few functions compile and its small heap is collected on its one
    // thread, with no helper to wake and hand work to, and each fork copies less (60 MiB resident
    // against 63): 1.06 -> 0.87 ms of its CPU a command (median of 6 runs alternated, 600
    // commands each, load ~10).
    this.#process = spawn(
      "/bin/sh",
      underLifeline(process.execPath, [
        "--max-old-space-size=32",
        "--max-semi-space-size=1",
        "--single-threaded",
        "-e",
        SPAWNER_SOURCE,
      ]),
      { env: {}, stdio: ["ignore", "ignore", "ignore", "pipe", "ipc"], detached: true },
    );
    const lifeline = this.#process.stdio[LIFELINE_FD] as Socket | null;
    lifeline?.unref();
    this.#process.unref();
    this.#idle();
    this.#process.on("message", (reply: Reply, handle?: Socket) => this.#receive(reply, handle));
    this.#process.on("error", () => this.#ended());
    this.#process.on("exit", () => this.#ended());
  }

  get alive(): boolean {
    return this.#process.exitCode === null && this.#process.signalCode === null && this.#process.connected;
  }

  /** The spawner's pid (tests kill it to see what its commands do). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  start(request: SpawnRequest, label: string): SpawnedCommand {
    const id = this.#next++;
    const command = new SpawnedCommand(request.stdio, label, () => this.#settleWhenDone(id, command));
    this.#commands.set(id, command);
    this.#process.channel?.ref();
    const lost = (error: Error) =>
      this.#settle(id, (gone) => gone.failed(new Error(`could not start ${request.program}: ${error.message}`)));
    // Sent on the next tick: a command stopped in the same tick it was asked for (an abort that
    // came first) is never started. Started, bwrap signalled while it clones its sandbox's init
    // could leave that init running without its parent-death signal.
    process.nextTick(() => {
      const early = command.signalledBeforeStart();
      if (early) {
        this.#settle(id, (stopped) => stopped.stoppedBeforeStart(early));
        return;
      }
      try {
        this.#process.send({ type: "spawn", id, ...request }, (error) => error && lost(error));
      } catch (error) {
        // The answer is an event, as node's own spawn errors are, never a throw.
        lost(error as Error);
      }
    });
    return command;
  }

  #receive(reply: Reply, handle?: Socket): void {
    if (reply.type === "batch") {
      for (const message of reply.messages) this.#receive(message);
      return;
    }
    const command = this.#commands.get(reply.id);
    if (!command) {
      handle?.destroy();
      return;
    }
    if (reply.type === "spawned") command.started(reply.pid);
    else if (reply.type === "output") command.output(reply.index, reply.data);
    else if (reply.type === "end") command.outputEnded(reply.index);
    else if (reply.type === "stdio") {
      if (command.pid === undefined) command.started(reply.pid);
      if (handle) command.attach(reply.index, handle);
      else if (reply.index !== 0) command.outputEnded(reply.index);
    } else if (reply.type === "exit") command.exitSeen(reply.code, reply.signal);
    else if (reply.type === "error") {
      const error = Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {});
      this.#settle(reply.id, (failed) => failed.failed(error));
    }
  }

  #settle(id: number, how: (command: SpawnedCommand) => void): void {
    const command = this.#commands.get(id);
    if (!command) return;
    this.#commands.delete(id);
    this.#idle();
    how(command);
  }

  /**
   * A command is done once it has exited and its output has all come: until then this process
   * stays alive for it (the output that comes inside messages holds nothing else open).
   */
  #settleWhenDone(id: number, command: SpawnedCommand): void {
    const exit = command.exitIfDone();
    if (exit) this.#settle(id, (done) => done.exited(...exit));
  }

  /** This process may end while no command is starting or running. */
  #idle(): void {
    if (this.#commands.size === 0) this.#process.channel?.unref();
  }

  /** The spawner is gone: its commands went with it (or never started). */
  #ended(): void {
    if (current === this) current = undefined;
    for (const id of [...this.#commands.keys()]) {
      this.#settle(id, (command) => {
        if (command.pid === undefined) command.failed(new Error("the process that starts commands ended"));
        else command.killedWithSpawner();
      });
    }
  }
}

/** A command the spawner runs, as this process sees it: pid, stdio and exit arrive as messages. */
export class SpawnedCommand extends EventEmitter implements GuardedProcess {
  pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  #pendingSignals: NodeJS.Signals[] = [];
  #exit: [number | null, NodeJS.Signals | null] | undefined;
  #open = 0;
  #failed = false;
  readonly #attached = new Set<Readable>();
  /** The outputs whose end has not come yet inside messages (nor has their pipe been handed over). */
  readonly #inline = new Set<1 | 2>();
  /** How the command exited, as the spawner said, kept until its output has all come. */
  #seen: [number | null, NodeJS.Signals | null] | undefined;

  constructor(
    stdio: [StdioKind, StdioKind, StdioKind],
    readonly label: string,
    private readonly progressed: () => void = () => {},
  ) {
    super();
    const output = (kind: StdioKind) => {
      if (kind !== "pipe") return null;
      const stream = new PassThrough();
      this.#open++;
      stream.once("end", () => this.#streamEnded());
      return stream;
    };
    this.stdin = stdio[0] === "pipe" ? new PassThrough() : null;
    this.stdout = output(stdio[1]);
    this.stderr = output(stdio[2]);
    if (this.stdout) this.#inline.add(1);
    if (this.stderr) this.#inline.add(2);
  }

  /** Output the spawner read from the command, inside a message (base64). */
  output(index: 1 | 2, data: string): void {
    if (this.#inline.has(index)) this.#outputStream(index)?.write(Buffer.from(data, "base64"));
  }

  /** That output has all come. */
  outputEnded(index: 1 | 2): void {
    if (!this.#inline.delete(index)) return;
    this.#outputStream(index)?.end();
    this.progressed();
  }

  /** The command exited; it is reported once its output has all come (or its pipes are here). */
  exitSeen(code: number | null, signal: NodeJS.Signals | null): void {
    this.#seen = [code, signal];
    this.progressed();
  }

  /** How it exited, once that is known and no output is still to come inside messages. */
  exitIfDone(): [number | null, NodeJS.Signals | null] | undefined {
    return this.#inline.size === 0 ? this.#seen : undefined;
  }

  #outputStream(index: 1 | 2): PassThrough | null {
    return (index === 1 ? this.stdout : this.stderr) as PassThrough | null;
  }

  signalGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) {
      if (!this.#failed && !this.#exit) this.#pendingSignals.push(signal);
      return;
    }
    if (this.#exit) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group has ended.
    }
  }

  started(pid: number): void {
    this.pid = pid;
    this.emit("spawn");
    for (const signal of this.#pendingSignals.splice(0)) this.signalGroup(signal);
  }

  attach(index: 0 | 1 | 2, socket: Socket): void {
    if (index === 0) {
      socket.on("error", (error) => this.stdin?.emit("error", error));
      (this.stdin as PassThrough | null)?.pipe(socket);
      return;
    }
    const stream = this.#outputStream(index);
    if (!stream || !this.#inline.has(index)) {
      socket.destroy();
      return;
    }
    this.#attached.add(stream);
    // A read error ends the stream like end-of-file does (node's own child stdio does the same).
    socket.on("error", () => stream.end());
    socket.pipe(stream);
    // The rest of this output comes through the pipe, which holds this process open while it is read.
    this.#inline.delete(index);
    this.progressed();
  }

  exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exit = [code, signal];
    this.emit("exit", code, signal);
    // As node does at a child's exit: output nobody reads is drained, so 'close' comes.
    for (const stream of [this.stdout, this.stderr]) if (stream && stream.readableFlowing === null) stream.resume();
    this.#maybeClose();
  }

  failed(error: Error & { code?: string }): void {
    this.#failed = true;
    this.#pendingSignals = [];
    this.emit("error", error);
    this.#endOutputs();
    // Then 'close' with what node gives a child that never started: minus the error's number.
    const errno = error.code ? (constants.errno as Record<string, number>)[error.code] : undefined;
    this.#exit = [errno === undefined ? null : -errno, null];
    this.#maybeClose();
  }

  /** The first signal asked for before the command was sent to the spawner. */
  signalledBeforeStart(): NodeJS.Signals | undefined {
    return this.#pendingSignals[0];
  }

  /** Not started at all: stopped first. Reported as a command killed by that signal. */
  stoppedBeforeStart(signal: NodeJS.Signals): void {
    this.#pendingSignals = [];
    this.#endOutputs();
    this.exited(null, signal);
  }

  /** The spawner died while this ran: the lifeline or --die-with-parent killed the group. */
  killedWithSpawner(): void {
    if (this.#seen) {
      // It had exited; only the rest of its output was still to come.
      this.#inline.clear();
      this.#endOutputs();
      this.exited(...this.#seen);
      return;
    }
    if (this.pid !== undefined) {
      try {
        process.kill(-this.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    this.#endOutputs();
    this.exited(null, "SIGKILL");
  }

  /** Ends the outputs no pipe was handed over for (those that were end with their pipe). */
  #endOutputs(): void {
    for (const stream of [this.stdout, this.stderr]) {
      if (stream && !this.#attached.has(stream) && !(stream as PassThrough).writableEnded)
        (stream as PassThrough).end();
    }
    (this.stdin as PassThrough | null)?.destroy();
  }

  #streamEnded(): void {
    this.#open--;
    this.#maybeClose();
  }

  #maybeClose(): void {
    if (!this.#exit || this.#open > 0) return;
    const [code, signal] = this.#exit;
    this.#open = -1;
    this.emit("close", code, signal);
  }
}

let current: Spawner | undefined;

/** Runs a command through the spawner, starting it first if none is running. */
export function spawnThroughSpawner(request: SpawnRequest, label: string): SpawnedCommand {
  if (!current?.alive) current = new Spawner();
  return current.start(request, label);
}

/** The running spawner's pid, if one runs (for tests and the bench). */
export function spawnerPid(): number | undefined {
  return current?.alive ? current.pid : undefined;
}
