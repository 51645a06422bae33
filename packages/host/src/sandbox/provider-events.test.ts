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

// Every event a provider plugin emits reaches the kernel, in order, the last batch included: a
// call that ends right after its error event must never look like an empty success (an HTTP 400
// once came back as exit 0 with an empty answer in a few runs out of a hundred).
const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-provider-events-")));
// A model server that refuses every request, as one does a malformed one.
const server = createServer((_request, response) => {
  response.writeHead(400, { "content-type": "application/json" });
  response.end(JSON.stringify({ error: { message: "bad request" } }));
});
let box: PluginSandbox;

/**
 * The provider's `mode` (its system prompt): `http-400` asks the server and reports its refusal as
 * the only event; `text-then-error` sends text, then the error; `text-then-throw` throws after its
 * text; `burst` sends more events than one batch holds, then stops.
 */
const code = `globalThis.__pincerPlugin = { default: { providers: [{
  id: "flaky", models: [],
  create: ({ config }) => ({
    async *stream(request) {
      const mode = request.systemPrompt;
      if (mode === "http-400") {
        const response = await fetch(config.url, { method: "POST", body: "{}" });
        const body = await response.json();
        yield { type: "error", message: response.status + ": " + body.error.message, retryable: false };
        return;
      }
      if (mode === "burst") {
        for (let i = 0; i < 1000; i++) yield { type: "text_delta", text: String(i) + "," };
        yield { type: "stop", reason: "stop" };
        return;
      }
      yield { type: "text_delta", text: "partial" };
      if (mode === "text-then-throw") throw new Error("HTTP 400 from the model server");
      yield { type: "error", message: "400: bad request", retryable: false };
    },
  }),
}] } };`;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  box = new PluginSandbox({
    pluginName: "flaky-provider",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([`127.0.0.1:${(server.address() as AddressInfo).port}`]),
  });
});
afterAll(async () => {
  box.dispose();
  rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => server.close(resolve));
});

async function collect(mode: string): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  const request = { model: "m", systemPrompt: mode, messages: [], tools: [] };
  const config = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat` };
  for await (const event of box.stream("flaky", request, config, new AbortController().signal)) events.push(event);
  return events;
}

/** Runs `mode` `times` times; the calls whose events were not `expected` (event types, in order). */
async function wrongRuns(mode: string, times: number, expected: string[]): Promise<string[]> {
  const wrong: string[] = [];
  for (let i = 0; i < times; i++) {
    const events = await collect(mode);
    const types = events.map((event) => event.type);
    if (types.join(",") !== expected.join(",")) wrong.push(`run ${i}: ${JSON.stringify(events)}`);
  }
  return wrong;
}

// CI runs the count below; PINCER_STRESS=1 runs ten times as many.
const ITERATIONS = process.env.PINCER_STRESS ? 2000 : 200;

describe("provider plugin events: nothing lost at the end of a call", () => {
  it(`reports an HTTP 400 as an error event, ${ITERATIONS} calls in a row`, async () => {
    expect(await wrongRuns("http-400", ITERATIONS, ["error"])).toEqual([]);
  }, 120_000);

  it(`delivers the error event that follows the text, ${ITERATIONS} calls in a row`, async () => {
    expect(await wrongRuns("text-then-error", ITERATIONS, ["text_delta", "error"])).toEqual([]);
  }, 120_000);

  it(`ends a call that throws after its text with both, in order, ${ITERATIONS} calls in a row`, async () => {
    expect(await wrongRuns("text-then-throw", ITERATIONS, ["text_delta", "error"])).toEqual([]);
    const last = (await collect("text-then-throw")).at(-1);
    expect(last?.type === "error" && last.message).toContain("HTTP 400 from the model server");
  }, 120_000);

  it("keeps a long burst whole and in order", async () => {
    for (let round = 0; round < 20; round++) {
      const events = await collect("burst");
      const text = events.flatMap((event) => (event.type === "text_delta" ? [event.text] : [])).join("");
      expect(text).toBe(Array.from({ length: 1000 }, (_, i) => `${i},`).join(""));
      expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
    }
  }, 120_000);
});
