import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { base64, clip, guarded, HubHttpError, hubOf, namespaceOf } from "./hub.js";

/** The image Hugging Face Jobs runs a uv script in (as `hf jobs uv run` does). */
export const UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm";
const TAIL_LINES = 20;
const LOG_LINES_DEFAULT = 200;
const LOG_LINES_MAX = 2000;
const LOG_WAIT_DEFAULT = 30;
const LOG_WAIT_MAX = 300;

interface JobInfo {
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
}

const namespaceParam = {
  type: "string",
  description: "The user or organization that owns the job (default: the HF_TOKEN's user).",
};
const idParam = { type: "string", description: "The job id hf_job_run returned." };

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

function checkId(id: string): string {
  if (!/^[\w.-]+$/.test(id)) throw new HubHttpError(400, `"${id}" is not a job id.`);
  return id;
}

async function jobPath(ctx: PluginToolContext, namespace: string | undefined, id?: string): Promise<string> {
  const owner = namespace ?? (await namespaceOf(hubOf(ctx), ctx));
  return `/api/jobs/${encodeURIComponent(owner)}${id ? `/${checkId(id)}` : ""}`;
}

function describeJob(info: JobInfo, withTail: boolean): string {
  const stage = info.status?.stage ?? "UNKNOWN";
  const lines = [`Job ${info.id}: ${stage}${info.status?.message ? ` (${info.status.message})` : ""}`];
  if (info.flavor) lines.push(`Flavor: ${info.flavor}`);
  if (info.exitCode !== undefined && info.exitCode !== null) lines.push(`Exit code: ${info.exitCode}`);
  if (info.error && info.error !== info.status?.message) lines.push(`Error: ${info.error}`);
  if (info.url) lines.push(`URL: ${info.url}`);
  if (info.metrics?.length) {
    lines.push(`Metrics (last ${Math.min(info.metrics.length, 5)} of ${info.metrics.length}):`);
    for (const metric of info.metrics.slice(-5)) lines.push(`  ${JSON.stringify(metric)}`);
  }
  const tail = typeof info.tail === "string" ? info.tail.split("\n") : info.tail;
  if (withTail && tail?.length) {
    lines.push(`Log tail:`, ...tail.slice(-TAIL_LINES).map((line) => `  ${clip(line, 500)}`));
  }
  return lines.join("\n");
}

export const hfJobRun = defineTool<{
  script: string;
  dependencies?: string[];
  flavor?: string;
  timeoutSeconds?: number;
  namespace?: string;
}>({
  name: "hf_job_run",
  description:
    "Run a Python script as a Hugging Face Job (with pip dependencies, on a CPU or GPU flavor). On Hugging Face this uses paid compute and may cost money, billed to the HF_TOKEN's account, so it asks first. HF_TOKEN is passed to the job as a secret. Returns the job id: follow it with hf_job_status and hf_job_logs.",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      script: { type: "string", description: "The Python source to run." },
      dependencies: {
        type: "array",
        items: { type: "string" },
        description: 'pip requirements the script needs (e.g. ["transformers", "datasets>=3"]).',
      },
      flavor: {
        type: "string",
        description: 'The hardware (default "cpu-basic"; e.g. "cpu-upgrade", "t4-small", "a10g-large", "a100-large").',
      },
      timeoutSeconds: {
        type: "integer",
        minimum: 1,
        maximum: 172800,
        description: "Stop the job after this many seconds (default 1800).",
      },
      namespace: namespaceParam,
    },
    required: ["script"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: args.flavor ?? "cpu-basic" }),
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const token = ctx.env.get("HF_TOKEN");
      const dependencies = args.dependencies ?? [];
      const common = {
        flavor: args.flavor ?? "cpu-basic",
        timeoutSeconds: args.timeoutSeconds ?? 1800,
        ...(token ? { secrets: { HF_TOKEN: token } } : {}),
      };
      // The public Hub runs images: the script travels base64-encoded and uv installs what it needs.
      // Another endpoint (a local Hub) runs the script with its own interpreter.
      const body = hub.isPublic
        ? {
            ...common,
            dockerImage: UV_IMAGE,
            command: [
              "bash",
              "-c",
              `echo "$PINCER_SCRIPT" | base64 -d > /tmp/script.py && uv run ${dependencies.map((d) => `--with ${quote(d)}`).join(" ")} /tmp/script.py`,
            ],
            environment: { PINCER_SCRIPT: base64(args.script) },
          }
        : { ...common, script: args.script, dependencies };
      const info = await hub.json<JobInfo>(await jobPath(ctx, args.namespace), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        what: "The jobs namespace",
      });
      return {
        content: `Started job ${info.id} (${info.status?.stage ?? "RUNNING"}, ${info.flavor ?? common.flavor}).${info.url ? ` ${info.url}` : ""}\nFollow it with hf_job_status or hf_job_logs.`,
        details: info,
      };
    }),
});

export const hfJobStatus = defineTool<{ id: string; namespace?: string }>({
  name: "hf_job_status",
  description:
    "The status of a Hugging Face Job: its stage (RUNNING, COMPLETED, ERROR, CANCELED), exit code, reported metrics and the tail of its log.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { id: idParam, namespace: namespaceParam },
    required: ["id"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const info = await hubOf(ctx).json<JobInfo>(await jobPath(ctx, args.namespace, args.id), {
        what: `The job ${args.id}`,
      });
      return { content: describeJob(info, true), details: info };
    }),
});

export const hfJobLogs = defineTool<{ id: string; namespace?: string; maxLines?: number; timeoutSeconds?: number }>({
  name: "hf_job_logs",
  description:
    "Read a Hugging Face Job's log: follows the log stream until the job ends, maxLines lines have arrived, or timeoutSeconds have passed (then the job may still be running; call again or use hf_job_status).",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      id: idParam,
      namespace: namespaceParam,
      maxLines: {
        type: "integer",
        minimum: 1,
        maximum: LOG_LINES_MAX,
        description: `Stop after this many lines (default ${LOG_LINES_DEFAULT}).`,
      },
      timeoutSeconds: {
        type: "integer",
        minimum: 1,
        maximum: LOG_WAIT_MAX,
        description: `Stop waiting after this many seconds (default ${LOG_WAIT_DEFAULT}).`,
      },
    },
    required: ["id"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const path = `${await jobPath(ctx, args.namespace, args.id)}/logs`;
      const maxLines = Math.min(args.maxLines ?? LOG_LINES_DEFAULT, LOG_LINES_MAX);
      const controller = new AbortController();
      const onAbort = () => controller.abort(ctx.signal.reason);
      ctx.signal.addEventListener("abort", onAbort);
      let timedOut = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          controller.abort();
        },
        Math.min(args.timeoutSeconds ?? LOG_WAIT_DEFAULT, LOG_WAIT_MAX) * 1000,
      );
      const lines: string[] = [];
      let ended = false;
      try {
        const res = await hub.request(path, {
          headers: { Accept: "text/event-stream" },
          signal: controller.signal,
          what: `The job ${args.id}`,
        });
        ended = await readEvents(res, (line) => {
          lines.push(line);
          ctx.onUpdate(line);
          return lines.length < maxLines;
        });
      } catch (error) {
        if (!timedOut || ctx.signal.aborted) throw error;
      } finally {
        clearTimeout(timer);
        ctx.signal.removeEventListener("abort", onAbort);
      }
      const why = ended
        ? "[end of log]"
        : timedOut
          ? `[stopped after ${args.timeoutSeconds ?? LOG_WAIT_DEFAULT}s; the job may still be running]`
          : `[stopped at ${maxLines} lines; the job may still be running]`;
      return {
        content: `${lines.length ? `${lines.join("\n")}\n` : "(no log lines)\n"}${why}`,
        details: { lines: lines.length, ended, timedOut },
      };
    }),
});

/** Reads Server-Sent Events, one log line per `data:` event; true when the stream ended, false when `onLine` stopped it. */
async function readEvents(res: Response, onLine: (line: string) => boolean): Promise<boolean> {
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

export const hfJobCancel = defineTool<{ id: string; namespace?: string }>({
  name: "hf_job_cancel",
  description: "Cancel a running Hugging Face Job (its output so far is kept). It asks first.",
  kind: "other",
  parameters: {
    type: "object",
    properties: { id: idParam, namespace: namespaceParam },
    required: ["id"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: args.id }),
  execute: (args, ctx) =>
    guarded(async () => {
      const info = await hubOf(ctx).json<JobInfo>(`${await jobPath(ctx, args.namespace, args.id)}/cancel`, {
        method: "POST",
        what: `The job ${args.id}`,
      });
      return { content: `Cancelled. ${describeJob(info, false)}`, details: info };
    }),
});
