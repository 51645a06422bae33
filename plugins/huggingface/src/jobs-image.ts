import { defineTool } from "@pincer/sdk";
import { DEFAULT_FLAVOR, DEFAULT_JOB_TIMEOUT_SECONDS, flavorNamed, JOB_FLAVORS, unknownFlavor } from "./flavors.js";
import { guarded, HubHttpError, hubOf } from "./hub.js";
import type { JobInfo } from "./job-follow.js";
import { estimateJobCall, jobPath, namespaceParam, waitFor } from "./jobs.js";

/** What a container job runs: a Docker image (`pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime`) or a Space's (`hf.co/spaces/owner/name`). */
export function imageField(image: string): { dockerImage: string } | { spaceId: string } {
  const text = image.trim();
  const space = /^(?:https?:\/\/)?(?:hf\.co|huggingface\.co)\/spaces\/([\w.-]+\/[\w.-]+)\/?$/.exec(text);
  if (space) return { spaceId: space[1] as string };
  if (!/^[\w.-]+(?::\d+)?(?:\/[\w.-]+)*(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/.test(text)) {
    throw new HubHttpError(
      400,
      `"${image}" is not a Docker image (e.g. python:3.12, pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime) or a Space (hf.co/spaces/owner/name).`,
    );
  }
  return { dockerImage: text };
}

export const jobSpecProperties = {
  flavor: {
    type: "string",
    enum: JOB_FLAVORS.map((flavor) => flavor.name),
    description: `The hardware (default "${DEFAULT_FLAVOR}"); its hourly price is shown when asked.`,
  },
  timeoutSeconds: {
    type: "integer",
    minimum: 1,
    maximum: 172800,
    description: `Stop after this many seconds (default ${DEFAULT_JOB_TIMEOUT_SECONDS}); the cost estimate is price × this.`,
  },
  env: {
    type: "object",
    additionalProperties: { type: "string" },
    description: "Environment variables (not secrets: HF_TOKEN is passed as a secret by itself).",
  },
} as const;

export const hfJobRunImage = defineTool<{
  image: string;
  command: string[];
  env?: Record<string, string>;
  flavor?: string;
  timeoutSeconds?: number;
  namespace?: string;
  wait?: boolean;
}>({
  name: "hf_job_run_image",
  description:
    "Run a command in a container image as a Hugging Face Job (docker-run style: an image from Docker Hub or a Space, a command, env, a hardware flavor). Costs money on Hugging Face, so it asks first with the estimate (price × timeout). HF_TOKEN goes to the job as a secret. For a plain Python script use hf_job_run. A local Hub runs only Python commands, with its own interpreter (it pulls no image).",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      image: {
        type: "string",
        description: 'e.g. "pytorch/pytorch:2.6.0-cuda12.4-cudnn9-runtime" or "hf.co/spaces/owner/name".',
      },
      command: {
        type: "array",
        items: { type: "string" },
        minItems: 1,
        description: 'e.g. ["python", "train.py", "--epochs", "3"].',
      },
      ...jobSpecProperties,
      namespace: namespaceParam,
      wait: { type: "boolean", description: "Follow the job to its end (as hf_job_run's wait)." },
    },
    required: ["image", "command"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: args.flavor ?? DEFAULT_FLAVOR }),
  estimateCost: estimateJobCall,
  execute: (args, ctx) =>
    guarded(async () => {
      const flavor = args.flavor ?? DEFAULT_FLAVOR;
      if (!flavorNamed(flavor)) throw new HubHttpError(400, unknownFlavor(flavor));
      const hub = hubOf(ctx);
      const token = ctx.env.get("HF_TOKEN");
      const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
      const info = await hub.json<JobInfo & { emulation?: string }>(await jobPath(ctx, args.namespace), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          ...imageField(args.image),
          command: args.command,
          environment: args.env ?? {},
          flavor,
          timeoutSeconds,
          ...(token ? { secrets: { HF_TOKEN: token } } : {}),
        }),
        what: "The jobs namespace",
      });
      if (args.wait) return waitFor(ctx, args.namespace, info, timeoutSeconds);
      const note = info.emulation ? `\n${info.emulation}` : "";
      return {
        content: `Started job ${info.id} (${info.status?.stage ?? "RUNNING"}, ${info.flavor ?? flavor}, ${args.image}).${info.url ? ` ${info.url}` : ""}${note}\nFollow it with hf_job_status or hf_job_logs.`,
        details: info,
      };
    }),
});
