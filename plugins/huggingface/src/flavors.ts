import type { CostEstimate } from "@pincer/sdk";

/** A hardware flavor of Hugging Face Jobs and what an hour of it costs. */
export interface JobFlavor {
  name: string;
  hardware: string;
  usdPerHour: number;
}

/**
 * Hugging Face Jobs' hardware and list prices in US dollars per hour, billed by the minute
 * (https://huggingface.co/docs/hub/jobs-pricing). Prices as of 2026; they change, and the Hub's
 * page is the authority. A flavor missing here cannot be estimated, so it is refused rather than
 * run unpriced: add it here with its price.
 */
export const JOB_FLAVORS: readonly JobFlavor[] = [
  { name: "cpu-basic", hardware: "2 vCPU, 16 GB", usdPerHour: 0.01 },
  { name: "cpu-upgrade", hardware: "8 vCPU, 32 GB", usdPerHour: 0.03 },
  { name: "cpu-xl", hardware: "16 vCPU, 124 GB", usdPerHour: 1.0 },
  { name: "cpu-performance", hardware: "32 vCPU, 256 GB", usdPerHour: 1.9 },
  { name: "t4-small", hardware: "Nvidia T4, 16 GB GPU", usdPerHour: 0.4 },
  { name: "t4-medium", hardware: "Nvidia T4, 16 GB GPU, 8 vCPU", usdPerHour: 0.6 },
  { name: "l4x1", hardware: "1× Nvidia L4, 24 GB GPU", usdPerHour: 0.8 },
  { name: "l4x4", hardware: "4× Nvidia L4, 96 GB GPU", usdPerHour: 3.8 },
  { name: "l40sx1", hardware: "1× Nvidia L40S, 48 GB GPU", usdPerHour: 1.8 },
  { name: "l40sx4", hardware: "4× Nvidia L40S, 192 GB GPU", usdPerHour: 8.3 },
  { name: "l40sx8", hardware: "8× Nvidia L40S, 384 GB GPU", usdPerHour: 23.5 },
  { name: "a10g-small", hardware: "Nvidia A10G, 24 GB GPU", usdPerHour: 1.0 },
  { name: "a10g-large", hardware: "Nvidia A10G, 24 GB GPU, 12 vCPU", usdPerHour: 1.5 },
  { name: "a10g-largex2", hardware: "2× Nvidia A10G, 48 GB GPU", usdPerHour: 3.0 },
  { name: "a10g-largex4", hardware: "4× Nvidia A10G, 96 GB GPU", usdPerHour: 5.0 },
  { name: "a100-large", hardware: "Nvidia A100, 80 GB GPU", usdPerHour: 2.5 },
  { name: "h100", hardware: "Nvidia H100, 80 GB GPU", usdPerHour: 4.5 },
  { name: "h100x8", hardware: "8× Nvidia H100, 640 GB GPU", usdPerHour: 36.0 },
];

export const DEFAULT_FLAVOR = "cpu-basic";
/** What a job may run for when the call names no timeout (as the Hub's own default). */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 1800;

export const flavorNamed = (name: string): JobFlavor | undefined => JOB_FLAVORS.find((flavor) => flavor.name === name);

/** The refusal of an unknown flavor, listing the known ones with their prices. */
export function unknownFlavor(name: string): string {
  const known = JOB_FLAVORS.map((flavor) => `${flavor.name} ($${flavor.usdPerHour.toFixed(2)}/h)`).join(", ");
  return `Unknown flavor "${name}". Hugging Face Jobs flavors: ${known}.`;
}

/** A local Hub (`pincer hub serve`, tests) answers on this machine's loopback address. */
export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/** `30 min`, `2 h`, `1.5 h`. */
function duration(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  return `${Number((seconds / 3600).toFixed(2))} h`;
}

/**
 * What a job would cost at most: the flavor's hourly price × its timeout (the Hub stops it
 * then). On a local Hub the default flavor runs on this machine's runner and costs nothing;
 * any other flavor is priced as Hugging Face would bill it, so a run rehearsed against a local
 * Hub spends its budget as the real one would. Unknown flavors have no estimate.
 */
export function estimateJob(options: {
  flavor?: string | undefined;
  timeoutSeconds?: number | undefined;
  endpoint: string;
}): CostEstimate | undefined {
  const name = options.flavor ?? DEFAULT_FLAVOR;
  const flavor = flavorNamed(name);
  const seconds = options.timeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS;
  if (!flavor || !(seconds > 0)) return undefined;
  const local = isLoopback(options.endpoint);
  if (local && name === DEFAULT_FLAVOR) {
    return {
      usd: 0,
      summary: `${name} on the local Hub's runner (${options.endpoint}): this machine, $0`,
      category: "job",
    };
  }
  const usd = (flavor.usdPerHour * seconds) / 3600;
  const price = `${name} at $${flavor.usdPerHour.toFixed(2)}/h × up to ${duration(seconds)} ≈ $${usd.toFixed(2)}`;
  return {
    usd,
    summary: local ? `${price} (Hugging Face's price; the local Hub at ${options.endpoint} rehearses it here)` : price,
    category: "job",
  };
}
