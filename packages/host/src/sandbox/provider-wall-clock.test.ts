import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderEvent } from "@pincer/kernel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

// A model call's wall-clock limit (sandbox.wallMsPerCall) counts from its last event: a stream that
// keeps sending runs as long as it needs; one that goes silent is stopped, naming the setting.
const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-provider-wall-")));
const WALL_MS = 1000;

const PIECES = (2 * WALL_MS) / 50;
/**
 * A model server: `/steady` sends a piece every 50 ms for twice the wall limit, then ends;
 * `/silent` sends one piece, then nothing.
 */
const server = createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/plain" });
  if (request.url === "/silent") {
    response.write(".");
    return;
  }
  let sent = 0;
  const timer = setInterval(() => {
    if (++sent > PIECES) {
      clearInterval(timer);
      response.end();
    } else response.write(".");
  }, 50);
  response.on("close", () => clearInterval(timer));
});

/** Yields one text event per piece of the body it reads (each read is a wait, so events go at once). */
const code = `globalThis.__pincerPlugin = { default: { providers: [{
  id: "pace", models: [],
  create: ({ config }) => ({
    async *stream(request) {
      const response = await fetch(config.url + "/" + request.systemPrompt);
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (let i = 0; i < value.length; i++) yield { type: "text_delta", text: "." };
      }
      yield { type: "stop", reason: "stop" };
    },
  }),
}] } };`;

let box: PluginSandbox;
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  box = new PluginSandbox({
    pluginName: "pace-provider",
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

async function run(mode: string): Promise<{ events: ProviderEvent[]; ms: number }> {
  const started = Date.now();
  const events: ProviderEvent[] = [];
  const request = { model: "m", systemPrompt: mode, messages: [], tools: [] };
  for await (const event of box.stream("pace", request, { url }, new AbortController().signal)) events.push(event);
  return { events, ms: Date.now() - started };
}

describe("a model call's wall-clock limit is progress-based", () => {
  it("a stream that keeps sending outlives the limit and ends normally", async () => {
    const { events, ms } = await run("steady");
    expect(ms).toBeGreaterThan(WALL_MS);
    expect(events.filter((event) => event.type === "text_delta")).toHaveLength(PIECES);
    expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
  });

  it("a stream that goes silent is stopped, and the message names the setting", async () => {
    const { events } = await run("silent");
    expect(events[0]).toEqual({ type: "text_delta", text: "." });
    const last = events.at(-1);
    expect(last?.type).toBe("error");
    expect((last as { message: string }).message).toContain(
      `sent no event for ${WALL_MS} ms (setting sandbox.wallMsPerCall)`,
    );
  });
});
