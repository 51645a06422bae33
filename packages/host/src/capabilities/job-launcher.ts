import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { childEnv } from "./child-env.js";
import { openLoopbackBridge, SANDBOX_SOCKET_DIR } from "./loopback-bridge.js";
import { bwrapArgs, type OsSandboxSettings, resolveConfinement } from "./os-sandbox.js";
import { type GuardedProcess, spawnGuarded } from "./process-guard.js";
import { processRecordsFor } from "./process-records.js";

/** What @pincer/jobs asks of a launcher (structurally: the host does not depend on the jobs package). */
export interface HostJobLauncher {
  readonly confinement: string;
  launch(
    command: string,
    argv: string[],
    job: { cwd: string; jobDir: string; env: Record<string, string> },
  ): GuardedProcess | { refused: string };
  decodeExit(
    code: number | null,
    signal: NodeJS.Signals | null,
  ): { code: number | null; signal: NodeJS.Signals | null };
}

export interface JobLauncherOptions {
  sandbox: OsSandboxSettings;
  /** The user's environment: the minimal base and `sandbox.env` come from it. */
  env: NodeJS.ProcessEnv;
  /**
   * The one loopback address a job may reach without a network grant: the local Hub serving it
   * (its address once listening). Everything else stays cut off.
   */
  loopback?: () => { host: string; port: number } | undefined;
}

/**
 * Local training jobs (@pincer/jobs, the local Hub's Jobs API, `hf_job_run` on the local runner)
 * run like every other command Pincer starts: inside bubblewrap with the job's folder and working
 * directory writable, a private /tmp and caches inside the job's folder, no network but the Hub's
 * own loopback address (bridged in, see loopback-bridge.ts), a minimal environment plus the job's
 * variables, and dying with the process that started them. Without a sandbox, jobs run only when
 * the user chose `sandbox.os: "off"`: a server has nobody to ask, so otherwise they are refused.
 */
export function createJobLauncher(options: JobLauncherOptions): HostJobLauncher {
  const records = processRecordsFor(options.sandbox.stateDir);
  const probe = resolveConfinement(options.sandbox, { writeRoots: [], env: options.env });
  return {
    confinement: "policy" in probe ? "bubblewrap" : "unconfined",
    launch(command, argv, job) {
      const writeRoots = [job.jobDir, job.cwd];
      const confinement = resolveConfinement(options.sandbox, { writeRoots, env: options.env });
      const env = { ...childEnv(options.env, options.sandbox.env ?? []), ...cachesIn(job.jobDir), ...job.env };
      const label = `job ${job.jobDir}: ${[command, ...argv].join(" ")}`;
      const common = { cwd: job.cwd, label, ...(records ? { records } : {}) };
      if ("unconfined" in confinement) {
        if (confinement.unconfined === "ask") {
          return {
            refused: `Refused to run the job: jobs run only inside the OS sandbox, and there is ${confinement.reason}.`,
          };
        }
        return spawnGuarded(command, argv, {
          ...common,
          env,
          stdio: ["ignore", "pipe", "pipe"],
          diesWithParent: false,
        });
      }
      const { policy } = confinement;
      const privateTmp = join(job.jobDir, "tmp");
      mkdirSync(privateTmp, { recursive: true });
      const target = policy.network ? undefined : options.loopback?.();
      const bridge = target ? openLoopbackBridge(target) : undefined;
      const inner = bridge ? bridge.wrap([command, ...argv]) : [command, ...argv];
      // The files handed to the job (`inputs/`, see @pincer/jobs) are mounted read-only over its writable folder.
      const inputs = join(job.jobDir, "inputs");
      const readOnly = existsSync(inputs) ? ["--ro-bind", realpathSync(inputs), realpathSync(inputs)] : [];
      const extra = [...readOnly, ...(bridge ? ["--ro-bind", bridge.dir, SANDBOX_SOCKET_DIR] : [])];
      const args = bwrapArgs(policy, {
        cwd: realpathSync(job.cwd),
        privateTmp: realpathSync(privateTmp),
        argv: inner,
        ...(extra.length ? { extra } : {}),
      });
      const child = spawnGuarded(policy.bwrap, args, {
        ...common,
        env: { ...env, TMPDIR: "/tmp" },
        stdio: ["ignore", "pipe", "pipe"],
        diesWithParent: true,
      });
      child.once("close", () => bridge?.close());
      child.once("error", () => bridge?.close());
      return child;
    },
    decodeExit(code, signal) {
      if (!("policy" in probe)) return { code, signal };
      // bwrap reports a command killed by a signal as 128 + its number.
      if (signal || code === null || code <= 128 || code > 128 + 64) return { code, signal };
      const name = (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>).find(
        ([, number]) => number === code - 128,
      )?.[0];
      return name ? { code: null, signal: name } : { code, signal };
    },
  };
}

/** Caches a job's libraries write (Hugging Face, pip, matplotlib, torch) go to its own folder. */
function cachesIn(jobDir: string): Record<string, string> {
  const cache = join(jobDir, ".cache");
  return {
    XDG_CACHE_HOME: cache,
    HF_HOME: join(cache, "huggingface"),
    MPLCONFIGDIR: join(cache, "matplotlib"),
    PIP_CACHE_DIR: join(cache, "pip"),
  };
}
