import { defineTool, type PluginToolContext } from "@pincer/sdk";
import {
  DEFAULT_FLAVOR,
  DEFAULT_JOB_TIMEOUT_SECONDS,
  estimateJob,
  flavorNamed,
  JOB_FLAVORS,
  unknownFlavor,
} from "./flavors.js";
import { base64, clip, DEFAULT_ENDPOINT, guarded, type Hub, HubHttpError, hubOf, namespaceOf } from "./hub.js";
import { type JobDataArgs, jobDataFields, jobDataProperties, syncOutputs } from "./job-data.js";
import { followJob, type JobInfo, jobProgress, readEvents, withHeartbeat } from "./job-follow.js";

/** The image Hugging Face Jobs runs a uv script in (as `hf jobs uv run` does). */
/** A job tool call's estimate: its flavor and timeout, on the Hub HF_ENDPOINT names. */
export function estimateJobCall(
  args: { flavor?: string | undefined; timeoutSeconds?: number | undefined },
  ctx: Pick<PluginToolContext, "env">,
) {
  return estimateJob({
    flavor: args.flavor,
    timeoutSeconds: args.timeoutSeconds,
    endpoint: (ctx.env.get("HF_ENDPOINT") || DEFAULT_ENDPOINT).replace(/\/+$/, ""),
  });
}

export const UV_IMAGE = "ghcr.io/astral-sh/uv:python3.12-bookworm";
const TAIL_LINES = 20;
const LOG_LINES_DEFAULT = 200;
const LOG_LINES_MAX = 2000;
const LOG_WAIT_DEFAULT = 30;
const LOG_WAIT_MAX = 300;
/** `wait` follows a job for its timeout plus this, to cover starting up and stopping. */
export const WAIT_SLACK_SECONDS = 60;
/**
 * How often a wait reports that the job is still running. A call's time limits (the kernel's and
 * the sandbox's, ten minutes each) count from its last report, so a wait of hours is not cut.
 */
export const HEARTBEAT_SECONDS = 60;

export const namespaceParam = {
  type: "string",
  description: "The user or organization that owns the job (default: the HF_TOKEN's user).",
};
const idParam = { type: "string", description: "The job id hf_job_run returned." };

export const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

function checkId(id: string): string {
  if (!/^[\w.-]+$/.test(id)) throw new HubHttpError(400, `"${id}" is not a job id.`);
  return id;
}

export async function jobPath(ctx: PluginToolContext, namespace: string | undefined, id?: string): Promise<string> {
  const owner = namespace ?? (await namespaceOf(hubOf(ctx), ctx));
  return `/api/jobs/${encodeURIComponent(owner)}${id ? `/${checkId(id)}` : ""}`;
}

export function describeJob(info: JobInfo, withTail: boolean): string {
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

export const hfJobRun = defineTool<
  {
    script: string;
    dependencies?: string[];
    flavor?: string;
    timeoutSeconds?: number;
    namespace?: string;
    wait?: boolean;
  } & JobDataArgs
>({
  name: "hf_job_run",
  description:
    'Run a Python script as a Hugging Face Job (with pip dependencies, on a CPU or GPU flavor). On Hugging Face this uses paid compute and may cost money, billed to the HF_TOKEN\'s account, so it asks first, showing the estimated cost (the flavor\'s hourly price × the timeout). In the job: HF_ENDPOINT is the Hub, and HF_TOKEN reaches only the repos listed in `repos` (on a local Hub a token is minted for them; on Hugging Face your HF_TOKEN is passed, as a secret, only when `repos` is set); `env` and `args` are its environment and sys.argv[1:]; on a local Hub, the workspace files listed in `inputs` are at $PINCER_INPUTS/<path> (read-only), and what it writes to $PINCER_OUTPUTS is copied into the workspace folder `outputs` when it ends and you wait for it. Returns the job id: follow it with hf_job_status and hf_job_logs, or pass wait: true to get the final status, exit code, metrics and log tail in the result. Print metrics as JSON lines, e.g. print(json.dumps({"step": 10, "loss": 0.5})).',
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
        enum: JOB_FLAVORS.map((flavor) => flavor.name),
        description: `The hardware and its price per hour (default "${DEFAULT_FLAVOR}"): ${JOB_FLAVORS.map((flavor) => `${flavor.name} $${flavor.usdPerHour.toFixed(2)}`).join(", ")}.`,
      },
      timeoutSeconds: {
        type: "integer",
        minimum: 1,
        maximum: 172800,
        description: `Stop the job after this many seconds (default ${DEFAULT_JOB_TIMEOUT_SECONDS}); the cost estimate is price × this.`,
      },
      namespace: namespaceParam,
      ...jobDataProperties,
      wait: {
        type: "boolean",
        description:
          "Follow the job until it ends (its timeout, however long), streaming its log, and return its final status, exit code, metrics and log tail (default false: return at once with the job id; then wait for it with hf_job_wait).",
      },
    },
    required: ["script"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: args.flavor ?? DEFAULT_FLAVOR }),
  estimateCost: estimateJobCall,
  execute: (args, ctx) =>
    guarded(async () => {
      const flavor = args.flavor ?? DEFAULT_FLAVOR;
      if (!flavorNamed(flavor)) throw new HubHttpError(400, unknownFlavor(flavor));
      const hub = hubOf(ctx);
      const dependencies = args.dependencies ?? [];
      const common = { flavor, timeoutSeconds: args.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS };
      const data = await jobDataFields(args, ctx, hub);
      const spec = scriptJobSpec(hub, args.script, dependencies);
      const command = spec.command as string[] | undefined;
      const body = {
        ...common,
        ...spec,
        ...data,
        environment: { ...data.environment, ...(spec.environment as Record<string, string> | undefined) },
        // The public Hub runs a shell command: the arguments follow the script there.
        ...(command && data.arguments.length
          ? { command: [...command.slice(0, 2), `${command[2]} "$@"`, "job", ...data.arguments], arguments: [] }
          : {}),
      };
      const info = await hub.json<JobInfo>(await jobPath(ctx, args.namespace), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        what: "The jobs namespace",
      });
      if (args.wait) return waitFor(ctx, args.namespace, info, common.timeoutSeconds);
      return {
        content: `Started job ${info.id} (${info.status?.stage ?? "RUNNING"}, ${info.flavor ?? common.flavor}).${info.url ? ` ${info.url}` : ""}\nWait for it with hf_job_wait (it blocks until the job ends, for hours if need be), or look in with hf_job_status or hf_job_logs.`,
        details: info,
      };
    }),
});

/**
 * How a Python script is sent as a job: the public Hub runs images, so the script travels
 * base64-encoded into uv's image and uv installs what it needs; another endpoint (a local Hub)
 * runs the script with its own interpreter.
 */
export function scriptJobSpec(hub: Hub, script: string, dependencies: string[]): Record<string, unknown> {
  if (!hub.isPublic) return { script, dependencies };
  return {
    dockerImage: UV_IMAGE,
    command: [
      "bash",
      "-c",
      `echo "$PINCER_SCRIPT" | base64 -d > /tmp/script.py && uv run ${dependencies.map((d) => `--with ${quote(d)}`).join(" ")} /tmp/script.py`,
    ],
    environment: { PINCER_SCRIPT: base64(script) },
  };
}

/** `wait: true`: the job followed to its end, its outcome as the result (an error when the job failed). */
export async function waitFor(
  ctx: PluginToolContext,
  namespace: string | undefined,
  started: JobInfo,
  timeoutSeconds: number,
): Promise<{ content: string; details: unknown; isError?: boolean }> {
  const waitSeconds = timeoutSeconds + WAIT_SLACK_SECONDS;
  const path = await jobPath(ctx, namespace, started.id);
  const began = Date.now();
  const followed = await withHeartbeat(
    { onUpdate: ctx.onUpdate, everyMs: HEARTBEAT_SECONDS * 1000, job: started },
    () => followJob({ hub: hubOf(ctx), path, ctx, waitSeconds }),
  );
  const synced = followed.finished ? await syncOutputs(hubOf(ctx), path, followed.info.labels, ctx) : undefined;
  const info: JobInfo = {
    ...followed.info,
    // The local Hub parses metrics itself; the public one leaves it to us.
    metrics: followed.info.metrics?.length ? followed.info.metrics : followed.metrics,
    tail: followed.tail,
  };
  const waited = Math.round((Date.now() - began) / 1000);
  const stage = info.status?.stage ?? "UNKNOWN";
  const failed = stage === "ERROR" || (typeof info.exitCode === "number" && info.exitCode !== 0);
  const note = followed.finished
    ? `Waited ${waited}s for job ${info.id}; it ended ${stage}.`
    : `Waited ${waited}s for job ${info.id}; it is still ${stage}. Follow it with hf_job_logs or hf_job_status (id ${info.id}).`;
  return {
    content: `${note}\n${describeJob(info, true)}${synced ? `\n${synced}` : ""}`,
    details: {
      ...info,
      waitedSeconds: waited,
      finished: followed.finished,
      logLines: followed.lines,
      progress: jobProgress(info),
    },
    ...(failed ? { isError: true } : {}),
  };
}

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
      return { content: describeJob(info, true), details: { ...info, progress: jobProgress(info) } };
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
      // Where the job stands, for the loop guard: reading a silent running job's log again is waiting, not a loop.
      const info = ended
        ? undefined
        : await hub.json<JobInfo>(path.replace(/\/logs$/, ""), { what: `The job ${args.id}` });
      return {
        content: `${lines.length ? `${lines.join("\n")}\n` : "(no log lines)\n"}${why}`,
        details: { lines: lines.length, ended, timedOut, ...(info ? { progress: jobProgress(info) } : {}) },
      };
    }),
});

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
