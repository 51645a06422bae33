// LocalJobRunner: Python scripts as jobs on this machine.
//
// Each job lives in `<PINCER_HOME>/jobs/<id>/`: `script.py` (the source), `log.txt` (stdout and
// stderr interleaved, one line per line), `status.json` (status, exit code, times, pid), so any
// process can list, read, follow and cancel it. The process that started a job owns it: it holds
// the pipes, enforces the timeout and writes the final status.
//
// - The interpreter is `/usr/bin/python3` unless `python` says otherwise (a PATH lookup could find
//   a pyenv shim or virtualenv without the packages the machine was set up with).
// - The script runs detached, as the leader of its own process group, so a cancel or a timeout
//   reaches everything it spawned: SIGTERM to the group, SIGKILL after `killGraceMs`. When the
//   script exits, anything it left running in its group is killed too.
// - `memoryMb` caps the address space (RLIMIT_AS) with `prlimit --as=<bytes>` (util-linux) when it
//   is on PATH, else with `ulimit -v <KiB>` in a `sh -c` wrapper. Python then raises MemoryError
//   (numpy and torch their own allocation errors), which this runner reports as `oom`; so is a
//   SIGKILL the runner did not send (the kernel's OOM killer). RLIMIT_AS counts virtual memory:
//   leave headroom for libraries that reserve address space (torch maps a few hundred MiB).
// - Dependencies are checked before anything starts; a missing one fails the job at once with the
//   command that installs it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { WriteStream } from "node:fs";
import {
  accessSync,
  constants,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { missingMessage, missingModules, moduleFor } from "./dependencies.js";
import { parseMetricLine } from "./metrics.js";
import {
  type Job,
  type JobInfo,
  type JobResult,
  type JobRunner,
  type JobSpec,
  type JobStatus,
  type MetricPoint,
  TERMINAL_STATUSES,
} from "./types.js";

export interface LocalJobRunnerOptions {
  /** Where jobs are stored; default `$PINCER_HOME/jobs` (`~/.pincer/jobs`). */
  dir?: string;
  /** The Python interpreter; default `/usr/bin/python3`. */
  python?: string;
  /** Between SIGTERM and SIGKILL when stopping a job; default 3000 ms. */
  killGraceMs?: number;
  /** How `memoryMb` is enforced; default `prlimit` when it is on PATH, else `ulimit`. */
  memoryLimiter?: "prlimit" | "ulimit";
  /**
   * The environment every job starts from, before its own `env`; default this process's. A
   * server running jobs for others passes a minimal one, so its own secrets stay its own.
   */
  baseEnv?: NodeJS.ProcessEnv;
}

/** What `status.json` holds. */
interface StatusRecord extends JobInfo {
  /** The script's pid, which is also its process group id. */
  pid?: number;
  /** The process that started the job and writes its final status. */
  ownerPid: number;
  python: string;
  args: string[];
  dependencies: string[];
  timeoutMs: number;
  memoryMb?: number;
  memoryLimiter?: "prlimit" | "ulimit";
  cwd: string;
}

const TAIL_LINES = 50;
const POLL_MS = 100;
const ID_PATTERN = /^[A-Za-z0-9][\w.-]*$/;

export function defaultJobsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.PINCER_HOME || join(homedir(), ".pincer")), "jobs");
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

function readStatus(dir: string): StatusRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as StatusRecord;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Signals a whole process group; false when it no longer exists. */
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A record whose owner died before the job ended can never end: report it as failed. */
function settleStale(record: StatusRecord): StatusRecord {
  if (TERMINAL_STATUSES.has(record.status) || record.ownerPid === process.pid || alive(record.ownerPid)) return record;
  return {
    ...record,
    status: "failed",
    error: `The process that ran this job (pid ${record.ownerPid}) exited before the job ended.`,
  };
}

function info(record: StatusRecord): JobInfo {
  const { id, status, exitCode, signal, error, createdAt, startedAt, endedAt } = record;
  return { id, status, exitCode, signal, ...(error ? { error } : {}), createdAt, startedAt, endedAt };
}

function metricsOf(lines: readonly string[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  lines.forEach((line, index) => {
    const values = parseMetricLine(line);
    if (values) points.push({ line: index + 1, values });
  });
  return points;
}

function resultOf(record: StatusRecord, lines: readonly string[], metrics: readonly MetricPoint[]): JobResult {
  const started = record.startedAt ? Date.parse(record.startedAt) : Number.NaN;
  const ended = record.endedAt ? Date.parse(record.endedAt) : Number.NaN;
  return {
    id: record.id,
    status: record.status,
    exitCode: record.exitCode,
    signal: record.signal,
    ...(record.error ? { error: record.error } : {}),
    durationMs: Number.isFinite(started) && Number.isFinite(ended) ? ended - started : null,
    tail: lines.slice(-TAIL_LINES),
    metrics: [...metrics],
  };
}

const OOM_PATTERN =
  /\bMemoryError\b|Unable to allocate|can't allocate memory|Cannot allocate memory|std::bad_alloc|out of memory|OutOfMemoryError/i;
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Failure)\b.*$/;

/** The final status and the sentence explaining it, from how the process ended. */
function classify(
  record: StatusRecord,
  code: number | null,
  signal: NodeJS.Signals | null,
  stopReason: "cancelled" | "timed_out" | undefined,
  tail: readonly string[],
): { status: JobStatus; error?: string } {
  if (stopReason === "cancelled") return { status: "cancelled", error: "Cancelled; the process group was stopped." };
  if (stopReason === "timed_out") {
    return {
      status: "timed_out",
      error: `Timed out after ${record.timeoutMs} ms; the script and everything it started were killed. The last log lines show where it was.`,
    };
  }
  if (code === 0) return { status: "completed" };
  const exception = [...tail]
    .reverse()
    .find((line) => EXCEPTION_LINE.test(line.trim()))
    ?.trim();
  const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
  if (tail.some((line) => OOM_PATTERN.test(line)) || signal === "SIGKILL") {
    const limit = record.memoryMb
      ? `over its ${record.memoryMb} MiB memory limit (address space, set with ${record.memoryLimiter})`
      : "out of memory";
    const cause =
      signal === "SIGKILL" && !exception
        ? " (SIGKILL not sent by the runner: most likely the kernel's OOM killer)"
        : "";
    return {
      status: "oom",
      error: `Out of memory: the script ran ${limit} and ${how}${cause}${exception ? `: ${exception}` : ""}. Use a smaller batch, model or dataset${record.memoryMb ? ", or raise memoryMb" : ""}.`,
    };
  }
  return { status: "failed", error: `The script ${how}${exception ? `: ${exception}` : ""}.` };
}

/** Splits a stream into lines; a carriage return keeps only what follows it (progress bars). */
class LineSplitter {
  #buffer = "";
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline >= 0) {
      this.#line(this.#buffer.slice(0, newline));
      this.#buffer = this.#buffer.slice(newline + 1);
      newline = this.#buffer.indexOf("\n");
    }
  }
  flush(): void {
    if (this.#buffer) this.#line(this.#buffer);
    this.#buffer = "";
  }
  #line(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    this.emit(line.slice(line.lastIndexOf("\r") + 1));
  }
}

/** A job this process started: live pipes, in-memory log, the timeout and the final word. */
class OwnedJob implements Job {
  readonly id: string;
  #record: StatusRecord;
  #lines: string[] = [];
  #metrics: MetricPoint[] = [];
  #lineWaiters: Array<() => void> = [];
  #ended = false;
  #done: Promise<JobResult>;
  #resolveDone!: (result: JobResult) => void;
  #log: WriteStream | undefined;
  #child: ChildProcess | undefined;
  #stopReason: "cancelled" | "timed_out" | undefined;
  #timers: NodeJS.Timeout[] = [];

  constructor(
    readonly dir: string,
    record: StatusRecord,
    private readonly killGraceMs: number,
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
    const values = parseMetricLine(line);
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

  start(command: string, argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): void {
    this.#log = createWriteStream(join(this.dir, "log.txt"), { flags: "a" });
    const child = spawn(command, argv, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
    child.on("close", (code, signal) => {
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
    if (child.pid !== undefined) this.#save({ status: "running", pid: child.pid, startedAt: new Date().toISOString() });
    const timeout = setTimeout(() => this.#stop("timed_out"), this.#record.timeoutMs);
    timeout.unref();
    this.#timers.push(timeout);
  }

  #stop(reason: "cancelled" | "timed_out"): void {
    if (this.#ended || this.#stopReason) return;
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    this.#stopReason = reason;
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

/** A job read from its directory: started by another process (or an earlier run of this one). */
class StoredJob implements Job {
  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly killGraceMs: number,
  ) {}

  #record(): StatusRecord {
    const record = readStatus(this.dir);
    if (!record) throw new Error(`Job ${this.id} has no status.json in ${this.dir}`);
    return settleStale(record);
  }
  #lines(): string[] {
    let text = "";
    try {
      text = readFileSync(join(this.dir, "log.txt"), "utf8");
    } catch {}
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  }

  get status(): JobStatus {
    return this.#record().status;
  }
  get exitCode(): number | null {
    return this.#record().exitCode;
  }
  get signal(): string | null {
    return this.#record().signal;
  }
  get error(): string | undefined {
    return this.#record().error;
  }
  get metrics(): readonly MetricPoint[] {
    return metricsOf(this.#lines());
  }

  async *logs(): AsyncIterable<string> {
    let emitted = 0;
    for (;;) {
      // Read the status first: once it is terminal the log is complete.
      const ended = TERMINAL_STATUSES.has(this.#record().status);
      const text = (() => {
        try {
          return readFileSync(join(this.dir, "log.txt"), "utf8");
        } catch {
          return "";
        }
      })();
      const lines = text.split("\n");
      const partial = lines.pop() ?? "";
      if (ended && partial) lines.push(partial);
      while (emitted < lines.length) yield lines[emitted++]!;
      if (ended) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  tail(n = TAIL_LINES): string[] {
    return n <= 0 ? [] : this.#lines().slice(-n);
  }

  async wait(): Promise<JobResult> {
    for (;;) {
      const record = this.#record();
      if (TERMINAL_STATUSES.has(record.status)) {
        const lines = this.#lines();
        return resultOf(record, lines, metricsOf(lines));
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async cancel(): Promise<void> {
    const record = this.#record();
    if (TERMINAL_STATUSES.has(record.status)) return;
    // The owner reads this marker when the script ends and records `cancelled`.
    writeFileSync(join(this.dir, "cancel"), `${process.pid}\n`);
    if (record.pid !== undefined) {
      killGroup(record.pid, "SIGTERM");
      setTimeout(() => killGroup(record.pid!, "SIGKILL"), this.killGraceMs).unref();
    }
    if (record.ownerPid !== process.pid && !alive(record.ownerPid)) {
      writeJson(join(this.dir, "status.json"), {
        ...readStatus(this.dir),
        status: "cancelled",
        error: "Cancelled; the process group was stopped.",
        endedAt: new Date().toISOString(),
      });
      return;
    }
    await this.wait();
  }
}

export class LocalJobRunner implements JobRunner {
  readonly dir: string;
  readonly python: string;
  readonly killGraceMs: number;
  readonly #baseEnv: NodeJS.ProcessEnv;
  #owned = new Map<string, OwnedJob>();
  #present = new Set<string>();
  #limiter: { kind: "prlimit"; path: string } | { kind: "ulimit" } | undefined;

  constructor(options: LocalJobRunnerOptions = {}) {
    this.dir = resolve(options.dir ?? defaultJobsDir());
    this.python = options.python ?? "/usr/bin/python3";
    this.killGraceMs = options.killGraceMs ?? 3000;
    this.#baseEnv = options.baseEnv ?? process.env;
    if (options.memoryLimiter === "ulimit") this.#limiter = { kind: "ulimit" };
    if (options.memoryLimiter === "prlimit")
      this.#limiter = { kind: "prlimit", path: findOnPath("prlimit") ?? "prlimit" };
  }

  /** How `memoryMb` is enforced here: prlimit when on PATH, else `ulimit -v` under sh. */
  get memoryLimiter(): "prlimit" | "ulimit" {
    if (!this.#limiter) {
      const path = findOnPath("prlimit");
      this.#limiter = path ? { kind: "prlimit", path } : { kind: "ulimit" };
    }
    return this.#limiter.kind;
  }

  async run(spec: JobSpec): Promise<Job> {
    if ((spec.script === undefined) === (spec.scriptPath === undefined)) {
      throw new TypeError("run() needs exactly one of `script` and `scriptPath`");
    }
    if (!(spec.timeoutMs > 0)) throw new TypeError("run() needs a positive `timeoutMs`");
    if (spec.memoryMb !== undefined && !(spec.memoryMb > 0)) throw new TypeError("`memoryMb` must be positive");
    const id = `${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
    const dir = join(this.dir, id);
    mkdirSync(dir, { recursive: true });
    const scriptFile = join(dir, "script.py");
    let runFile = scriptFile;
    if (spec.scriptPath !== undefined) {
      runFile = resolve(spec.scriptPath);
      copyFileSync(runFile, scriptFile);
    } else {
      writeFileSync(scriptFile, spec.script!);
    }
    const cwd = resolve(spec.cwd ?? dir);
    const record: StatusRecord = {
      id,
      status: "queued",
      exitCode: null,
      signal: null,
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      python: this.python,
      args: spec.args ?? [],
      dependencies: spec.dependencies ?? [],
      timeoutMs: spec.timeoutMs,
      ...(spec.memoryMb !== undefined ? { memoryMb: spec.memoryMb, memoryLimiter: this.memoryLimiter } : {}),
      cwd,
    };
    writeJson(join(dir, "status.json"), record);
    const job = new OwnedJob(dir, record, this.killGraceMs);
    this.#owned.set(id, job);

    const problem = await this.#checkDependencies(spec.dependencies ?? []);
    if (problem) {
      await job.failEarly(problem);
      return job;
    }
    const pythonArgv = ["-u", runFile, ...(spec.args ?? [])];
    let command = this.python;
    let argv = pythonArgv;
    if (spec.memoryMb !== undefined) {
      const bytes = Math.floor(spec.memoryMb * 1024 * 1024);
      if (this.#limiter?.kind === "prlimit") {
        command = this.#limiter.path;
        argv = [`--as=${bytes}`, "--", this.python, ...pythonArgv];
      } else {
        command = "/bin/sh";
        argv = ["-c", `ulimit -v ${Math.floor(bytes / 1024)} && exec "$@"`, "sh", this.python, ...pythonArgv];
      }
    }
    job.start(command, argv, {
      cwd,
      env: {
        ...this.#baseEnv,
        PYTHONUNBUFFERED: "1",
        PYTHONIOENCODING: "utf-8",
        PYTHONDONTWRITEBYTECODE: "1",
        ...spec.env,
        PINCER_JOB_ID: id,
        PINCER_JOB_DIR: dir,
      },
    });
    return job;
  }

  async get(id: string): Promise<Job | undefined> {
    const owned = this.#owned.get(id);
    if (owned) return owned;
    if (!ID_PATTERN.test(id)) return undefined;
    const dir = join(this.dir, id);
    return readStatus(dir) ? new StoredJob(id, dir, this.killGraceMs) : undefined;
  }

  /** Every stored job, newest first. */
  async list(): Promise<JobInfo[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const records: JobInfo[] = [];
    for (const name of names) {
      const record = readStatus(join(this.dir, name));
      if (record) records.push(info(settleStale(record)));
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** The failure message for missing dependencies, or undefined when all are present. */
  async #checkDependencies(requirements: string[]): Promise<string | undefined> {
    const unknown = requirements.filter((req) => !this.#present.has(moduleFor(req)));
    if (unknown.length === 0) return undefined;
    let missing: string[];
    try {
      missing = await missingModules(this.python, [...new Set(unknown.map(moduleFor))]);
    } catch (error) {
      return (error as Error).message;
    }
    for (const req of unknown) if (!missing.includes(moduleFor(req))) this.#present.add(moduleFor(req));
    const absent = unknown.filter((req) => missing.includes(moduleFor(req)));
    return absent.length > 0 ? missingMessage(this.python, absent) : undefined;
  }
}
