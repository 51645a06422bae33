import type { PluginToolContext } from "@pincer/sdk";
import type { Hub } from "./hub.js";

/** A Hub job as the Jobs API describes it (the local Hub adds metrics and a log tail). */
export interface JobInfo {
  id: string;
  status?: { stage?: string; message?: string | null };
  flavor?: string;
  url?: string;
  exitCode?: number | null;
  error?: string;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
  metrics?: Record<string, unknown>[];
  tail?: string[] | string;
  labels?: Record<string, string>;
}

/** Stages after which a job never runs again. */
export const FINAL_STAGES = new Set(["COMPLETED", "ERROR", "CANCELED", "CANCELLED", "DELETED"]);
const TAIL_KEPT = 50;
const METRICS_KEPT = 500;

export interface FollowedJob {
  info: JobInfo;
  /** The last lines of its log. */
  tail: string[];
  /** Metrics the script printed as JSON lines (`{"step": 10, "loss": 0.5}`). */
  metrics: Record<string, number>[];
  lines: number;
  /** False when the wait ran out (or `until` matched) before the job ended. */
  finished: boolean;
  /** The log line `until` matched, when one did. */
  matched?: string;
}

/**
 * Follows a job until it ends: its log lines go to `ctx.onUpdate` as they arrive, then its final
 * status is read. A log stream that ends (or breaks) while the job still runs — it may not have
 * started — is reopened after a pause, skipping the lines already seen. Stops after `waitSeconds`
 * with `finished: false`; the turn's abort stops it at once.
 */
export async function followJob(options: {
  hub: Hub;
  /** `/api/jobs/{namespace}/{id}`. */
  path: string;
  ctx: Pick<PluginToolContext, "signal" | "onUpdate">;
  waitSeconds: number;
  pollMs?: number;
  /** A log line this says yes to ends the wait at once (the job goes on). */
  until?: (line: string) => boolean;
}): Promise<FollowedJob> {
  const { hub, path, ctx } = options;
  const what = `The job at ${path}`;
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onAbort);
  if (ctx.signal.aborted) onAbort();
  const timer = setTimeout(() => controller.abort(), options.waitSeconds * 1000);
  const tail: string[] = [];
  const metrics: Record<string, number>[] = [];
  let seen = 0;
  let matched: string | undefined;
  const record = (line: string) => {
    ctx.onUpdate(line);
    tail.push(line);
    if (tail.length > TAIL_KEPT) tail.shift();
    const values = jsonMetrics(line);
    if (values && metrics.length < METRICS_KEPT) metrics.push(values);
    if (matched === undefined && options.until?.(line)) matched = line;
  };
  try {
    while (!controller.signal.aborted) {
      let index = 0;
      try {
        const res = await hub.request(`${path}/logs`, {
          headers: { Accept: "text/event-stream" },
          signal: controller.signal,
          what,
        });
        await readEvents(res, (line) => {
          if (++index > seen) {
            seen = index;
            record(line);
          }
          return matched === undefined;
        });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        if (controller.signal.aborted) break;
        // The log is not there yet, or the stream broke: the status says whether to keep waiting.
      }
      const info = await hub.json<JobInfo>(path, { signal: controller.signal, what }).catch((error: unknown) => {
        if (ctx.signal.aborted || !controller.signal.aborted) throw error;
        return undefined;
      });
      const finished = FINAL_STAGES.has(info?.status?.stage ?? "");
      if (info && (finished || matched !== undefined)) {
        return { info, tail, metrics, lines: seen, finished, ...(matched !== undefined ? { matched } : {}) };
      }
      await pause(options.pollMs ?? 1000, controller.signal);
    }
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("Cancelled.");
  // Out of time: the job goes on; say where it stands.
  const info = await hub.json<JobInfo>(path, { what });
  return { info, tail, metrics, lines: seen, finished: FINAL_STAGES.has(info.status?.stage ?? "") };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

/** The finite numbers of a line that is a JSON object, or undefined. */
export function jsonMetrics(line: string): Record<string, number> | undefined {
  const text = line.trim();
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === "number" && Number.isFinite(value)) values[key] = value;
    }
    return Object.keys(values).length > 0 ? values : undefined;
  } catch {
    return undefined;
  }
}

/** Reads Server-Sent Events, one log line per `data:` event; true when the stream ended, false when `onLine` stopped it. */
export async function readEvents(res: Response, onLine: (line: string) => boolean): Promise<boolean> {
  const reader = res.body?.getReader();
  if (!reader) return true;
  const decoder = new TextDecoder();
  let buffer = "";
  const handle = (raw: string): boolean => {
    if (!raw.startsWith("data:")) return true;
    const data = raw.slice(5).trimStart();
    let line = data;
    try {
      const event = JSON.parse(data) as { data?: unknown };
      if (typeof event.data === "string") line = event.data;
    } catch {
      // A plain-text event: the line itself.
    }
    return onLine(line.replace(/\n$/, ""));
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let index = buffer.indexOf("\n");
    while (index >= 0) {
      const raw = buffer.slice(0, index).replace(/\r$/, "");
      buffer = buffer.slice(index + 1);
      if (!handle(raw)) {
        await reader.cancel().catch(() => undefined);
        return false;
      }
      index = buffer.indexOf("\n");
    }
  }
  if (buffer) handle(buffer);
  return true;
}

/** Seconds a job has been under way: from its start (or creation) to its end, or to now. */
export function jobElapsedSeconds(info: JobInfo, now = Date.now()): number {
  const start = Date.parse(info.startedAt ?? info.createdAt ?? "");
  if (!Number.isFinite(start)) return 0;
  const end = info.endedAt ? Date.parse(info.endedAt) : now;
  return Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : 0;
}

/**
 * A job's state as the kernel's loop guard reads it (`details.progress`): asking about a job
 * again is progress while its stage changes or while it runs and its elapsed time grows.
 */
export function jobProgress(info: JobInfo): { key: string; state: string; active: boolean; elapsedSeconds: number } {
  const state = info.status?.stage ?? "UNKNOWN";
  return { key: info.id, state, active: !FINAL_STAGES.has(state), elapsedSeconds: jobElapsedSeconds(info) };
}

/** `45s`, `12m 05s`, `3h 04m`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m ${String(total % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/**
 * Runs `work` while telling `onUpdate` every `everyMs` that the job is still being waited on. The
 * heartbeat is what the user sees of a silent job, and what keeps the call's time limits (which
 * count from its last progress update) from cutting a wait of hours.
 */
export async function withHeartbeat<T>(
  options: { onUpdate: (text: string) => void; everyMs: number; job: JobInfo },
  work: () => Promise<T>,
): Promise<T> {
  const began = Date.now();
  const timer = setInterval(() => {
    const waited = formatDuration((Date.now() - began) / 1000);
    const elapsed = formatDuration(jobElapsedSeconds(options.job));
    options.onUpdate(`[waiting on job ${options.job.id}: ${elapsed} since it started, waited ${waited}]`);
  }, options.everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
