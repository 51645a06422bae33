import { rmSync } from "node:fs";
import {
  hubDir,
  hubPort,
  hubServerFile,
  hubTokenFile,
  pincerHome,
  runningLocalHub,
  startHomeHub,
  UsageError,
  writeHubServerFile,
} from "@pincer/runtime";
import type { Argv } from "yargs";

/**
 * `pincer hub serve`: this PINCER_HOME's local Hugging Face Hub (data under `PINCER_HOME/hub`), on a
 * stable port, always behind a token. Runs until SIGINT/SIGTERM; `PINCER_HOME/hub/server.json`
 * ({url, pid, token}, 0600) exists while it runs, so sessions and plugins' commands (the local-hub service) find it.
 */
export function hubCommands(y: Argv, env: NodeJS.ProcessEnv): Argv {
  return y
    .command(
      "serve",
      "Serve a local Hugging Face Hub (repos, LFS, dataset viewer, papers) under PINCER_HOME/hub",
      (c) =>
        c
          .option("host", {
            type: "string",
            default: "127.0.0.1",
            description: "Interface to listen on (requests must name it or a loopback name as Host)",
          })
          .option("port", {
            type: "number",
            description: "Port (default PINCER_HUB_PORT, else 7358; 0: any free port)",
          })
          .option("dangerously-run-unconfined", {
            type: "boolean",
            description: 'Run jobs without the OS sandbox (full file and network access), as sandbox.os "off"',
          })
          .option("token", {
            type: "string",
            description: "The token every request needs (default: PINCER_HUB_TOKEN, else PINCER_HOME/hub/token)",
          }),
      async (args) => {
        const home = pincerHome(env);
        const already = runningLocalHub(home);
        if (already) {
          throw new UsageError(
            `This PINCER_HOME's Hub is already served at ${already.url} (pid ${already.pid}). Stop it first, or use it.`,
          );
        }
        // Listen before announcing: a script that stops the hub as soon as it prints its URL must
        // find it ready to close cleanly, not be killed by the default handler.
        const stopped = new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        const given = args.token ?? (env.PINCER_HUB_TOKEN || undefined);
        if (given !== undefined && !/^hf_\S{8,}$/.test(given)) {
          throw new UsageError(
            "The Hub token must start with hf_ and be at least 11 characters (Hugging Face clients refuse others). Leave --token out to use PINCER_HOME/hub/token.",
          );
        }
        const hub = await startHomeHub(home, env, {
          host: args.host,
          port: args.port ?? hubPort(env),
          ...(given ? { token: given } : {}),
          ...(args["dangerously-run-unconfined"] ? { unconfined: true } : {}),
        });
        writeHubServerFile(home, { url: hub.url, pid: process.pid, token: hub.token });
        const cleanup = () => rmSync(hubServerFile(home), { force: true });
        process.once("exit", cleanup);
        const tokenFile = hubTokenFile(home);
        const shownToken = given ? "<the token you gave>" : `$(cat ${tokenFile})`;
        process.stdout.write(
          `Local Hub serving ${hubDir(home)} on ${hub.url}\n` +
            `Every request needs its token${given ? "" : ` (in ${tokenFile})`}; sessions and plugins' commands use it by themselves.\n` +
            `Use it with HF_ENDPOINT=${hub.url} HF_TOKEN=${shownToken}\n` +
            `Browse it: ${hub.url}/?token=${hub.token}\n`,
        );
        if (!["127.0.0.1", "localhost", "::1"].includes(args.host)) {
          process.stdout.write(`Listening on ${args.host}: other machines can reach it; only the token guards it.\n`);
        }
        await stopped;
        await hub.close();
        cleanup();
      },
    )
    .demandCommand(1, "Name a hub command: serve.");
}
