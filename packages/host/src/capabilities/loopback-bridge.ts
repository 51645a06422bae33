import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where the bridge's socket folder appears inside the sandbox (inside its private /tmp). */
export const SANDBOX_SOCKET_DIR = "/tmp/.pincer-net";

/**
 * One loopback address (the local Hub) reachable from a sandbox that has no network. A sandboxed
 * command has its own network namespace, whose 127.0.0.1 is not the host's; so the host listens
 * on a Unix socket, bound read-only into the sandbox, that forwards to the address; and inside,
 * a tiny forwarder (Pincer's own Node, no files needed) listens on the same host and port in the
 * sandbox's namespace and forwards to the socket, then runs the command and exits as it does.
 * The command reaches `http://127.0.0.1:<port>` exactly as outside, and nothing else.
 */
export interface LoopbackBridge {
  /** The host folder holding the socket (bind it at SANDBOX_SOCKET_DIR). */
  dir: string;
  /** The argv to run inside instead of `argv`: the forwarder, then the command. */
  wrap(argv: string[]): string[];
  close(): void;
}

// Runs inside the sandbox with `node -e`: argv = socket, host, port, then the command.
const FORWARDER = `
const net = require("node:net");
const { spawn } = require("node:child_process");
const [socket, host, port, ...argv] = process.argv.slice(1);
const server = net.createServer((client) => {
  const upstream = net.connect(socket);
  client.pipe(upstream).on("error", () => upstream.destroy());
  upstream.pipe(client).on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
server.on("error", (error) => {
  process.stderr.write("pincer: could not open the Hub's address inside the sandbox: " + error.message + "\\n");
  process.exit(126);
});
server.listen(Number(port), host, () => {
  const child = spawn(argv[0], argv.slice(1), { stdio: "inherit" });
  for (const name of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(name, () => child.kill(name));
  child.on("error", (error) => {
    process.stderr.write("pincer: could not start " + argv[0] + ": " + error.message + "\\n");
    process.exit(127);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
});
`;

export function openLoopbackBridge(target: { host: string; port: number }): LoopbackBridge {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-net-")));
  const socketPath = join(dir, "s");
  const server: Server = createServer((inside) => {
    const outside = connect(target.port, target.host);
    inside.pipe(outside);
    outside.pipe(inside);
    inside.on("error", () => outside.destroy());
    outside.on("error", () => inside.destroy());
  });
  server.listen(socketPath);
  server.unref();
  return {
    dir,
    wrap: (argv) => [
      process.execPath,
      "-e",
      FORWARDER,
      join(SANDBOX_SOCKET_DIR, "s"),
      target.host,
      String(target.port),
      ...argv,
    ],
    close() {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
