import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

// A tool call's wall-clock limit (sandbox.wallMsPerCall) counts from its last progress update: a
// wait that reports as it goes (a job followed for hours) outlives the limit; a silent one is stopped.
const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-tool-wall-")));
const WALL_MS = 1000;
const BEATS = (2 * WALL_MS) / 50;

/** `/steady` sends a heartbeat every 50 ms for twice the wall limit, then ends; `/silent` sends one, then nothing. */
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

/** Reports one progress update per heartbeat it reads, then says how many it saw. */
const code = `globalThis.__pincerPlugin = { default: { tools: [{
  name: "wait", description: "t", kind: "read", parameters: { type: "object" },
  async execute(args, ctx) {
    const response = await fetch(args.url);
    const reader = response.body.getReader();
    let beats = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      beats += value.length;
      ctx.onUpdate("still running");
    }
    return { content: "ended after " + beats + " heartbeats" };
  },
}] } };`;

let box: PluginSandbox;
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  box = new PluginSandbox({
    pluginName: "waiting-tool",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([`127.0.0.1:${port}`]),
    limits: { wallMsPerCall: WALL_MS },
  });
});
afterAll(async () => {
  box.dispose();
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const call = (path: string) =>
  box.run(
    "wait",
    { url: `${url}/${path}` },
    { toolCallId: `call-${path}`, cwd: dir, signal: new AbortController().signal, onUpdate: () => {} },
  );

describe("a tool call's wall-clock limit is progress-based", () => {
  it("a wait that keeps reporting outlives the limit and returns its result", async () => {
    const started = Date.now();
    const result = await call("steady");
    expect(Date.now() - started).toBeGreaterThan(WALL_MS);
    expect(result).toEqual({ content: `ended after ${BEATS} heartbeats` });
  });

  it("a wait that goes silent is stopped, naming the setting", async () => {
    const result = await call("silent");
    expect(result.isError).toBe(true);
    expect(String(result.content)).toContain(`took longer than ${WALL_MS} ms (setting sandbox.wallMsPerCall)`);
  });
});
