import { pincerHome, UsageError } from "@pincer/runtime";
import { startServer } from "./server.js";

/** `pincer serve`: runs until SIGINT/SIGTERM, then closes every session (they stay on disk). */
export async function serveCommand(options: {
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
  /** `--idle-release <seconds>`: idle sessions release their kernel and plugins (0: never). */
  idleRelease?: number;
  /** `--dangerously-run-unconfined`: sessions run commands without the OS sandbox and without asking. */
  unconfined?: boolean;
}): Promise<void> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new UsageError("--port must be a port number (0 for any free one).");
  }
  const idle = options.idleRelease;
  if (idle !== undefined && !(Number.isFinite(idle) && idle >= 0)) {
    throw new UsageError("--idle-release must be a number of seconds (0 to keep idle sessions loaded).");
  }
  const server = await startServer({
    host: options.host,
    port: options.port,
    home: pincerHome(options.env),
    env: options.env,
    cwd: process.cwd(),
    ...(idle !== undefined ? { idleReleaseMs: Math.round(idle * 1000) } : {}),
    ...(options.unconfined ? { unconfined: true } : {}),
  });
  // Listening before the URL is printed: a client that signals as soon as it reads the URL must
  // still get a clean stop, not Node's default handler.
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  process.stdout.write(`Pincer is serving on ${server.url}\n`);
  process.stdout.write(
    options.env.PINCER_SERVER_TOKEN ? "token: from PINCER_SERVER_TOKEN\n" : `token: ${server.token}\n`,
  );
  process.stdout.write(`API: ${server.url}/openapi.json (send Authorization: Bearer <token>)\n`);
  await stopped;
  await server.close();
}
