import type { StartedService } from "@pincer/host";
import { UsageError } from "../home.js";
import { runningLocalHub, serveCommand, startHomeHub, tokenForLocalEndpoint } from "../local-hub.js";

/** The public Hub, when HF_TOKEN is set without HF_ENDPOINT. */
const PUBLIC_HUB = "https://huggingface.co";

/**
 * The `local-hub` service (see ServiceCapability in the SDK): the Hugging Face Hub a plugin's
 * command should use, and its variables for the plugin and the sessions it starts.
 *
 * - `configured`: the user's environment names a Hub (HF_TOKEN and/or HF_ENDPOINT); nothing starts,
 *   and HF_ENDPOINT naming this PINCER_HOME's running Hub brings its token along.
 * - `running`: this PINCER_HOME's `pincer hub serve` is up: its address and token.
 * - `started`: neither, so this PINCER_HOME's Hub starts in this process for the command (its data,
 *   its token, its port when free, any free port when not); it stops when the command returns, and
 *   `serveAgain` serves the same data at the same URLs afterwards. Its jobs run in the OS sandbox
 *   like every command (hub-jobs.ts), unconfined only with --dangerously-run-unconfined.
 *
 * `{ localOnly: true }` never answers with a remote Hub: the user's HF_TOKEN is set aside (the
 * local token replaces it for the command), and an HF_ENDPOINT that is not this machine's running
 * Hub is a usage error.
 */
export async function startLocalHubService(
  options: Record<string, unknown>,
  context: { home: string; env: NodeJS.ProcessEnv; unconfined: boolean },
): Promise<StartedService> {
  const { localOnly, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw new Error(`the local-hub service has no option ${JSON.stringify(unknown.slice(0, 40))}`);
  if (localOnly !== undefined && typeof localOnly !== "boolean") throw new Error("localOnly must be true or false");
  const { env, home } = context;
  const endpoint = env.HF_ENDPOINT ? trimSlash(env.HF_ENDPOINT) : undefined;
  const running = runningLocalHub(home);
  const done = async () => {};
  if (localOnly) {
    if (endpoint && endpoint !== (running && trimSlash(running.url))) {
      throw new UsageError(
        `This needs this PINCER_HOME's own Hub (its folder is PINCER_HOME/hub): HF_ENDPOINT=${endpoint} is not the running pincer hub serve${running ? ` (${running.url})` : ""}. Unset HF_ENDPOINT and a local Hub is started.`,
      );
    }
  } else if (env.HF_TOKEN || endpoint) {
    const url = endpoint ?? PUBLIC_HUB;
    const token = env.HF_TOKEN ? undefined : tokenForLocalEndpoint(url, home);
    return {
      info: { name: "local-hub", url, state: "configured", local: isLoopback(url) },
      env: { HF_ENDPOINT: url, ...(token ? { HF_TOKEN: token } : {}) },
      close: done,
    };
  }
  if (running) {
    const url = trimSlash(running.url);
    return {
      info: { name: "local-hub", url, state: "running", local: true },
      env: { HF_ENDPOINT: url, HF_TOKEN: running.token },
      close: done,
    };
  }
  const hub = await startHomeHub(home, env, { anyPortIfTaken: true, unconfined: context.unconfined });
  const url = trimSlash(hub.url);
  return {
    info: { name: "local-hub", url, state: "started", local: true, serveAgain: serveCommand(hub.port, env) },
    env: { HF_ENDPOINT: url, HF_TOKEN: hub.token },
    close: () => hub.close(),
  };
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || host.startsWith("127.");
  } catch {
    return false;
  }
}
