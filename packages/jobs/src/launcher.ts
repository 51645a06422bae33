// How a job's process is started. The runner decides what runs (the interpreter, the script, its
// memory limit) and the job's own variables; a launcher decides where and how: the host's is the
// OS sandbox every command Pincer starts runs in (the job's folders writable, the network as
// granted, a minimal environment, tied to the life of the process that started it). The runner
// has no default: whoever makes one says how its jobs are confined.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";

export interface JobLaunch {
  /** The job's working directory (its own folder unless the spec named one). */
  cwd: string;
  /** The job's folder: script, log, status; always writable by the job. */
  jobDir: string;
  /** The job's own variables (interpreter settings, the spec's env and secrets, PINCER_JOB_*). */
  env: Record<string, string>;
}

/**
 * A started job's process, as node's ChildProcess gives it and as the host's guarded spawn does
 * (whose pid may come a moment later, with `spawn`).
 */
export interface JobProcess {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  on(event: "spawn", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "exit" | "close", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface JobLauncher {
  /** How jobs run, in a word, kept in each job's status ("bubblewrap", "unconfined"). */
  readonly confinement: string;
  /**
   * Starts `command argv` detached (the leader of its own process group) with stdout and stderr
   * piped, or says why it will not.
   */
  launch(command: string, argv: string[], job: JobLaunch): JobProcess | { refused: string };
  /** The exit as the script ended it (a sandbox may report a signal as 128 + its number). */
  decodeExit?(
    code: number | null,
    signal: NodeJS.Signals | null,
  ): { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Jobs as plain processes of this machine: no OS sandbox. For tests and for callers that have
 * decided so; the environment is `baseEnv` (say which: a server's own secrets are its own) plus
 * the job's variables.
 */
export function unconfinedLauncher(baseEnv: NodeJS.ProcessEnv): JobLauncher {
  return {
    confinement: "unconfined",
    launch(command, argv, job) {
      return spawn(command, argv, {
        cwd: job.cwd,
        env: { ...baseEnv, ...job.env },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
    },
  };
}
