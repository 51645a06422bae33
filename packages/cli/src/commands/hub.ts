import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Argv } from "yargs";
import { pincerHome } from "../home.js";

import { hubServerFile } from "../local-hub.js";

/**
 * `pincer hub serve`: a local, Hugging Face Hub-compatible server storing under `PINCER_HOME/hub`.
 * Runs until SIGINT/SIGTERM; `PINCER_HOME/hub/server.json` ({url, pid}) exists while it runs.
 */
export function hubCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  return y
    .command(
      "serve",
      "Serve a local Hugging Face Hub (repos, LFS, dataset viewer, papers) under PINCER_HOME/hub",
      (c) =>
        c
          .option("host", { type: "string", default: "127.0.0.1", description: "Interface to listen on" })
          .option("port", { type: "number", default: 0, description: "Port (0: any free port)" })
          .option("token", {
            type: "string",
            description: "Require Authorization: Bearer <token> (default: PINCER_HUB_TOKEN if set, else none)",
          }),
      async (args) => {
        // Listen before announcing: a script that stops the hub as soon as it prints its URL must
        // find it ready to close cleanly, not be killed by the default handler.
        const stopped = new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        const { startLocalHub } = await import("@pincer/hub");
        const dir = join(pincerHome(env), "hub");
        mkdirSync(dir, { recursive: true });
        const token = args.token ?? env.PINCER_HUB_TOKEN;
        const hub = await startLocalHub({ dir, host: args.host, port: args.port, ...(token ? { token } : {}) });
        const file = hubServerFile(pincerHome(env));
        writeFileSync(file, `${JSON.stringify({ url: hub.url, pid: process.pid }, null, 2)}\n`);
        const cleanup = () => rmSync(file, { force: true });
        process.once("exit", cleanup);
        process.stdout.write(`Local Hub serving ${dir} on ${hub.url}\n`);
        process.stdout.write(`Use it with HF_ENDPOINT=${hub.url}\n`);
        await stopped;
        await hub.close();
        cleanup();
      },
    )
    .demandCommand(1, "Name a hub command: serve.");
}
