import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelRequest, ProviderEvent, ToolContext } from "@pincer/kernel";
import { until } from "@pincer/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { isolateCrossings } from "./isolate-start.js";
import { PluginSandbox } from "./plugin-sandbox.js";
import { ResponseBodies } from "./response-bodies.js";

let server: Server;
let port = 0;
/** How many /endless responses the client closed before they ended. */
let endlessClosed = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/json") return response.end(JSON.stringify({ ok: true, method: request.method }));
    if (request.url === "/echo") {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => response.end(`${request.headers["x-test"]}:${body}`));
      return;
    }
    if (request.url === "/chunks") {
      response.write("é".repeat(3));
      setTimeout(() => response.end("|end"), 20);
      return;
    }
    if (request.url?.startsWith("/text-split")) {
      // "aé" then "éb", cut inside the second é: the host decodes whole chunks, the isolate the rest.
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      response.write(Buffer.from([0x61, 0xc3, 0xa9, 0xc3]));
      setTimeout(() => response.end(Buffer.from([0xa9, 0x62])), 20);
      return;
    }
    if (request.url === "/events") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: ünïcode 😀\n\n");
      setTimeout(() => response.end("data: done\n\n"), 20);
      return;
    }
    if (request.url === "/big") {
      // Five megabytes, more than the host pushes ahead of a reader: the reader's acknowledgements
      // must let the rest through.
      response.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 0; i < 80; i++) response.write(Buffer.alloc(64 * 1024, i));
      return response.end();
    }
    if (request.url === "/endless") {
      // Writes until the client goes away.
      response.writeHead(200, { "content-type": "application/octet-stream" });
      const timer = setInterval(() => response.write("x".repeat(1024)), 10);
      response.on("close", () => {
        clearInterval(timer);
        endlessClosed++;
      });
      return;
    }
    if (request.url === "/done-events") {
      // A model's answer as the SDK reads it: events, [DONE], and the end right behind them.
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      return response.end("data: [DONE]\n\n");
    }
    if (request.url === "/slow-events") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\ndata: uno\n\n");
      setTimeout(() => response.end("data: two\n\n"), 400);
      return;
    }
    if (request.url === "/bounce") {
      response.writeHead(302, { location: "http://evil.invalid/steal" });
      return response.end();
    }
    response.statusCode = 404;
    response.end("nope");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function box(
  code: string,
  grants: {
    net?: string[];
    env?: Record<string, string>;
    liveEnv?: NodeJS.ProcessEnv;
    limits?: { cpuMsPerCall: number; memoryMb: number };
  } = {},
) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-web-")));
  const sandbox = new PluginSandbox({
    pluginName: "web-plugin",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({
      allowed: ["GRANTED_KEY"],
      env: grants.liveEnv ?? { GRANTED_KEY: "k", OTHER_SECRET: "s", ...grants.env },
    }),
    request: createNetRequest(grants.net ?? [`127.0.0.1:${port}`]),
    limits: grants.limits ?? { cpuMsPerCall: 2000, memoryMb: 64 },
  });
  cleanups.push(() => {
    sandbox.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  return { sandbox, dir };
}

/** A plugin with one tool whose body is the test's script; it returns whatever the script returns. */
function probe(body: string) {
  return `globalThis.__pincerPlugin = { default: { tools: [{ name: "probe", description: "p", kind: "read",
    parameters: { type: "object" }, async execute(args, ctx) { const base = args.base; ${body} } }] } };`;
}

async function runProbe(body: string, grants?: { net?: string[] }): Promise<string> {
  const { sandbox, dir } = box(probe(body), grants);
  const ctx: ToolContext = { toolCallId: "c1", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
  const result = await sandbox.run("probe", { base: `http://127.0.0.1:${port}` }, ctx);
  return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
}

describe("web platform inside a plugin isolate", () => {
  it("fetches a granted host: status, headers, JSON, request bodies", async () => {
    const out = await runProbe(`
      const a = await fetch(base + "/json");
      const b = await fetch(new Request(base + "/echo", { method: "POST", headers: { "X-Test": "hdr" }, body: "payload" }));
      return { content: [a.status, a.ok, a.headers.get("content-length"), JSON.stringify(await a.json()), await b.text()].join(" ") };`);
    expect(out).toBe('200 true 26 {"ok":true,"method":"GET"} hdr:payload');
  });

  it("sends a Blob body's bytes, and a request's body can still be read in the plugin", async () => {
    const out = await runProbe(`
      const blob = await fetch(base + "/echo", { method: "POST", headers: { "X-Test": "blob" }, body: new Blob(["bl", "ob"]) });
      const request = new Request(base + "/echo", { method: "POST", body: "read me" });
      let formData = "";
      try { new Request(base + "/echo", { method: "POST", body: new FormData() }); } catch (error) { formData = error.message; }
      return { content: [await blob.text(), await request.text(), formData].join(" | ") };`);
    expect(out).toBe("blob:blob | read me | FormData request bodies are not supported in the plugin sandbox yet");
  });

  it("streams a response body chunk by chunk, decoding UTF-8 split across chunks", async () => {
    const out = await runProbe(`
      const response = await fetch(base + "/chunks");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = "", reads = 0;
      for (;;) { const { done, value } = await reader.read(); if (done) break; reads++; text += decoder.decode(value, { stream: true }); }
      return { content: text + " " + (reads >= 2) };`);
    expect(out).toBe("ééé|end true");
  });

  it("reads a body larger than the host sends ahead, whole and in order, then cancels another", async () => {
    const out = await runProbe(`
      const bytes = await (await fetch(base + "/big")).bytes();
      let ordered = true;
      for (let i = 0; i < 80; i++) if (bytes[i * 65536] !== i || bytes[i * 65536 + 65535] !== i) ordered = false;
      const reader = (await fetch(base + "/big")).body.getReader();
      const first = await reader.read();
      await reader.cancel();
      const after = await reader.read();
      return { content: [bytes.length, ordered, first.value.length > 0, after.done].join(" ") };`);
    expect(out).toBe(`${80 * 64 * 1024} true true true`);
  });

  it("a cancelled body closes its connection on the host, and the plugin goes on at once", async () => {
    const before = endlessClosed;
    const out = await runProbe(`
      const response = await fetch(base + "/endless");
      const reader = response.body.getReader();
      const first = await reader.read();
      await reader.cancel();
      const after = await reader.read();
      const next = await (await fetch(base + "/json")).json();
      return { content: [first.value.length > 0, after.done, next.ok].join(" ") };`);
    expect(out).toBe("true true true");
    await until(() => endlessClosed > before, "the host to close the cancelled response");
  });

  it("a cleared timer and the notes before a synchronous call cost no crossing of their own", async () => {
    // As an SDK does around each fetch: a request timeout set, then cleared once the response is in,
    // and the body read as the host pushes it (no call of the plugin's).
    const before = isolateCrossings.fromIsolate;
    // (Whether a cleared timer ever runs is the test of clearTimeout above; this one counts crossings.)
    const out = await runProbe(`
      const timeout = setTimeout(() => {}, 60000);
      const response = await fetch(base + "/json");
      clearTimeout(timeout);
      const text = await response.text();
      console.log("read");
      return { content: response.status + " " + text };`);
    expect(out).toBe('200 {"ok":true,"method":"GET"}');
    // The fetch (the timer's note went with the URL parsing it made, a synchronous call) and the
    // log line's note, which carries the timer's clearing. It was four: the notes before the
    // synchronous call and the clearing each crossed on their own.
    expect(isolateCrossings.fromIsolate - before).toBe(2);
  });

  it("a body that ended with its last bytes is closed in the plugin: its cancel and reads cost no crossing", async () => {
    const cancels = vi.spyOn(ResponseBodies.prototype, "cancel");
    const acknowledged = vi.spyOn(ResponseBodies.prototype, "taken");
    try {
      // As the openai SDK reads a stream: up to [DONE], then it cancels the body.
      const out = await runProbe(`
        const reader = (await fetch(base + "/done-events")).body.getReader();
        const decoder = new TextDecoder();
        let text = "";
        while (!text.includes("[DONE]")) { const { done, value } = await reader.read(); if (done) break; text += decoder.decode(value, { stream: true }); }
        await reader.cancel();
        return { content: JSON.stringify([text, (await reader.read()).done]) };`);
      expect(JSON.parse(out)).toEqual(["data: one\n\ndata: [DONE]\n\n", true]);
      expect(cancels).not.toHaveBeenCalled();
      expect(acknowledged).not.toHaveBeenCalled();
    } finally {
      cancels.mockRestore();
      acknowledged.mockRestore();
    }
  });

  it("decodes text bodies the same whether a chunk is whole UTF-8 or cut inside a character", async () => {
    const out = await runProbe(`
      const streamed = async (path) => {
        const reader = (await fetch(base + path)).body.getReader();
        const decoder = new TextDecoder();
        let text = "";
        for (;;) { const { done, value } = await reader.read(); if (done) break; text += decoder.decode(value, { stream: true }); }
        return text + decoder.decode();
      };
      const whole = async (path) => (await fetch(base + path)).text();
      return { content: JSON.stringify([await streamed("/text-split"), await whole("/text-split?again"), await streamed("/events"), await whole("/events")]) };`);
    expect(JSON.parse(out)).toEqual([
      "aééb",
      "aééb",
      "data: ünïcode 😀\n\ndata: done\n\n",
      "data: ünïcode 😀\n\ndata: done\n\n",
    ]);
  });

  it("decodes UTF-8 like Node: ASCII, then multi-byte text from its first high byte on", async () => {
    // Short texts (a stream's lines) and long ones take different paths through the decoder.
    const long = `${"x".repeat(3000)} then é, ü and 😀 ${"y".repeat(9000)}`;
    const samples = [
      "plain ascii data: {}",
      "ascii first, then é and ü",
      "ÿ at the start",
      "emoji 😀 mid-line",
      "",
      long,
    ];
    const out = await runProbe(`
      const samples = ${JSON.stringify(samples)};
      return { content: JSON.stringify(samples.map((s) => new TextDecoder().decode(new TextEncoder().encode(s)))) };`);
    expect(JSON.parse(out)).toEqual(samples);
  });

  it("refuses ungranted hosts: directly, through a redirect, and behind userinfo", async () => {
    const out = await runProbe(`
      const tries = [
        "http://example.com/",
        base + "/bounce",
        "http://127.0.0.1:${port}@evil.invalid/",
      ];
      const results = [];
      for (const url of tries) { try { await fetch(url); results.push("reached " + url); } catch (e) { results.push(e.message); } }
      return { content: results.join("\\n") };`);
    const lines = out.split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/network access to .* refused/);
    expect(lines[1]).toContain("evil.invalid");
    expect(lines[2]).toContain("evil.invalid");
  });

  it("gives no way to the host through fetch, responses or their prototypes", async () => {
    const out = await runProbe(`
      const response = await fetch(base + "/json");
      const escapes = [
        () => fetch.constructor.constructor("return process")(),
        () => response.constructor.constructor("return require")(),
        () => Object.getPrototypeOf(response.headers).constructor.constructor("return globalThis.process")(),
        () => response.body.getReader.constructor("return process.env")(),
      ];
      return { content: escapes.map((escape) => { try { const v = escape(); return v === undefined ? "undefined" : "LEAK"; } catch { return "threw"; } }).join(",") };`);
    expect(out).not.toContain("LEAK");
  });

  it("lists Headers sorted by lower-case name with repeated names combined, copies included", async () => {
    const out = await runProbe(`
      const h = new Headers({ "X-B": "2", "content-type": "text/plain", "X-a": "1" });
      h.append("x-B", "3");
      const copy = new Headers(h);
      copy.set("Zeta", "z");
      copy.delete("content-type");
      const request = new Request(base + "/echo", { method: "POST", headers: h });
      const parts = [
        JSON.stringify([...h]), JSON.stringify([...h.keys()]), JSON.stringify([...h.values()]),
        JSON.stringify([...copy]), JSON.stringify([...request.headers]), JSON.stringify([...new Headers([["b", "1"], ["A", "2"]])]),
      ];
      h.forEach((value, name) => parts.push(name + "=" + value));
      return { content: parts.join("\\n") };`);
    expect(out.split("\n")).toEqual([
      '[["content-type","text/plain"],["x-a","1"],["x-b","2, 3"]]',
      '["content-type","x-a","x-b"]',
      '["text/plain","1","2, 3"]',
      '[["x-a","1"],["x-b","2, 3"],["zeta","z"]]',
      '[["content-type","text/plain"],["x-a","1"],["x-b","2, 3"]]',
      '[["a","2"],["b","1"]]',
      "content-type=text/plain",
      "x-a=1",
      "x-b=2, 3",
    ]);
  });

  it("has URL, URLSearchParams, timers, crypto, structuredClone and base64", async () => {
    const out = await runProbe(`
      const url = new URL("/v1/chat?x=1", "https://api.example.com/base/");
      url.searchParams.append("q", "a b");
      const fired = await new Promise((resolve) => { const t = setTimeout(() => resolve("never"), 5); clearTimeout(t); setTimeout(() => resolve("fired"), 10); });
      const uuid = crypto.randomUUID();
      const clone = structuredClone({ a: [1, { b: 2 }] });
      return { content: [url.href, url.hostname, fired, /^[0-9a-f-]{36}$/.test(uuid), JSON.stringify(clone), atob(btoa("hi"))].join(" ") };`);
    expect(out).toBe('https://api.example.com/v1/chat?x=1&q=a+b api.example.com fired true {"a":[1,{"b":2}]} hi');
  });
});

function providerPlugin(streamBody: string): string {
  return `globalThis.__pincerPlugin = { default: { providers: [{ id: "toy", models: [{ id: "toy-1" }],
    create(ctx) { return { id: "toy", async *stream(request, signal) { ${streamBody} } }; } }] } };`;
}

async function collect(sandbox: PluginSandbox, signal = new AbortController().signal): Promise<ProviderEvent[]> {
  const request: ModelRequest = { model: "toy-1", systemPrompt: "", messages: [], tools: [] };
  const events: ProviderEvent[] = [];
  for await (const event of sandbox.stream("toy", request, { greeting: "hi" }, signal)) events.push(event);
  return events;
}

describe("providers in a plugin isolate", () => {
  it("streams events, with config and only the granted environment", async () => {
    const { sandbox } = box(
      providerPlugin(`
        yield { type: "text_delta", text: ctx.config.greeting + " " + ctx.env.get("GRANTED_KEY") + " " + ctx.env.get("OTHER_SECRET") };
        yield { type: "stop", reason: "stop" };`),
    );
    expect((await sandbox.definitions()).providers).toEqual([{ id: "toy", models: [{ id: "toy-1" }] }]);
    expect(await collect(sandbox)).toEqual([
      { type: "text_delta", text: "hi k undefined" },
      { type: "stop", reason: "stop" },
    ]);
  });

  it("reads the granted environment as it is at each call, and nothing else", async () => {
    // The granted values travel with each call: a change on the host shows in the next one.
    const liveEnv: NodeJS.ProcessEnv = { GRANTED_KEY: "first", OTHER_SECRET: "s" };
    const { sandbox, dir } = box(
      probe(`return { content: ctx.env.get("GRANTED_KEY") + " " + ctx.env.get("OTHER_SECRET") };`),
      {
        liveEnv,
      },
    );
    const ctx: ToolContext = { toolCallId: "c1", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
    expect((await sandbox.run("probe", {}, ctx)).content).toBe("first undefined");
    liveEnv.GRANTED_KEY = "second";
    expect((await sandbox.run("probe", {}, { ...ctx, toolCallId: "c2" })).content).toBe("second undefined");
    delete liveEnv.GRANTED_KEY;
    expect((await sandbox.run("probe", {}, { ...ctx, toolCallId: "c3" })).content).toBe("undefined undefined");
  });

  it("sends the first token at once, not with the batch it starts", async () => {
    // The provider waits on a timer, not on the host, after its first token: without the
    // first-token flush, that token would sit in the batch until the stream ended.
    const { sandbox } = box(
      providerPlugin(`
        yield { type: "usage", usage: { input: 3 } };
        yield { type: "text_delta", text: "first" };
        await new Promise((resolve) => setTimeout(resolve, 400));
        yield { type: "text_delta", text: "second" };
        yield { type: "stop", reason: "stop" };`),
    );
    const request: ModelRequest = { model: "toy-1", systemPrompt: "", messages: [], tools: [] };
    const started = Date.now();
    const arrivals: Array<[string, number]> = [];
    for await (const event of sandbox.stream("toy", request, {}, new AbortController().signal)) {
      arrivals.push([event.type === "text_delta" ? event.text : event.type, Date.now() - started]);
    }
    expect(arrivals.map(([what]) => what)).toEqual(["usage", "first", "second", "stop"]);
    const at = Object.fromEntries(arrivals);
    expect(at.second! - at.first!).toBeGreaterThanOrEqual(300);
  });

  it("sends what one network read gave before waiting for the next, though a read is always ahead", async () => {
    // "uno" is batched (it is not the first token); the isolate then waits for the body's next
    // chunk, which it had already asked for: the batch must go then, not when "two" arrives.
    const { sandbox } = box(
      providerPlugin(`
        const response = await fetch(ctx.config.base + "/slow-events");
        const decoder = new TextDecoder();
        for await (const chunk of response.body) {
          for (const line of decoder.decode(chunk, { stream: true }).split("\\n")) {
            if (line.startsWith("data: ")) yield { type: "text_delta", text: line.slice(6) };
          }
        }
        yield { type: "stop", reason: "stop" };`),
    );
    const request: ModelRequest = { model: "toy-1", systemPrompt: "", messages: [], tools: [] };
    const started = Date.now();
    const arrivals: Array<[string, number]> = [];
    const config = { base: `http://127.0.0.1:${port}` };
    for await (const event of sandbox.stream("toy", request, config, new AbortController().signal)) {
      arrivals.push([event.type === "text_delta" ? event.text : event.type, Date.now() - started]);
    }
    expect(arrivals.map(([what]) => what)).toEqual(["one", "uno", "two", "stop"]);
    const at = Object.fromEntries(arrivals);
    expect(at.two! - at.uno!).toBeGreaterThanOrEqual(300);
  });

  it("ends a stream whose provider throws with an error event, and refuses unknown events", async () => {
    const { sandbox } = box(providerPlugin(`yield { type: "evil" }; throw new Error("boom");`));
    const events = await collect(sandbox);
    expect(events[0]).toMatchObject({ type: "error", message: expect.stringContaining("unknown event") });
    expect(events.at(-1)).toMatchObject({ type: "error", message: expect.stringContaining("boom"), retryable: false });
  });

  it("stops a provider that spins forever or eats memory, and the next stream works", async () => {
    const plugin = providerPlugin(`
        if (request.model === "spin") { for (;;) {} }
        if (request.model === "eat") { const hoard = []; for (;;) hoard.push(new Array(1e6).fill(1)); }
        yield { type: "text_delta", text: "fine" }; yield { type: "stop", reason: "stop" };`);
    const run = async (sandbox: PluginSandbox, model: string) => {
      const events: ProviderEvent[] = [];
      for await (const event of sandbox.stream(
        "toy",
        { model, systemPrompt: "", messages: [], tools: [] },
        {},
        new AbortController().signal,
      ))
        events.push(event);
      return events;
    };
    const spinning = box(plugin).sandbox;
    expect((await run(spinning, "spin")).at(-1)).toMatchObject({
      type: "error",
      message: expect.stringContaining("CPU"),
    });
    expect((await run(spinning, "ok"))[0]).toEqual({ type: "text_delta", text: "fine" });
    // Ample CPU time, so that on a loaded machine (the collector's work counts too) the memory
    // limit, not the CPU limit, is what stops it.
    const eating = box(plugin, { limits: { cpuMsPerCall: 60_000, memoryMb: 64 } }).sandbox;
    expect((await run(eating, "eat")).at(-1)).toMatchObject({
      type: "error",
      message: expect.stringContaining("memory"),
    });
    expect((await run(eating, "ok"))[0]).toEqual({ type: "text_delta", text: "fine" });
  });

  it("forwards abort into the provider's signal", async () => {
    const { sandbox } = box(
      providerPlugin(`
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
        yield { type: "error", message: "aborted inside", retryable: false };`),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await collect(sandbox, controller.signal)).toEqual([
      { type: "error", message: "aborted inside", retryable: false },
    ]);
  });
});
