import type { ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, RUN_COMMANDS, type Sandbox, sandbox } from "./run-cli.js";

/** `pincer hub serve` as a user starts it: the built CLI in its own PINCER_HOME, a child process. */
export interface ServedHub {
  box: Sandbox;
  /** What it printed after "Use it with HF_ENDPOINT=". */
  url: string;
  /** Everything it printed on stdout by the time it was serving. */
  printed: string;
  /** Its `PINCER_HOME/hub`, where repos, papers and jobs live. */
  dir: string;
  child: ChildProcess;
  done: Promise<CliResult>;
}

/**
 * Starts `pincer hub serve --port 0 --token <token>` (without a token: the one it makes in
 * PINCER_HOME/hub/token) and waits for the URL it prints. `seed` writes into the hub folder first
 * (papers, docs): what the server reads from disk when asked.
 */
export async function serveHub(
  token: string | undefined,
  seed: (hubDir: string) => void = () => undefined,
): Promise<ServedHub> {
  const box = sandbox();
  const dir = join(box.env.PINCER_HOME!, "hub");
  mkdirSync(dir, { recursive: true });
  seed(dir);
  return serveHubIn(box, ["--port", "0", ...(token ? ["--token", token] : [])]);
}

/**
 * `pincer hub serve <args>` in an existing sandbox (its PINCER_HOME), once it prints how to use and
 * browse it. Jobs run in the OS sandbox; where this machine has none, the Hub gets the opt-in a user
 * would give, unless `unconfinedOptIn` is false (a test of what happens without it).
 */
export async function serveHubIn(
  box: Sandbox,
  args: string[],
  { unconfinedOptIn = true }: { unconfinedOptIn?: boolean } = {},
): Promise<ServedHub> {
  const dir = join(box.env.PINCER_HOME!, "hub");
  const { child, done } = box.start(["hub", "serve", ...args, ...(unconfinedOptIn ? RUN_COMMANDS : [])]);
  let seen = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk;
      const match = /Use it with HF_ENDPOINT=(\S+)/.exec(seen);
      if (match && /Browse it: \S+\n/.test(seen)) {
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void done.then((result) => reject(new Error(`pincer hub serve exited before serving: ${JSON.stringify(result)}`)));
  });
  return { box, url, printed: seen, dir, child, done };
}

/** Stops a served hub with `signal` (unless it has already ended) and says how it ended. */
export async function stopHub(hub: ServedHub, signal: NodeJS.Signals): Promise<CliResult> {
  if (hub.child.exitCode === null && hub.child.signalCode === null) hub.child.kill(signal);
  return hub.done;
}
