import { randomBytes } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalHubOptions } from "@pincer/hub";
import { UsageError } from "./home.js";
import { hubJobLauncher } from "./hub-jobs.js";

/**
 * The local Hub of a PINCER_HOME: its data (`PINCER_HOME/hub`), its token (`PINCER_HOME/hub/token`,
 * mode 0600, made on first use) and the port it is served on. `pincer hub serve`, the Hub
 * `pincer intern` embeds and the demo's all use the same three, so what one publishes the others
 * serve at the same URLs, and Pincer's own clients find the token by themselves.
 */

/** The port `pincer hub serve` and an embedded Hub listen on, unless PINCER_HUB_PORT or --port say otherwise. */
export const DEFAULT_HUB_PORT = 7358;

export const hubDir = (home: string): string => join(home, "hub");
export const hubTokenFile = (home: string): string => join(hubDir(home), "token");
/** Where a running `pincer hub serve` announces itself ({url, pid, token}, 0600), so sessions can find the local Hub. */
export const hubServerFile = (home: string): string => join(hubDir(home), "server.json");

/** The port to serve on: PINCER_HUB_PORT when set (0: any free port), else DEFAULT_HUB_PORT. */
export function hubPort(env: NodeJS.ProcessEnv): number {
  const raw = env.PINCER_HUB_PORT;
  if (raw === undefined || raw === "") return DEFAULT_HUB_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`PINCER_HUB_PORT must be a port number (0 for any free port), not "${raw}".`);
  }
  return port;
}

/**
 * This PINCER_HOME's Hub token: read from the token file, or made (`hf_` and 24 random bytes in
 * hex: the shape Hugging Face clients expect and redaction knows) and written there readable by this
 * user only. A file that others could read is made private again.
 */
export function localHubToken(home: string): string {
  const file = hubTokenFile(home);
  mkdirSync(hubDir(home), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `hf_${randomBytes(24).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = lstatSync(file);
  if (!stat.isFile()) throw new UsageError(`${file} must be a file holding the local Hub's token.`);
  if ((stat.mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, "utf8").trim();
  if (!token) throw new UsageError(`${file} is empty: delete it and a new token is made.`);
  return token;
}

export interface RunningHub {
  url: string;
  token: string;
  pid: number;
}

/** The `pincer hub serve` of this PINCER_HOME that is running now (its process alive), if there is one. */
export function runningLocalHub(home: string): RunningHub | undefined {
  try {
    const { url, pid, token } = JSON.parse(readFileSync(hubServerFile(home), "utf8")) as Record<string, unknown>;
    if (typeof url !== "string" || typeof pid !== "number") return undefined;
    process.kill(pid, 0);
    return { url, pid, token: typeof token === "string" && token ? token : localHubToken(home) };
  } catch {
    // No file, a bad one, or a server that died without cleaning up: no local Hub.
    return undefined;
  }
}

/**
 * The token for `endpoint` when it is this PINCER_HOME's running Hub (HF_ENDPOINT set to it without
 * an HF_TOKEN): Pincer's own clients use it by themselves.
 */
export function tokenForLocalEndpoint(endpoint: string, home: string): string | undefined {
  const running = runningLocalHub(home);
  if (!running) return undefined;
  try {
    const a = new URL(endpoint);
    const b = new URL(running.url);
    const loopback = (host: string) => ["localhost", "127.0.0.1", "[::1]"].includes(host);
    const sameHost = a.hostname === b.hostname || (loopback(a.hostname) && loopback(b.hostname));
    return sameHost && a.port === b.port && a.protocol === b.protocol ? running.token : undefined;
  } catch {
    return undefined;
  }
}

/** Announces a running `pincer hub serve` (readable by this user only: it holds the token). */
export function writeHubServerFile(home: string, hub: RunningHub): void {
  writeFileSync(hubServerFile(home), `${JSON.stringify(hub, null, 2)}\n`, { mode: 0o600 });
  chmodSync(hubServerFile(home), 0o600);
}

/** The command that serves this PINCER_HOME's Hub on `port` again. */
export function serveCommand(port: number, env: NodeJS.ProcessEnv): string {
  return port === hubPort(env) && port !== 0 ? "pincer hub serve" : `pincer hub serve --port ${port}`;
}

export interface HomeHub {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts this PINCER_HOME's Hub in this process: its data, its token, on `port` (default
 * hubPort(env)). With `anyPortIfTaken`, a taken port gives way to any free one (an embedded Hub
 * must not fail because something else listens there); otherwise it is a usage error.
 */
export async function startHomeHub(
  home: string,
  env: NodeJS.ProcessEnv,
  options: {
    host?: string;
    port?: number;
    token?: string;
    anyPortIfTaken?: boolean;
    /** Anything else the Hub is started with (its jobs, say). */
    hub?: Omit<LocalHubOptions, "dir" | "token" | "port" | "host">;
    /** `--dangerously-run-unconfined`: its jobs run without the OS sandbox, unasked. */
    unconfined?: boolean;
  } = {},
): Promise<HomeHub> {
  const { startLocalHub } = await import("@pincer/hub");
  const dir = hubDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = options.token ?? localHubToken(home);
  const port = options.port ?? hubPort(env);
  let url: string | undefined;
  // Jobs run in the OS sandbox like every command, reaching this Hub's address only (hub-jobs.ts).
  const launcher = hubJobLauncher(home, env, () => url, { unconfined: options.unconfined === true });
  const start = (on: number) =>
    startLocalHub({
      dir,
      token,
      port: on,
      jobs: { launcher },
      ...options.hub,
      ...(options.host ? { host: options.host } : {}),
    });
  let hub: Awaited<ReturnType<typeof startLocalHub>>;
  try {
    hub = await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    if (!options.anyPortIfTaken) {
      throw new UsageError(
        `Port ${port} is taken (another pincer hub serve, or another program). Pass --port <n> (0: any free port), or set PINCER_HUB_PORT.`,
      );
    }
    hub = await start(0);
  }
  url = hub.url;
  return { url: hub.url, token: hub.token, port: Number(new URL(hub.url).port), close: () => hub.close() };
}
