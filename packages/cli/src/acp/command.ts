import { Readable, Writable } from "node:stream";
import { ndJsonStream } from "@agentclientprotocol/sdk";
import type { ThinkingLevel } from "@pincer/kernel";
import { pincerHome } from "@pincer/runtime";
import { createPincerAgent } from "./agent.js";

/**
 * `pincer acp`: an editor (Zed, …) spawns this and speaks ACP over stdin/stdout, one JSON-RPC
 * message per line. Serves until stdin ends, then closes every session (they stay on disk, so
 * the editor can load them again).
 */
export async function acpCommand(options: {
  env: NodeJS.ProcessEnv;
  model?: string;
  thinking?: ThinkingLevel;
}): Promise<void> {
  const log = (line: string) => process.stderr.write(`pincer acp: ${line}\n`);
  // stdout is the protocol: a stray console.log anywhere in the process would corrupt it.
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

  const { app, close } = createPincerAgent({
    home: pincerHome(options.env),
    env: options.env,
    log,
    ...(options.model ? { model: options.model } : {}),
    ...(options.thinking ? { thinking: options.thinking } : {}),
  });
  const stream = ndJsonStream(
    Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
    Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
  );
  const connection = app.connect(stream);
  // The editor went away mid-write (EPIPE): nobody is left to serve.
  process.stdout.on("error", (error) => connection.close(error));
  await connection.closed;
  await close();
}
