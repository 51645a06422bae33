import { type CostEstimate, defineTool, type PluginToolContext } from "@pincer/sdk";
import { Cron } from "croner";
import { DEFAULT_FLAVOR, DEFAULT_JOB_TIMEOUT_SECONDS, estimateJob, flavorNamed, unknownFlavor } from "./flavors.js";
import { DEFAULT_ENDPOINT, guarded, HubHttpError, hubOf, namespaceOf } from "./hub.js";
import { namespaceParam, scriptJobSpec } from "./jobs.js";
import { imageField, jobSpecProperties } from "./jobs-image.js";

/**
 * Hugging Face's scheduled jobs: a job spec (a Python script, or an image and a command) run on a
 * schedule (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly` or five-field cron, UTC). Creating
 * or resuming one is priced as the runs of its first week; suspending or deleting one costs nothing.
 */

const PRESETS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@hourly"];
const WEEK_MS = 7 * 24 * 3600 * 1000;

function cronOf(schedule: string): Cron | undefined {
  const text = schedule.trim();
  if (!PRESETS.includes(text) && text.split(/\s+/).length !== 5) return undefined;
  try {
    return new Cron(text, { paused: true, timezone: "UTC" });
  } catch {
    return undefined;
  }
}

/** How many runs a schedule makes in the week from `now` (at most one a minute, so at most 10,080). */
export function runsInAWeek(schedule: string, now = Date.now()): number | undefined {
  const cron = cronOf(schedule);
  if (!cron) return undefined;
  const end = now + WEEK_MS;
  let count = 0;
  for (let at = cron.nextRun(new Date(now)); at && at.getTime() <= end && count < 10_080; at = cron.nextRun(at))
    count++;
  return count;
}

/** A scheduled job's cost: one run's estimate × the runs of its first week. */
export function estimateSchedule(
  args: { schedule: string; flavor?: string | undefined; timeoutSeconds?: number | undefined },
  endpoint: string,
): CostEstimate | undefined {
  const runs = runsInAWeek(args.schedule);
  const one = estimateJob({ flavor: args.flavor, timeoutSeconds: args.timeoutSeconds, endpoint });
  if (runs === undefined || !one) return undefined;
  return {
    usd: one.usd * runs,
    summary: `${runs} run${runs === 1 ? "" : "s"} in its first week × (${one.summary}) ≈ $${(one.usd * runs).toFixed(2)}; it goes on until suspended or deleted`,
    category: "job",
  };
}

const endpointOf = (ctx: { env: { get(name: string): string | undefined } }) =>
  (ctx.env.get("HF_ENDPOINT") || DEFAULT_ENDPOINT).replace(/\/+$/, "");

async function scheduledPath(ctx: PluginToolContext, namespace: string | undefined, id?: string): Promise<string> {
  const owner = namespace ?? (await namespaceOf(hubOf(ctx), ctx));
  if (id !== undefined && !/^[\w.-]+$/.test(id)) throw new HubHttpError(400, `"${id}" is not a scheduled job id.`);
  return `/api/scheduled-jobs/${encodeURIComponent(owner)}${id ? `/${id}` : ""}`;
}

interface ScheduledJob {
  id: string;
  schedule: string;
  suspend?: boolean;
  concurrency?: boolean;
  jobSpec?: {
    flavor?: string;
    dockerImage?: string | null;
    spaceId?: string | null;
    command?: string[] | null;
    timeoutSeconds?: number | null;
  };
  status?: { lastJob?: { id: string; at: string } | null; nextJobRunAt?: string | null };
  emulation?: string;
}

function describe(job: ScheduledJob): string {
  const spec = job.jobSpec ?? {};
  const what = spec.dockerImage ?? (spec.spaceId ? `hf.co/spaces/${spec.spaceId}` : "script");
  const state = job.suspend ? "suspended" : `next run ${job.status?.nextJobRunAt ?? "unknown"}`;
  const last = job.status?.lastJob ? `; last run ${job.status.lastJob.at} (job ${job.status.lastJob.id})` : "";
  return `${job.id}: ${job.schedule}, ${spec.flavor ?? "?"}, ${what}; ${state}${last}${job.emulation ? `\n  ${job.emulation}` : ""}`;
}

const scheduleParam = {
  type: "string",
  description:
    '"@hourly", "@daily", "@weekly", "@monthly", "@yearly", or cron "minute hour day month weekday" in UTC (e.g. "0 3 * * 1").',
};

export const hfScheduledJobCreate = defineTool<{
  schedule: string;
  script?: string;
  dependencies?: string[];
  image?: string;
  command?: string[];
  env?: Record<string, string>;
  flavor?: string;
  timeoutSeconds?: number;
  concurrency?: boolean;
  suspend?: boolean;
  namespace?: string;
}>({
  name: "hf_scheduled_job_create",
  description:
    "Schedule a Hugging Face Job to run repeatedly (a nightly evaluation, a weekly retrain): a Python script (with pip dependencies) or an image and a command, on a schedule. Asks first with the cost of its first week of runs; it keeps running (and costing) until hf_scheduled_job_manage suspends or deletes it. HF_TOKEN goes to each run as a secret.",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      schedule: scheduleParam,
      script: { type: "string", description: "The Python source to run (or give image and command)." },
      dependencies: { type: "array", items: { type: "string" }, description: "pip requirements of the script." },
      image: { type: "string", description: "A Docker image or hf.co/spaces/owner/name (with command)." },
      command: { type: "array", items: { type: "string" }, minItems: 1 },
      ...jobSpecProperties,
      concurrency: {
        type: "boolean",
        description: "Start a run while the last one still runs (default false: skip it).",
      },
      suspend: { type: "boolean", description: "Create it suspended (default false)." },
      namespace: namespaceParam,
    },
    required: ["schedule"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: args.flavor ?? DEFAULT_FLAVOR }),
  estimateCost: (args, ctx) => estimateSchedule(args, endpointOf(ctx)),
  execute: (args, ctx) =>
    guarded(async () => {
      const flavor = args.flavor ?? DEFAULT_FLAVOR;
      if (!flavorNamed(flavor)) throw new HubHttpError(400, unknownFlavor(flavor));
      if (runsInAWeek(args.schedule) === undefined) {
        throw new HubHttpError(
          400,
          `"${args.schedule}" is not a schedule: use ${PRESETS.join(", ")} or five-field cron (UTC).`,
        );
      }
      if (Boolean(args.script) === Boolean(args.image))
        throw new HubHttpError(400, "Give either script, or image and command.");
      if (args.image && !args.command?.length) throw new HubHttpError(400, "An image job needs command.");
      const hub = hubOf(ctx);
      const token = ctx.env.get("HF_TOKEN");
      const fromScript = args.script ? scriptJobSpec(hub, args.script, args.dependencies ?? []) : {};
      const jobSpec = {
        ...fromScript,
        ...(args.image ? { ...imageField(args.image), command: args.command } : {}),
        environment: { ...((fromScript.environment as Record<string, string> | undefined) ?? {}), ...(args.env ?? {}) },
        flavor,
        timeoutSeconds: args.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS,
        ...(token ? { secrets: { HF_TOKEN: token } } : {}),
      };
      const job = await hub.json<ScheduledJob>(await scheduledPath(ctx, args.namespace), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          jobSpec,
          schedule: args.schedule,
          suspend: args.suspend ?? false,
          concurrency: args.concurrency ?? false,
        }),
        what: "The scheduled jobs namespace",
      });
      return {
        content: `Scheduled ${describe(job)}\nStop it with hf_scheduled_job_manage (suspend or delete).`,
        details: job,
      };
    }),
});

export const hfScheduledJobs = defineTool<{ id?: string; namespace?: string }>({
  name: "hf_scheduled_jobs",
  description:
    "List the scheduled Hugging Face Jobs (schedule, flavor, image, next and last run), or describe one by id.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      id: { type: "string", description: "One scheduled job's id (default: all)." },
      namespace: namespaceParam,
    },
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const path = await scheduledPath(ctx, args.namespace, args.id);
      if (args.id) {
        const job = await hub.json<ScheduledJob>(path, { what: `The scheduled job ${args.id}` });
        return { content: describe(job), details: job };
      }
      const jobs = await hub.json<ScheduledJob[]>(path, { what: "The scheduled jobs namespace" });
      if (jobs.length === 0) return { content: "No scheduled jobs.", details: { jobs: [] } };
      return {
        content: `${jobs.length} scheduled job${jobs.length === 1 ? "" : "s"}:\n${jobs.map(describe).join("\n")}`,
        details: { jobs },
      };
    }),
});

type ManageArgs = {
  id: string;
  action: "suspend" | "resume" | "delete";
  namespace?: string;
  schedule?: string;
  flavor?: string;
  timeoutSeconds?: number;
};

export const hfScheduledJobManage = defineTool<ManageArgs>({
  name: "hf_scheduled_job_manage",
  description:
    "Suspend, resume or delete a scheduled Hugging Face Job. Resuming starts its spending again, so it takes the job's schedule, flavor and timeoutSeconds (as hf_scheduled_jobs shows them) to show and count the cost; they must match the job's.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      id: { type: "string", description: "The scheduled job's id." },
      action: { type: "string", enum: ["suspend", "resume", "delete"] },
      namespace: namespaceParam,
      schedule: scheduleParam,
      flavor: jobSpecProperties.flavor,
      timeoutSeconds: jobSpecProperties.timeoutSeconds,
    },
    required: ["id", "action"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: `${args.action} ${args.id}` }),
  estimateCost: (args, ctx) =>
    args.action === "resume" && args.schedule
      ? estimateSchedule({ ...args, schedule: args.schedule }, endpointOf(ctx))
      : undefined,
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const path = await scheduledPath(ctx, args.namespace, args.id);
      if (args.action === "delete") {
        await hub.request(path, { method: "DELETE", what: `The scheduled job ${args.id}` });
        return { content: `Deleted the scheduled job ${args.id}: it runs no more.` };
      }
      if (args.action === "resume") {
        const job = await hub.json<ScheduledJob>(path, { what: `The scheduled job ${args.id}` });
        const spec = job.jobSpec ?? {};
        const given = {
          schedule: args.schedule,
          flavor: args.flavor ?? DEFAULT_FLAVOR,
          timeoutSeconds: args.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS,
        };
        const actual = {
          schedule: job.schedule,
          flavor: spec.flavor ?? DEFAULT_FLAVOR,
          timeoutSeconds: spec.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS,
        };
        if (
          given.schedule !== actual.schedule ||
          given.flavor !== actual.flavor ||
          given.timeoutSeconds !== actual.timeoutSeconds
        ) {
          throw new HubHttpError(
            400,
            `To resume ${args.id}, give its own schedule "${actual.schedule}", flavor ${actual.flavor} and timeoutSeconds ${actual.timeoutSeconds}, so its cost is counted.`,
          );
        }
      }
      // Hugging Face answers these with no body: the job is read back after.
      await hub.request(`${path}/${args.action}`, { method: "POST", what: `The scheduled job ${args.id}` });
      const job = await hub.json<ScheduledJob>(path, { what: `The scheduled job ${args.id}` });
      return { content: `${args.action === "suspend" ? "Suspended" : "Resumed"}: ${describe(job)}`, details: job };
    }),
});
