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
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DependencyChecker } from "./dependencies.js";
import { INPUTS_DIR, OUTPUTS_DIR, writeInputs } from "./job-files.js";
import { defaultJobsDir, info, readStatus, type StatusRecord, settleStale, writeJson } from "./job-store.js";
import type { JobLauncher } from "./launcher.js";
import { findOnPath, type MemoryLimiter, withMemoryLimit } from "./memory-limit.js";
import { OwnedJob } from "./owned-job.js";
import { StoredJob } from "./stored-job.js";
import type { Job, JobInfo, JobRunner, JobSpec } from "./types.js";

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
   * How each job's process starts: the host's OS sandbox (`createJobLauncher` in @pincer/host),
   * or `unconfinedLauncher(env)` for a caller that decided its jobs run as plain processes.
   */
  launcher: JobLauncher;
}

const ID_PATTERN = /^[A-Za-z0-9][\w.-]*$/;

export class LocalJobRunner implements JobRunner {
  readonly dir: string;
  readonly python: string;
  readonly killGraceMs: number;
  readonly #launcher: JobLauncher;
  #owned = new Map<string, OwnedJob>();
  readonly #dependencies: DependencyChecker;
  #limiter: MemoryLimiter | undefined;

  constructor(options: LocalJobRunnerOptions) {
    this.dir = resolve(options.dir ?? defaultJobsDir());
    this.python = options.python ?? "/usr/bin/python3";
    this.killGraceMs = options.killGraceMs ?? 3000;
    this.#launcher = options.launcher;
    this.#dependencies = new DependencyChecker(this.python);
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
    if (spec.inputs) writeInputs(dir, spec.inputs);
    mkdirSync(join(dir, OUTPUTS_DIR), { recursive: true });
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
      confinement: this.#launcher.confinement,
    };
    writeJson(join(dir, "status.json"), record);
    const job = new OwnedJob(dir, record, this.killGraceMs, this.#launcher);
    this.#owned.set(id, job);

    const problem = await this.#dependencies.check(spec.dependencies ?? []);
    if (problem) {
      await job.failEarly(problem);
      return job;
    }
    const pythonArgv = ["-u", runFile, ...(spec.args ?? [])];
    const { command, argv } =
      spec.memoryMb !== undefined
        ? withMemoryLimit(this.#limiter, this.python, pythonArgv, spec.memoryMb)
        : { command: this.python, argv: pythonArgv };
    await job.start(command, argv, {
      cwd,
      env: {
        PYTHONUNBUFFERED: "1",
        PYTHONIOENCODING: "utf-8",
        PYTHONDONTWRITEBYTECODE: "1",
        ...spec.env,
        PINCER_JOB_ID: id,
        PINCER_JOB_DIR: dir,
        PINCER_OUTPUTS: join(dir, OUTPUTS_DIR),
        ...(spec.inputs ? { PINCER_INPUTS: join(dir, INPUTS_DIR) } : {}),
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
}
