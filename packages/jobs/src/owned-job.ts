import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { classify, resultOf, TAIL_LINES } from "./job-outcome.js";
import { type StatusRecord, writeJson } from "./job-store.js";
import type { JobLauncher, JobProcess } from "./launcher.js";
import { LineSplitter } from "./line-splitter.js";
import { MetricLineReader } from "./metrics.js";
import { killGroup } from "./process-group.js";
import type { Job, JobResult, JobStatus, MetricPoint } from "./types.js";

/** A job this process started: live pipes, in-memory log, the timeout and the final word. */
export class OwnedJob implements Job {
  readonly id: string;
  #record: StatusRecord;
  #lines: string[] = [];
  #metrics: MetricPoint[] = [];
  readonly #metricReader = new MetricLineReader();
  #lineWaiters: Array<() => void> = [];
  #ended = false;
  #done: Promise<JobResult>;
  #resolveDone!: (result: JobResult) => void;
  #log: WriteStream | undefined;
  #child: JobProcess | undefined;
  #stopReason: "cancelled" | "timed_out" | undefined;
  #timers: NodeJS.Timeout[] = [];

  constructor(
    readonly dir: string,
    record: StatusRecord,
    private readonly killGraceMs: number,
    private readonly launcher: JobLauncher,
  ) {
    this.id = record.id;
    this.#record = record;
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  get status(): JobStatus {
    return this.#record.status;
  }
  get exitCode(): number | null {
    return this.#record.exitCode;
  }
  get signal(): string | null {
    return this.#record.signal;
  }
  get error(): string | undefined {
    return this.#record.error;
  }
  get metrics(): readonly MetricPoint[] {
    return this.#metrics;
  }

  async *logs(): AsyncIterable<string> {
    let next = 0;
    for (;;) {
      while (next < this.#lines.length) yield this.#lines[next++]!;
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#lineWaiters.push(resolve));
    }
  }

  tail(n = TAIL_LINES): string[] {
    return n <= 0 ? [] : this.#lines.slice(-n);
  }

  wait(): Promise<JobResult> {
    return this.#done;
  }

  async cancel(): Promise<void> {
    this.#stop("cancelled");
    await this.#done;
  }

  #save(patch: Partial<StatusRecord>): void {
    this.#record = { ...this.#record, ...patch };
    writeJson(join(this.dir, "status.json"), this.#record);
  }

  #append(line: string): void {
    this.#lines.push(line);
    const values = this.#metricReader.read(line);
    if (values) this.#metrics.push({ line: this.#lines.length, values });
    this.#log?.write(`${line}\n`);
    for (const wake of this.#lineWaiters.splice(0)) wake();
  }

  /** Ends the job before it started (a missing dependency, an interpreter that would not run). */
  async failEarly(error: string): Promise<void> {
    this.#log = createWriteStream(join(this.dir, "log.txt"), { flags: "a" });
    for (const line of error.split("\n")) this.#append(line);
    await this.#finish({ status: "failed", exitCode: null, signal: null, error });
  }

  /** Starts the job; resolves once it runs (its status saved with the pid) or has failed to start. */
  start(command: string, argv: string[], options: { cwd: string; env: Record<string, string> }): Promise<void> {
    const launched = this.launcher.launch(command, argv, { ...options, jobDir: this.dir });
    if ("refused" in launched) return this.failEarly(launched.refused);
    this.#log = createWriteStream(join(this.dir, "log.txt"), { flags: "a" });
    const child = launched;
    this.#child = child;
    const out = new LineSplitter((line) => this.#append(line));
    const err = new LineSplitter((line) => this.#append(line));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => out.push(chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => err.push(chunk));
    let spawnError: Error | undefined;
    child.on("error", (error) => {
      spawnError = error;
    });
    // The leader's exit: kill what it left behind in its group, so the pipes close.
    child.on("exit", () => {
      if (child.pid) killGroup(child.pid, "SIGKILL");
    });
    child.on("close", (exitCode, exitSignal) => {
      const { code, signal } = this.launcher.decodeExit?.(exitCode, exitSignal) ?? {
        code: exitCode,
        signal: exitSignal,
      };
      for (const timer of this.#timers) clearTimeout(timer);
      out.flush();
      err.flush();
      if (spawnError && child.pid === undefined) {
        const error = `Could not start ${command}: ${spawnError.message}`;
        this.#append(error);
        void this.#finish({ status: "failed", exitCode: null, signal: null, error });
        return;
      }
      let stopReason = this.#stopReason;
      if (!stopReason && existsSync(join(this.dir, "cancel"))) stopReason = "cancelled";
      const verdict = classify(this.#record, code, signal, stopReason, this.tail());
      void this.#finish({ exitCode: code, signal, ...verdict });
    });
    // The pid is known at once when this process forked, a moment later through the host's
    // spawner: the job is "running" from then on, and a stop asked in between applies then.
    let running = false;
    const started = () => {
      if (running || child.pid === undefined || this.#ended) return;
      running = true;
      this.#save({ status: "running", pid: child.pid, startedAt: new Date().toISOString() });
      if (this.#stopReason) this.#signal(child.pid);
    };
    started();
    child.on("spawn", started);
    const timeout = setTimeout(() => this.#stop("timed_out"), this.#record.timeoutMs);
    timeout.unref();
    this.#timers.push(timeout);
    if (running) return Promise.resolve();
    return new Promise((resolve) => {
      child.on("spawn", () => resolve());
      child.on("error", () => resolve());
      child.on("close", () => resolve());
    });
  }

  #stop(reason: "cancelled" | "timed_out"): void {
    if (this.#ended || this.#stopReason) return;
    if (!this.#child) return;
    this.#stopReason = reason;
    const pid = this.#child.pid;
    if (pid !== undefined) this.#signal(pid);
  }

  /** TERM to the job's group, KILL after the grace period. */
  #signal(pid: number): void {
    killGroup(pid, "SIGTERM");
    const escalate = setTimeout(() => killGroup(pid, "SIGKILL"), this.killGraceMs);
    escalate.unref();
    this.#timers.push(escalate);
  }

  async #finish(patch: Partial<StatusRecord>): Promise<void> {
    if (this.#ended) return;
    const log = this.#log;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
    this.#save({ ...patch, endedAt: new Date().toISOString() });
    this.#ended = true;
    for (const wake of this.#lineWaiters.splice(0)) wake();
    this.#resolveDone(resultOf(this.#record, this.#lines, this.#metrics));
  }
}
