import type { ServiceHost, StartedService } from "@pincer/host";
import { startLocalHubService } from "./local-hub-service.js";

/** The services the runtime runs for plugins' commands, by name (what `capabilities.services` may list). */
export const SERVICES = ["local-hub"] as const;

/**
 * The services one command may use (its ctx.services): each started for it, its variables kept
 * here so the sessions the command starts get them too (`env()`), and stopped by the host when
 * the command returns. The env a service reads is the user's own, never what an earlier service set.
 */
export function commandServiceHost(context: {
  home: string;
  env: NodeJS.ProcessEnv;
  unconfined: boolean;
}): ServiceHost & { env(): Record<string, string> } {
  const layers: Array<Record<string, string>> = [];
  return {
    env: () => Object.assign({}, ...layers),
    async start(name, options): Promise<StartedService> {
      let started: StartedService;
      switch (name) {
        case "local-hub":
          started = await startLocalHubService(options, context);
          break;
        default:
          throw new Error(`there is no service ${JSON.stringify(name)} (known: ${SERVICES.join(", ")})`);
      }
      const layer = started.env;
      layers.push(layer);
      return {
        ...started,
        close: async () => {
          const at = layers.indexOf(layer);
          if (at >= 0) layers.splice(at, 1);
          await started.close();
        },
      };
    },
  };
}
