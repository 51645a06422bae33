import type { CommandContext } from "@pincer/sdk";
import { whoami } from "./hub-client.js";

/** The public Hub: what HF_TOKEN alone means. */
export const PUBLIC_HUB = "https://huggingface.co";

/**
 * The Hub an intern run talks to, from Pincer's `local-hub` service (ctx.services): the one the
 * user's HF_TOKEN/HF_ENDPOINT name (`configured`), else this PINCER_HOME's running `pincer hub
 * serve` (`running`), else this PINCER_HOME's Hub started for the run (`started`; it stops when
 * the command returns, its data stays, and `serveAgain` serves it at the same URLs). Its address
 * and token reach the plugin through its env grant, and the run's sessions (the tools) get them too.
 */
export interface InternHub {
  kind: "configured" | "running" | "started";
  endpoint: string;
  token?: string;
  /** This machine's Hub: the local runner, no money spent on jobs. */
  local: boolean;
  /** For a started Hub: the command that serves its data at the same URLs once the run is over. */
  browse?: string;
}

export async function resolveInternHub(
  ctx: Pick<CommandContext, "services" | "env">,
  options: { localOnly?: boolean } = {},
): Promise<InternHub> {
  if (!ctx.services) throw new Error("this front end runs no services: the intern needs a Hugging Face Hub");
  const info = await ctx.services.start("local-hub", options.localOnly ? { localOnly: true } : {});
  const endpoint = (ctx.env.get("HF_ENDPOINT") ?? info.url).replace(/\/+$/, "");
  const token = ctx.env.get("HF_TOKEN");
  return {
    kind: info.state,
    endpoint,
    ...(token ? { token } : {}),
    local: info.local,
    ...(info.serveAgain ? { browse: info.serveAgain } : {}),
  };
}

/** The signed-in user (the namespace new repos go under), or undefined when the Hub won't say. */
export function hubUser(hub: Pick<InternHub, "endpoint" | "token">): Promise<string | undefined> {
  return whoami({ url: hub.endpoint, ...(hub.token ? { token: hub.token } : {}) });
}

/** How the start banner names the Hub. */
export function describeHub(hub: InternHub): string {
  switch (hub.kind) {
    case "running":
      return `${hub.endpoint} (the running pincer hub serve)`;
    case "started":
      return `${hub.endpoint} (this PINCER_HOME's Hub, started for this run; afterwards \`${hub.browse ?? "pincer hub serve"}\` serves it at the same URLs)`;
    default:
      return hub.endpoint === PUBLIC_HUB ? `${hub.endpoint} (HF_TOKEN)` : `${hub.endpoint} (HF_ENDPOINT)`;
  }
}
