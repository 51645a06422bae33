import { runningLocalHub, serveCommand, startHomeHub, tokenForLocalEndpoint } from "@pincer/runtime";
import { trimSlash } from "./session-hub.js";

/** The public Hub, used when HF_TOKEN is set without HF_ENDPOINT. */
export const PUBLIC_HUB = "https://huggingface.co";

/**
 * The Hub an intern run talks to:
 * - `env`: HF_TOKEN and/or HF_ENDPOINT are set (huggingface.co, or the endpoint they name);
 * - `running`: no credentials, and a `pincer hub serve` for this PINCER_HOME is running;
 * - `embedded`: neither, so this PINCER_HOME's Hub is started in this process for the run (its
 *   data, its token, its port when free): what it holds stays there, and `serve` (the command in
 *   `browse`) serves it later at the same URLs.
 * A local Hub always has a token (PINCER_HOME/hub/token); it goes to the tools as HF_TOKEN.
 */
export interface InternHub {
  kind: "env" | "running" | "embedded";
  endpoint: string;
  token?: string;
  /** Whether it is this machine's Hub (local runner, no money spent on jobs). */
  local: boolean;
  /** For an embedded Hub: the command that serves its data at the same URLs once the run is over. */
  browse?: string;
  /** Stops an embedded Hub; nothing for the others. */
  close(): Promise<void>;
}

export async function resolveInternHub(
  env: NodeJS.ProcessEnv,
  home: string,
  options: { unconfined?: boolean } = {},
): Promise<InternHub> {
  if (env.HF_TOKEN || env.HF_ENDPOINT) {
    const endpoint = trimSlash(env.HF_ENDPOINT || PUBLIC_HUB);
    // HF_ENDPOINT naming this PINCER_HOME's running Hub needs no HF_TOKEN: its token is known here.
    const token = env.HF_TOKEN || tokenForLocalEndpoint(endpoint, home);
    return {
      kind: "env",
      endpoint,
      ...(token ? { token } : {}),
      local: isLoopback(endpoint),
      close: async () => {},
    };
  }
  const running = runningLocalHub(home);
  if (running) {
    return {
      kind: "running",
      endpoint: trimSlash(running.url),
      token: running.token,
      local: true,
      close: async () => {},
    };
  }
  // Its jobs run in the OS sandbox like every command (hub-jobs.ts).
  const hub = await startHomeHub(home, env, { anyPortIfTaken: true, ...options });
  return {
    kind: "embedded",
    endpoint: trimSlash(hub.url),
    token: hub.token,
    local: true,
    browse: serveCommand(hub.port, env),
    close: () => hub.close(),
  };
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
      return `${hub.endpoint} (this PINCER_HOME's Hub, started for this run; afterwards \`${hub.browse ?? "pincer hub serve"}\` serves it at the same URLs)`;
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
