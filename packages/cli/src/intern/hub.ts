import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runningLocalHub } from "../local-hub.js";
import { trimSlash } from "./session-hub.js";

/** The public Hub, used when HF_TOKEN is set without HF_ENDPOINT. */
export const PUBLIC_HUB = "https://huggingface.co";

/**
 * The Hub an intern run talks to:
 * - `env`: HF_TOKEN and/or HF_ENDPOINT are set (huggingface.co, or the endpoint they name);
 * - `running`: no credentials, and a `pincer hub serve` for this PINCER_HOME is running;
 * - `embedded`: neither, so a local Hub is started in this process for the run, storing under
 *   PINCER_HOME/hub (what it holds stays there: `pincer hub serve` serves it later).
 */
export interface InternHub {
  kind: "env" | "running" | "embedded";
  endpoint: string;
  token?: string;
  /** Whether it is this machine's Hub (local runner, no money spent on jobs). */
  local: boolean;
  /** Stops an embedded Hub; nothing for the others. */
  close(): Promise<void>;
}

export async function resolveInternHub(env: NodeJS.ProcessEnv, home: string): Promise<InternHub> {
  const token = env.HF_TOKEN || undefined;
  if (env.HF_TOKEN || env.HF_ENDPOINT) {
    const endpoint = trimSlash(env.HF_ENDPOINT || PUBLIC_HUB);
    return {
      kind: "env",
      endpoint,
      ...(token ? { token } : {}),
      local: isLoopback(endpoint),
      close: async () => {},
    };
  }
  const running = runningLocalHub(home);
  if (running) return { kind: "running", endpoint: trimSlash(running), local: true, close: async () => {} };
  const { startLocalHub } = await import("@pincer/hub");
  const dir = join(home, "hub");
  mkdirSync(dir, { recursive: true });
  const hub = await startLocalHub({ dir });
  return { kind: "embedded", endpoint: trimSlash(hub.url), local: true, close: () => hub.close() };
}

/** The signed-in user (the namespace new repos go under), or undefined when the Hub won't say. */
export async function hubUser(hub: Pick<InternHub, "endpoint" | "token">): Promise<string | undefined> {
  try {
    const res = await fetch(`${hub.endpoint}/api/whoami-v2`, {
      headers: hub.token ? { Authorization: `Bearer ${hub.token}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { name?: unknown };
    return typeof body.name === "string" ? body.name : undefined;
  } catch {
    return undefined;
  }
}

/** How the start banner names the Hub. */
export function describeHub(hub: InternHub): string {
  switch (hub.kind) {
    case "running":
      return `${hub.endpoint} (the running pincer hub serve)`;
    case "embedded":
      return `${hub.endpoint} (a local Hub started for this run, storing under PINCER_HOME/hub)`;
    default:
      return hub.endpoint === PUBLIC_HUB ? `${hub.endpoint} (HF_TOKEN)` : `${hub.endpoint} (HF_ENDPOINT)`;
  }
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
  } catch {
    return false;
  }
}
