import { defineTool } from "@pincer/sdk";
import { guarded, hubOf } from "./hub.js";
import { syncOutputs } from "./job-data.js";
import {
  FINAL_STAGES,
  type FollowedJob,
  followJob,
  formatDuration,
  type JobInfo,
  jobElapsedSeconds,
  jobProgress,
  withHeartbeat,
} from "./job-follow.js";
import { describeJob, HEARTBEAT_SECONDS, jobPath, namespaceParam } from "./jobs.js";

/** The longest a job may run on Hugging Face (48 h), and so the longest wait worth having. */
const WAIT_MAX_SECONDS = 172_800;
const UNTIL_MAX_CHARS = 200;

/**
 * hf_job_wait: blocks until a job ends, fails, prints a line containing `until`, or the wait's own
 * deadline passes — for hours if need be. It reports as it goes (the job's log lines, and a
 * heartbeat while the job is silent), which is what the user sees and what keeps the call's time
 * limits from cutting it. Its result carries `details.progress` (the job's stage and elapsed time),
 * so waiting on a running job again and again is progress to the loop guard, not a loop.
 *
 * A job that ended while nobody waited (the run was stopped and resumed) is reported at once.
 */
export const hfJobWait = defineTool<{
  id: string;
  namespace?: string;
  until?: string;
  timeoutSeconds?: number;
  reportEverySeconds?: number;
}>({
  name: "hf_job_wait",
  description: `Wait for a Hugging Face Job (or a local Hub's job) started earlier, e.g. by hf_job_run: blocks, for hours if need be, until the job ends (COMPLETED, ERROR, CANCELED), a log line contains \`until\`, or timeoutSeconds pass; streams the log and a heartbeat meanwhile. Returns the stage, exit code, metrics and log tail. Use it instead of polling hf_job_status. After a restart, call it with the job id from earlier in the session: a job that ended meanwhile is reported at once.`,
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      id: { type: "string", description: "The job id hf_job_run returned." },
      namespace: namespaceParam,
      until: {
        type: "string",
        minLength: 1,
        maxLength: UNTIL_MAX_CHARS,
        description: 'Also stop waiting when a log line contains this text (e.g. "epoch 3"); the job goes on.',
      },
      timeoutSeconds: {
        type: "integer",
        minimum: 1,
        maximum: WAIT_MAX_SECONDS,
        description: "Stop waiting after this many seconds (default: until the job ends); the job goes on.",
      },
      reportEverySeconds: {
        type: "integer",
        minimum: 1,
        maximum: 600,
        description: `How often to report that a silent job is still running (default ${HEARTBEAT_SECONDS}).`,
      },
    },
    required: ["id"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const path = await jobPath(ctx, args.namespace, args.id);
      const before = await hub.json<JobInfo>(path, { what: `The job ${args.id}` });
      const began = Date.now();
      let followed: FollowedJob;
      const alreadyEnded = FINAL_STAGES.has(before.status?.stage ?? "");
      if (alreadyEnded && before.tail !== undefined) {
        // The local Hub sends the tail with the status: nothing to follow.
        const tail = typeof before.tail === "string" ? before.tail.split("\n") : before.tail;
        followed = { info: before, tail, metrics: [], lines: tail.length, finished: true };
      } else {
        const until = args.until;
        followed = await withHeartbeat(
          { onUpdate: ctx.onUpdate, everyMs: (args.reportEverySeconds ?? HEARTBEAT_SECONDS) * 1000, job: before },
          () =>
            followJob({
              hub,
              path,
              ctx,
              waitSeconds: args.timeoutSeconds ?? WAIT_MAX_SECONDS,
              ...(until ? { until: (line: string) => line.includes(until) } : {}),
            }),
        );
      }
      const synced = followed.finished ? await syncOutputs(hub, path, followed.info.labels, ctx) : undefined;
      const info: JobInfo = {
        ...followed.info,
        metrics: followed.info.metrics?.length ? followed.info.metrics : followed.metrics,
        tail: followed.tail,
      };
      const stage = info.status?.stage ?? "UNKNOWN";
      const waited = (Date.now() - began) / 1000;
      const elapsed = formatDuration(jobElapsedSeconds(info));
      const failed = stage === "ERROR" || (typeof info.exitCode === "number" && info.exitCode !== 0);
      const note = alreadyEnded
        ? `Job ${info.id} had already ended ${stage} (it ran ${elapsed}); it finished while nobody was waiting.`
        : followed.finished
          ? `Job ${info.id} ended ${stage} after ${elapsed} (waited ${formatDuration(waited)}).`
          : followed.matched !== undefined
            ? `Job ${info.id} printed a line containing "${args.until}" after ${elapsed}; it is still ${stage}. Wait again with hf_job_wait to follow it to its end.`
            : `Stopped waiting after ${formatDuration(waited)}; job ${info.id} is still ${stage} (${elapsed} since it started). Wait again with hf_job_wait (id ${info.id}).`;
      return {
        content: `${note}\n${describeJob(info, true)}${synced ? `\n${synced}` : ""}`,
        details: {
          ...info,
          waitedSeconds: Math.round(waited),
          finished: followed.finished,
          ...(followed.matched !== undefined ? { matched: followed.matched } : {}),
          progress: jobProgress(info),
        },
        ...(failed ? { isError: true } : {}),
      };
    }),
});
