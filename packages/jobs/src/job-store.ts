// Jobs on disk: where they live, and each job's `status.json`, written atomically (a reader in
// another process never sees half a file) and read back with a record whose owner died settled
// as failed.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { alive } from "./process-group.js";
import { type JobInfo, TERMINAL_STATUSES } from "./types.js";

/** What `status.json` holds. */
export interface StatusRecord extends JobInfo {
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
  /** How the job's process was confined (its launcher's word: "bubblewrap", "unconfined"). */
  confinement?: string;
}

export function defaultJobsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.PINCER_HOME || join(homedir(), ".pincer")), "jobs");
}

export function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function readStatus(dir: string): StatusRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as StatusRecord;
  } catch {
    return undefined;
  }
}

/** A record whose owner died before the job ended can never end: report it as failed. */
export function settleStale(record: StatusRecord): StatusRecord {
  if (TERMINAL_STATUSES.has(record.status) || record.ownerPid === process.pid || alive(record.ownerPid)) return record;
  return {
    ...record,
    status: "failed",
    error: `The process that ran this job (pid ${record.ownerPid}) exited before the job ended.`,
  };
}

export function info(record: StatusRecord): JobInfo {
  const { id, status, exitCode, signal, error, createdAt, startedAt, endedAt } = record;
  return { id, status, exitCode, signal, ...(error ? { error } : {}), createdAt, startedAt, endedAt };
}
