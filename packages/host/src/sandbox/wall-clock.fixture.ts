import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

/**
 * What the wall-clock tests (tool-wall-clock, provider-wall-clock) share: a plugin under a short
 * wall-clock limit (sandbox.wallMsPerCall), and a loopback server it may reach whose `/steady`
 * sends a byte every 50 ms for twice that limit, then ends, and whose `/silent` sends one byte,
 * then nothing. Progress keeps a call alive; silence past the limit stops it.
 */
export const WALL_MS = 1000;
/** How many bytes `/steady` sends. */
export const BEATS = (2 * WALL_MS) / 50;

export interface WallClockSandbox {
  box: PluginSandbox;
  /** The server's base URL (no trailing slash). */
  url: string;
  /** The plugin's working directory. */
  dir: string;
  close(): Promise<void>;
}

export async function wallClockSandbox(pluginName: string, code: string): Promise<WallClockSandbox> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-wall-clock-")));
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    if (request.url === "/silent") {
      response.write(".");
      return;
    }
    let sent = 0;
    const timer = setInterval(() => {
      if (++sent > BEATS) {
        clearInterval(timer);
        response.end();
      } else response.write(".");
    }, 50);
    response.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const box = new PluginSandbox({
    pluginName,
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([`127.0.0.1:${port}`]),
    limits: { wallMsPerCall: WALL_MS },
  });
  return {
    box,
    url: `http://127.0.0.1:${port}`,
    dir,
    async close() {
      box.dispose();
      rmSync(dir, { recursive: true, force: true });
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
