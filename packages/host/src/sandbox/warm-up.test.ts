import { mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolContext } from "@pincer/kernel";
import ivm from "isolated-vm";
import { afterEach, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";
import { PRELUDE } from "./prelude.js";
import { SnapshotCache } from "./snapshot-cache.js";
import { WARM_UP } from "./warm-up.js";
import { rehearseWarmUp } from "./warm-up-rehearsal.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function folder(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-warm-up-")));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A plugin with the shapes the warm-up drives: a provider that fetches and reads a streamed
 * answer, bash and read tools that reach the host, and `calls`, which counts every call the
 * plugin's code served in this context (the `calls` tool reports it).
 */
const BUNDLE = `
  let calls = 0;
  const provider = (ctx) => ({
    id: "fixture",
    async *stream(request, signal) {
      calls++;
      const response = await ctx.fetch(ctx.config.baseURL + "/chat/completions", {
        method: "POST", headers: { authorization: "Bearer " + ctx.config.apiKey },
        body: JSON.stringify({ model: request.model, messages: request.messages, tools: request.tools }), signal,
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) { const { value, done } = await reader.read(); if (done) break; text += decoder.decode(value, { stream: true }); }
      for (const line of text.split("\\n")) {
        if (!line.startsWith("data: {")) continue;
        const delta = JSON.parse(line.slice(6)).choices[0]?.delta ?? {};
        if (delta.content) yield { type: "text_delta", text: delta.content };
        for (const call of delta.tool_calls ?? []) if (call.id) yield { type: "toolcall_start", index: call.index, id: call.id, name: call.function.name };
      }
      yield { type: "stop", reason: "stop" };
    },
  });
  const tool = (name, execute) => ({ name, description: name, kind: "read", parameters: { type: "object" }, execute,
    permissionSubject: (args) => ({ kind: "command", value: String(args.command ?? args.path) }) });
  globalThis.__pincerPlugin = { default: {
    providers: [{ id: "fixture", models: [{ id: "fixture/model-1" }], create: provider }],
    tools: [
      tool("bash", async (args, ctx) => { calls++; const ran = await ctx.exec.run(args.command, { onOutput: ctx.onUpdate }); return { content: ran.output + "exit " + ran.exitCode }; }),
      tool("read", async (args, ctx) => { calls++; const stat = await ctx.fs.stat(args.path); return { content: stat.type + ": " + new TextDecoder().decode(await ctx.fs.readFile(args.path)) }; }),
      tool("calls", async () => ({ content: "calls=" + ++calls })),
    ],
  } };`;

const scripts = [
  { code: PRELUDE, filename: "pincer-prelude.js" },
  { code: BUNDLE, filename: "fixture/plugin.js" },
];

function sandboxOver(dir: string, snapshots: SnapshotCache) {
  const sandbox = new PluginSandbox({
    pluginName: "fixture",
    code: BUNDLE,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([]),
    snapshots,
  });
  cleanups.push(() => sandbox.dispose());
  return sandbox;
}

/** The global names and the `calls` count an isolate started from `snapshot` sees. */
function seenFrom(snapshot: ivm.ExternalCopy<ArrayBuffer>): string {
  const isolate = new ivm.Isolate({ snapshot, memoryLimit: 64 });
  cleanups.push(() => isolate.dispose());
  return isolate.createContextSync().evalSync("Object.getOwnPropertyNames(globalThis).sort().join()");
}

describe("the snapshot warm-up", () => {
  it("drives a provider's stream and the bash and read tools through the prelude, answered by its fake host", async () => {
    const report = await rehearseWarmUp(BUNDLE, "fixture");
    expect(report.failed).toEqual([]);
    expect(report.steps).toEqual([
      { name: "stream fixture text", events: ["text_delta", "text_delta", "stop"] },
      { name: "stream fixture toolCall", events: ["toolcall_start", "stop"] },
      { name: "stream fixture afterTool", events: ["text_delta", "text_delta", "stop"] },
      { name: "run bash", result: { content: "warm-up\nexit 0" } },
      { name: "run read", result: { content: "file: first line\nsecond line\n" } },
    ]);
  });

  it("leaves nothing in the context an isolate starts from: globals as cold, no call counted, the host attaches afresh", async () => {
    const dir = folder();
    const cold = new SnapshotCache(join(dir, "cold"), "");
    const warm = new SnapshotCache(join(dir, "warm"));
    const coldSnapshot = cold.create(cold.keyFor(PRELUDE, "fixture"), scripts);
    const warmSnapshot = warm.create(warm.keyFor(PRELUDE, "fixture"), scripts);
    if (!coldSnapshot || !warmSnapshot) throw new Error("no snapshot made");
    expect(seenFrom(warmSnapshot)).toBe(seenFrom(coldSnapshot));
    // The code it compiled is kept (promise chains included: V8 ran them before taking the snapshot).
    expect(warmSnapshot.copy().byteLength).toBeGreaterThan(coldSnapshot.copy().byteLength);

    // The sandbox as sessions start it: the warmed snapshot made by one cache, read back by another.
    // The five calls the warm-up made happened in the throw-away context only.
    const ctx: ToolContext = { toolCallId: "c1", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
    const first = sandboxOver(dir, new SnapshotCache(join(dir, "started")));
    expect((await first.run("calls", {}, ctx)).content).toBe("calls=1");
    expect(readdirSync(join(dir, "started")).filter((file) => file.endsWith(".bin"))).toHaveLength(1);
    const again = sandboxOver(dir, new SnapshotCache(join(dir, "started")));
    expect((await again.run("calls", {}, ctx)).content).toBe("calls=1");
    expect((await again.run("calls", {}, ctx)).content).toBe("calls=2");
  });

  it("falls back to a cold snapshot when the warm-up throws, never to none or a broken one", async () => {
    const dir = folder();
    const cold = new SnapshotCache(join(dir, "cold"), "");
    const coldSnapshot = cold.create(cold.keyFor(PRELUDE, "fixture"), scripts);
    if (!coldSnapshot) throw new Error("no snapshot made");
    const throwing = new SnapshotCache(join(dir, "throwing"), "globalThis.broken = true; throw new Error('failed');");
    const snapshot = throwing.create(throwing.keyFor(PRELUDE, "fixture"), scripts);
    if (!snapshot) throw new Error("no snapshot made");
    expect(seenFrom(snapshot)).toBe(seenFrom(coldSnapshot));
    expect(readdirSync(join(dir, "throwing")).some((file) => file.endsWith(".unsnapshottable"))).toBe(false);
    // A sandbox starts from it, and a later one finds it on disk.
    const ctx: ToolContext = { toolCallId: "c1", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
    const again = new SnapshotCache(join(dir, "throwing"), "globalThis.broken = true; throw new Error('failed');");
    expect((await sandboxOver(dir, again).run("calls", {}, ctx)).content).toBe("calls=1");
    expect(again.load(again.keyFor(PRELUDE, "fixture"))).toBeDefined();
    // One that fails later, in a promise, or never settles, leaves a warmed snapshot as well.
    const rejecting = new SnapshotCache(
      join(dir, "rejecting"),
      "(async () => { await null; throw new Error('later'); })(); new Promise(() => {});",
    );
    expect(rejecting.create(rejecting.keyFor(PRELUDE, "fixture"), scripts)).toBeDefined();
  });

  it("is part of the snapshot's key: another warm-up makes another snapshot", () => {
    const dir = folder();
    const keys = new Set(
      ["", WARM_UP, `${WARM_UP}\n`].map((warmUp) => new SnapshotCache(dir, warmUp).keyFor(PRELUDE, "fixture")),
    );
    expect(new SnapshotCache(dir).keyFor(PRELUDE, "fixture")).toBe(
      new SnapshotCache(dir, WARM_UP).keyFor(PRELUDE, "fixture"),
    );
    expect(keys.size).toBe(3);
  });
});
