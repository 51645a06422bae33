import type { CostEstimate } from "@pincer/sdk";
import { isLoopback } from "./flavors.js";

/**
 * US dollars an hour for one replica of size x1, from Hugging Face's public price list for AWS
 * (https://huggingface.co/pricing#endpoints); a size xN costs N times as much. An estimate only:
 * prices differ by vendor and region and change over time.
 */
export const HOURLY_USD: Readonly<Record<string, number>> = {
  "intel-spr": 0.033,
  "intel-icl": 0.032,
  "amd-epyc": 0.025,
  "nvidia-t4": 0.5,
  "nvidia-l4": 0.8,
  "nvidia-a10g": 1.0,
  "nvidia-l40s": 1.8,
  "nvidia-a100": 2.5,
  "nvidia-h100": 4.5,
  "nvidia-h200": 5.0,
};

const PRICE_LIST = "https://huggingface.co/pricing#endpoints";
const UNTIL_STOPPED = "billed until paused, scaled to zero or deleted";
const EVERY_HOUR = "billed every hour while running, until paused, scaled to zero or deleted";

/** The price of one replica an hour, or undefined for hardware the table doesn't know. */
export function hourlyPrice(instanceType: string, instanceSize: string): number | undefined {
  const base = HOURLY_USD[instanceType];
  const size = /^x(\d+)$/.exec(instanceSize);
  if (base === undefined || !size) return undefined;
  return base * Number(size[1]);
}

const dollars = (value: number): string => `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;
/** `$0.50`, `$4.50`; a CPU's few cents keep their third digit (`$0.033`). */
const hourly = (value: number): string => `$${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}`;

/** "≈ $0.500/hour per replica (…)", or why there is no estimate. */
export function priceNote(instanceType: string, instanceSize: string, maxReplica: number): string {
  const price = hourlyPrice(instanceType, instanceSize);
  if (price === undefined) return `No price estimate for ${instanceType} ${instanceSize}: see ${PRICE_LIST}.`;
  const most = maxReplica > 1 ? `, up to ${dollars(price * maxReplica)}/hour with ${maxReplica} replicas` : "";
  return `Estimated cost ≈ ${dollars(price)}/hour per running replica${most}; nothing while paused or scaled to zero (list price on AWS, an estimate).`;
}

/** What an endpoint runs on: enough to price an hour of it. */
export interface EndpointHardware {
  instanceType: string;
  instanceSize: string;
  maxReplica: number;
}

/**
 * What an hour of a running endpoint costs, for the permission question: price × the most
 * replicas it may run (an upper bound, like every estimate). It is `recurring`: an endpoint bills
 * every hour until a person pauses, scales or deletes it, so no --budget, mode or allow rule starts
 * one without a person; `usd` is one hour of it. Hardware without a list price is still recurring
 * (at $0, the summary saying the price is unknown): an unknown price must not make it run unasked.
 *
 * On a local Hub (a loopback HF_ENDPOINT) nothing is billed: the endpoint is a process on this
 * machine that ends with the Hub, so it is not recurring and a local rehearsal runs as the user's
 * modes and rules decide. It is priced as the real one, though (Hugging Face's price for its first
 * hour), as a rehearsed job is: a rehearsal spends its budget as the real run would.
 */
export function estimateEndpoint(hardware: EndpointHardware, endpoint: string, action = ""): CostEstimate {
  const { instanceType, instanceSize } = hardware;
  const replicas = Math.max(1, Math.floor(hardware.maxReplica) || 1);
  const price = hourlyPrice(instanceType, instanceSize);
  const what = `${action}${instanceType} ${instanceSize}${replicas > 1 ? ` × up to ${replicas} replicas` : ""}`;
  if (isLoopback(endpoint)) {
    if (price === undefined) {
      return {
        usd: 0,
        summary: `${what} on the local Hub at ${endpoint}: no list price known, $0`,
        category: "endpoint",
      };
    }
    return {
      usd: price * replicas,
      summary: `${what} ≈ ${hourly(price * replicas)}/h, its first hour (Hugging Face's price; the local Hub at ${endpoint} rehearses it here)`,
      category: "endpoint",
    };
  }
  if (price === undefined) {
    return {
      usd: 0,
      summary: `${what}: no list price known (see ${PRICE_LIST}); ${EVERY_HOUR}`,
      recurring: true,
      category: "endpoint",
    };
  }
  return {
    usd: price * replicas,
    summary: `${what} ≈ ${hourly(price * replicas)}/h while running (${UNTIL_STOPPED})`,
    recurring: true,
    category: "endpoint",
  };
}

/**
 * The hardware of the endpoints this plugin has created, described or managed in this session,
 * by `namespace/name`: resuming one names only the endpoint, and an estimate must answer at once
 * from what it already knows (it cannot ask the API).
 */
const seenHardware = new Map<string, EndpointHardware>();

export function rememberHardware(
  namespace: string,
  info: {
    name?: string;
    compute?: { instanceType?: string; instanceSize?: string; scaling?: { maxReplica?: number } };
  },
): void {
  const compute = info.compute;
  if (!info.name || !compute?.instanceType || !compute.instanceSize) return;
  seenHardware.set(`${namespace}/${info.name}`, {
    instanceType: compute.instanceType,
    instanceSize: compute.instanceSize,
    maxReplica: compute.scaling?.maxReplica ?? 1,
  });
}

export function forgetHardware(namespace: string, name: string): void {
  seenHardware.delete(`${namespace}/${name}`);
}

/**
 * Resuming starts the endpoint's hardware again: priced as `estimateEndpoint` when this session
 * has seen the endpoint (without a namespace, the one endpoint of that name it has seen), else
 * still recurring, with a summary that says how to see the price.
 */
export function estimateResume(name: string, namespace: string | undefined, endpoint: string): CostEstimate {
  const matches = namespace
    ? [seenHardware.get(`${namespace}/${name}`)].filter((hardware) => hardware !== undefined)
    : [...seenHardware.entries()].filter(([key]) => key.endsWith(`/${name}`)).map(([, hardware]) => hardware);
  if (matches.length === 1) return estimateEndpoint(matches[0]!, endpoint, "resumes ");
  const local = isLoopback(endpoint);
  const summary = `resumes ${namespace ? `${namespace}/` : ""}${name}, hardware not seen in this session (hf_endpoint_info shows it and its price)`;
  if (local)
    return { usd: 0, summary: `${summary} on the local Hub at ${endpoint}: this machine, $0`, category: "endpoint" };
  return { usd: 0, summary: `${summary}; ${EVERY_HOUR}`, recurring: true, category: "endpoint" };
}
