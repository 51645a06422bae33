import { defineTool, type PluginToolContext } from "@pincer/sdk";
import {
  estimateEndpoint,
  estimateResume,
  forgetHardware,
  hourlyPrice,
  priceNote,
  rememberHardware,
} from "./endpoint-cost.js";
import { checkRepoId, DEFAULT_ENDPOINT, guarded, type Hub, HubHttpError, hubOf, namespaceOf } from "./hub.js";

export { HOURLY_USD, hourlyPrice, priceNote } from "./endpoint-cost.js";

// Hugging Face Inference Endpoints: the management API at api.endpoints.huggingface.cloud/v2 for
// the public Hub, and `${HF_ENDPOINT}/api/endpoints/v2` for another endpoint (the local Hub serves
// that path). Creating or resuming one starts paid hardware billed by the hour until someone stops
// it: those calls carry a recurring cost estimate (endpoint-cost.ts), so a person always approves them.

export const ENDPOINTS_API = "https://api.endpoints.huggingface.cloud/v2";

export type EndpointAction = "pause" | "resume" | "scale_to_zero" | "delete";

interface EndpointInfo {
  name: string;
  type?: string;
  provider?: { vendor?: string; region?: string };
  compute?: {
    accelerator?: string;
    instanceType?: string;
    instanceSize?: string;
    scaling?: { minReplica?: number; maxReplica?: number; scaleToZeroTimeout?: number };
  };
  model?: { repository?: string; revision?: string | null; task?: string | null; framework?: string };
  status?: {
    state?: string;
    message?: string | null;
    url?: string | null;
    readyReplica?: number;
    targetReplica?: number;
    createdAt?: string;
    updatedAt?: string;
  };
}

function acceleratorOf(instanceType: string): string {
  if (instanceType.startsWith("nvidia-")) return "gpu";
  if (/^(inf2|neuron)/.test(instanceType)) return "neuron";
  return "cpu";
}

/** HF_ENDPOINT as the Hub client reads it, for estimates (which cannot build a Hub client). */
const endpointOf = (env: { get(name: string): string | undefined }): string =>
  (env.get("HF_ENDPOINT") || DEFAULT_ENDPOINT).replace(/\/+$/, "");

const apiBase = (hub: Hub): string => (hub.isPublic ? ENDPOINTS_API : `${hub.endpoint}/api/endpoints/v2`);

function checkName(name: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) {
    throw new HubHttpError(
      400,
      `"${name}" is not an endpoint name: use 1 to 32 lowercase letters, digits or hyphens, starting and ending with a letter or digit.`,
    );
  }
  return name;
}

async function endpointPath(ctx: PluginToolContext, namespace: string | undefined, name?: string): Promise<string> {
  const hub = hubOf(ctx);
  const owner = namespace ?? (await namespaceOf(hub, ctx));
  return `${apiBase(hub)}/endpoint/${encodeURIComponent(owner)}${name ? `/${checkName(name)}` : ""}`;
}

/** A 404 said the endpoints' way; other failures as they are. */
async function endpointCall<T>(ctx: PluginToolContext, path: string, init: RequestInit, who: string): Promise<T> {
  try {
    return await hubOf(ctx).json<T>(path, { ...init, what: `The Inference Endpoint ${who}` });
  } catch (error) {
    if (error instanceof HubHttpError && error.status === 404) {
      throw new HubHttpError(404, `HTTP 404: No Inference Endpoint ${who}: list them with hf_endpoint_info.`);
    }
    throw error;
  }
}

function describeEndpoint(info: EndpointInfo, namespace: string): string {
  const status = info.status ?? {};
  const compute = info.compute ?? {};
  const scaling = compute.scaling ?? {};
  const lines = [
    `Inference Endpoint ${namespace}/${info.name}: ${status.state ?? "unknown"}${status.message ? ` (${status.message})` : ""}`,
  ];
  if (info.model?.repository) {
    const facts = [info.model.task, info.model.framework].filter(Boolean).join(", ");
    lines.push(`Model: ${info.model.repository}@${info.model.revision ?? "main"}${facts ? ` (${facts})` : ""}`);
  }
  if (compute.instanceType && compute.instanceSize) {
    lines.push(
      `Hardware: ${compute.instanceType} ${compute.instanceSize} (${compute.accelerator ?? "?"}) on ${info.provider?.vendor ?? "?"} ${info.provider?.region ?? "?"}, replicas ${scaling.minReplica ?? 0}–${scaling.maxReplica ?? 1}${status.readyReplica !== undefined ? ` (${status.readyReplica} ready)` : ""}`,
      priceNote(compute.instanceType, compute.instanceSize, scaling.maxReplica ?? 1),
    );
  }
  if (status.url) lines.push(`URL: ${status.url}`);
  if (status.createdAt)
    lines.push(`Created ${status.createdAt}${status.updatedAt ? `, updated ${status.updatedAt}` : ""}`);
  return lines.join("\n");
}

const namespaceParam = {
  type: "string",
  description: "The user or organization that owns the endpoint (default: the HF_TOKEN's user).",
};
const nameParam = { type: "string", description: "The endpoint's name (lowercase letters, digits, hyphens)." };

export const hfEndpointCreate = defineTool<{
  name: string;
  repo: string;
  instanceType?: string;
  instanceSize?: string;
  accelerator?: string;
  vendor?: string;
  region?: string;
  task?: string;
  revision?: string;
  framework?: string;
  minReplica?: number;
  maxReplica?: number;
  scaleToZeroMinutes?: number;
  type?: "protected" | "public" | "private";
  namespace?: string;
}>({
  name: "hf_endpoint_create",
  description:
    "Deploy a model repo as a Hugging Face Inference Endpoint on dedicated hardware. It costs money from the moment it starts, billed to the HF_TOKEN's account, so it asks first. Estimated list prices per replica-hour on AWS: intel-spr x1 (CPU) ~$0.03, nvidia-t4 x1 ~$0.50, nvidia-l4 x1 ~$0.80, nvidia-a10g x1 ~$1.00, nvidia-l40s x1 ~$1.80, nvidia-a100 x1 ~$2.50 (xN costs N times). The result repeats the estimate; follow the endpoint with hf_endpoint_info and pause or delete it with hf_endpoint_manage.",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      name: nameParam,
      repo: { type: "string", description: "The model repo to serve, owner/name." },
      instanceType: {
        type: "string",
        description:
          'The hardware: "intel-spr" (CPU, the default), "nvidia-t4", "nvidia-l4", "nvidia-a10g", "nvidia-a100", ...',
      },
      instanceSize: { type: "string", description: 'How many of it: "x1" (default), "x2", "x4", "x8".' },
      accelerator: { type: "string", description: '"cpu", "gpu" or "neuron" (default: from instanceType).' },
      vendor: { type: "string", description: 'The cloud: "aws" (default), "gcp" or "azure".' },
      region: { type: "string", description: 'The region (default "us-east-1").' },
      task: { type: "string", description: 'The task, e.g. "text-generation", "text-classification".' },
      revision: { type: "string", description: 'The model revision (default "main").' },
      framework: { type: "string", description: 'Default "pytorch".' },
      minReplica: { type: "integer", minimum: 0, description: "Replicas kept running (default 0: scale to zero)." },
      maxReplica: { type: "integer", minimum: 1, description: "Replicas at most (default 1)." },
      scaleToZeroMinutes: {
        type: "integer",
        minimum: 1,
        description: "With minReplica 0: idle minutes before scaling to zero (default 15).",
      },
      type: {
        type: "string",
        enum: ["protected", "public", "private"],
        description: 'Who may call it: "protected" (a token is needed, the default), "public", "private" (VPC).',
      },
      namespace: namespaceParam,
    },
    required: ["name", "repo"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({
    kind: "text",
    value: `${args.repo} on ${args.instanceType ?? "intel-spr"} ${args.instanceSize ?? "x1"}`,
  }),
  estimateCost: (args, ctx) =>
    estimateEndpoint(
      {
        instanceType: args.instanceType ?? "intel-spr",
        instanceSize: args.instanceSize ?? "x1",
        maxReplica: args.maxReplica ?? 1,
      },
      endpointOf(ctx.env),
    ),
  execute: (args, ctx) =>
    guarded(async () => {
      const repository = checkRepoId(args.repo);
      const instanceType = args.instanceType ?? "intel-spr";
      const instanceSize = args.instanceSize ?? "x1";
      const minReplica = args.minReplica ?? 0;
      const maxReplica = args.maxReplica ?? 1;
      if (minReplica > maxReplica) {
        throw new HubHttpError(400, `minReplica (${minReplica}) is more than maxReplica (${maxReplica}).`);
      }
      const namespace = args.namespace ?? (await namespaceOf(hubOf(ctx), ctx));
      const body = {
        name: checkName(args.name),
        type: args.type ?? "protected",
        accountId: null,
        model: {
          repository,
          revision: args.revision ?? "main",
          task: args.task ?? null,
          framework: args.framework ?? "pytorch",
          image: { huggingface: {} },
        },
        compute: {
          accelerator: args.accelerator ?? acceleratorOf(instanceType),
          instanceType,
          instanceSize,
          scaling: {
            minReplica,
            maxReplica,
            ...(minReplica === 0 ? { scaleToZeroTimeout: args.scaleToZeroMinutes ?? 15 } : {}),
          },
        },
        provider: { vendor: args.vendor ?? "aws", region: args.region ?? "us-east-1" },
      };
      const info = await endpointCall<EndpointInfo>(
        ctx,
        await endpointPath(ctx, namespace),
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
        `${namespace}/${args.name}`,
      );
      rememberHardware(namespace, info);
      return {
        content: `Created. ${describeEndpoint(info, namespace)}\nFollow it with hf_endpoint_info; pause or delete it with hf_endpoint_manage when it is not needed.`,
        details: { ...info, estimatedHourlyUsd: hourlyPrice(instanceType, instanceSize) ?? null },
      };
    }),
});

export const hfEndpointInfo = defineTool<{ name?: string; namespace?: string }>({
  name: "hf_endpoint_info",
  description:
    "Hugging Face Inference Endpoints: without a name, list the namespace's endpoints and their states; with one, describe it (state, model, hardware, price estimate, URL).",
  kind: "read",
  parameters: {
    type: "object",
    properties: { name: nameParam, namespace: namespaceParam },
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const namespace = args.namespace ?? (await namespaceOf(hubOf(ctx), ctx));
      const path = await endpointPath(ctx, namespace, args.name);
      if (args.name) {
        const info = await endpointCall<EndpointInfo>(ctx, path, {}, `${namespace}/${args.name}`);
        rememberHardware(namespace, info);
        return { content: describeEndpoint(info, namespace), details: info };
      }
      const { items } = await endpointCall<{ items: EndpointInfo[] }>(ctx, path, {}, `namespace ${namespace}`);
      for (const item of items) rememberHardware(namespace, item);
      if (!items.length) return { content: `${namespace} has no Inference Endpoints.`, details: { items: [] } };
      const lines = items.map((item) =>
        `${item.name}: ${item.status?.state ?? "unknown"} — ${item.model?.repository ?? "?"} on ${item.compute?.instanceType ?? "?"} ${item.compute?.instanceSize ?? ""}`.trimEnd(),
      );
      return {
        content: `${items.length} Inference Endpoint${items.length === 1 ? "" : "s"} in ${namespace}:\n${lines.join("\n")}`,
        details: { items: items.map((item) => ({ name: item.name, state: item.status?.state })) },
      };
    }),
});

const AFTER: Record<EndpointAction, string> = {
  pause: "It costs nothing while paused; resume it with hf_endpoint_manage (action resume).",
  resume: "It starts again (pending, then initializing, then running) and costs money while it runs.",
  scale_to_zero: "It costs nothing until the next request wakes it (a cold start).",
  delete: "",
};

export const hfEndpointManage = defineTool<{ name: string; action: EndpointAction; namespace?: string }>({
  name: "hf_endpoint_manage",
  description:
    "Pause, resume, scale to zero or delete a Hugging Face Inference Endpoint. Resume starts paid hardware again; delete cannot be undone. It asks first.",
  kind: "execute",
  parameters: {
    type: "object",
    properties: {
      name: nameParam,
      action: {
        type: "string",
        enum: ["pause", "resume", "scale_to_zero", "delete"],
        description: "pause (stops billing until resumed), resume, scale_to_zero (wakes on the next request), delete.",
      },
      namespace: namespaceParam,
    },
    required: ["name", "action"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({ kind: "text", value: `${args.action} ${args.name}` }),
  // Only resuming starts paid hardware; pausing, scaling to zero and deleting stop the bill.
  estimateCost: (args, ctx) =>
    args.action === "resume" ? estimateResume(args.name, args.namespace, endpointOf(ctx.env)) : undefined,
  execute: (args, ctx) =>
    guarded(async () => {
      const namespace = args.namespace ?? (await namespaceOf(hubOf(ctx), ctx));
      const path = await endpointPath(ctx, namespace, args.name);
      const who = `${namespace}/${args.name}`;
      if (args.action === "delete") {
        await endpointCall<unknown>(ctx, path, { method: "DELETE" }, who);
        forgetHardware(namespace, args.name);
        return { content: `Deleted the Inference Endpoint ${who}.`, details: { name: args.name, deleted: true } };
      }
      const suffix = { pause: "pause", resume: "resume", scale_to_zero: "scale-to-zero" }[args.action];
      if (!suffix)
        throw new HubHttpError(400, `Unknown action "${args.action}": use pause, resume, scale_to_zero or delete.`);
      const info = await endpointCall<EndpointInfo>(ctx, `${path}/${suffix}`, { method: "POST" }, who);
      rememberHardware(namespace, info);
      return { content: `${describeEndpoint(info, namespace)}\n${AFTER[args.action]}`, details: info };
    }),
});
