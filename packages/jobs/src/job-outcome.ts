// How a job ended: the status and the sentence explaining it, from its exit and last log lines, and
// the result a caller of wait() gets.

import type { StatusRecord } from "./job-store.js";
import { MetricLineReader } from "./metrics.js";
import type { JobResult, JobStatus, MetricPoint } from "./types.js";

export const TAIL_LINES = 50;

export function metricsOf(lines: readonly string[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  const reader = new MetricLineReader();
  lines.forEach((line, index) => {
    const values = reader.read(line);
    if (values) points.push({ line: index + 1, values });
  });
  return points;
}

export function resultOf(record: StatusRecord, lines: readonly string[], metrics: readonly MetricPoint[]): JobResult {
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
export function classify(
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
