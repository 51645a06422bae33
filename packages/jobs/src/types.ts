// The job model: one interface for any backend that runs a Python script somewhere and reports
// back (this package's LocalJobRunner; a Hugging Face Jobs backend could implement the same).

/**
 * `queued`: stored, dependencies being checked, nothing spawned yet. `running`: the script's
 * process is alive. The rest are terminal: `completed` (exit 0), `failed` (non-zero exit, a
 * signal, or a missing dependency), `cancelled` (`cancel()`), `timed_out` (ran past `timeoutMs`),
 * `oom` (ran out of memory: MemoryError under the limit, or killed by the OOM killer).
 */
export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled" | "timed_out" | "oom";

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "completed",
  "failed",
  "cancelled",
  "timed_out",
  "oom",
]);

export interface JobSpec {
  /** Python source to run (stored as `script.py`). Exactly one of `script` and `scriptPath`. */
  script?: string;
  /** A Python file to run in place (so its sibling modules import); a copy is stored as `script.py`. */
  scriptPath?: string;
  /** Command-line arguments after the script. */
  args?: string[];
  /** pip names (`torch`, `scikit-learn`, `pillow>=10`): checked before the script starts. */
  dependencies?: string[];
  /** Extra environment variables, on top of this process's. */
  env?: Record<string, string>;
  /** Wall-clock limit; past it the whole process group is killed and the job is `timed_out`. */
  timeoutMs: number;
  /** Address-space limit in MiB; exceeding it ends the job as `oom`. */
  memoryMb?: number;
  /** Working directory of the script; the job's own directory when absent. */
  cwd?: string;
  /**
   * Files for the job, by relative path: written under `<job dir>/inputs/` (PINCER_INPUTS), read-only.
   * Every job also gets an empty `outputs/` (PINCER_OUTPUTS) for what it leaves behind (job-files.ts).
   */
  inputs?: Record<string, Uint8Array>;
}

/** One line of output that carried numbers (see metrics.ts for the convention). */
export interface MetricPoint {
  /** 1-based line number in the job's log. */
  line: number;
  values: Record<string, number>;
}

/** What a job ended with: everything a model needs to decide what to do next. */
export interface JobResult {
  id: string;
  status: JobStatus;
  exitCode: number | null;
  signal: string | null;
  /** A sentence saying what went wrong (absent when `completed`). */
  error?: string;
  durationMs: number | null;
  /** The last lines of the log (up to 50). */
  tail: string[];
  metrics: MetricPoint[];
}

/** A job's record as listed, without its log. */
export interface JobInfo {
  id: string;
  status: JobStatus;
  exitCode: number | null;
  signal: string | null;
  error?: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
}

export interface Job {
  readonly id: string;
  readonly status: JobStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error: string | undefined;
  /** Numbers parsed from the output so far, in order. */
  readonly metrics: readonly MetricPoint[];
  /** Every line so far then, while the job runs, each new line as it comes; ends with the job. */
  logs(): AsyncIterable<string>;
  /** The last `n` lines of the log (default 50). */
  tail(n?: number): string[];
  /** Resolves once the job has ended (never rejects: failures are in the result). */
  wait(): Promise<JobResult>;
  /** Stops the job (process group: SIGTERM, then SIGKILL after a grace period); resolves when it has ended. */
  cancel(): Promise<void>;
}

export interface JobRunner {
  run(spec: JobSpec): Promise<Job>;
  get(id: string): Promise<Job | undefined>;
  list(): Promise<JobInfo[]>;
}
