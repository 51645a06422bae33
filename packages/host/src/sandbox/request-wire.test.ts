import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Message, ModelRequest } from "@pincer/kernel";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { isolateHeaps } from "./isolate-census.js";
import { PluginSandbox } from "./plugin-sandbox.js";
import { RequestWire } from "./request-wire.js";

// A model request names the messages the provider's isolate already holds and brings only the new
// ones; whatever the two halves believe, the provider sees exactly the request the kernel made.
const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-request-wire-")));
let box: PluginSandbox;

/** Answers with what it was given, after trying to change it (which must not stick). */
const code = `globalThis.__pincerPlugin = { default: { providers: [{
  id: "echo", models: [],
  create: () => ({
    async *stream(request) {
      const seen = { system: request.systemPrompt, texts: request.messages.map((m) => m.content), frozen: Object.isFrozen(request.messages[0]), tools: request.tools.map((t) => t.name) };
      try { request.messages[0].content = "changed by the provider"; } catch {}
      try { request.tools[0].name = "changed by the provider"; } catch {}
      try { request.tools.push({ name: "pushed by the provider" }); } catch {}
      yield { type: "text_delta", text: JSON.stringify(seen) };
      yield { type: "stop", reason: "stop" };
    },
  }),
}] } };`;

const user = (text: string): Message => ({ role: "user", content: text, timestamp: 1 });
const request = (messages: Message[], systemPrompt = "sys"): ModelRequest => ({
  model: "m",
  systemPrompt,
  messages,
  tools: [],
});

async function seen(req: ModelRequest): Promise<{ system: string; texts: string[]; frozen: boolean; tools: string[] }> {
  let text = "";
  for await (const event of box.stream("echo", req, {}, new AbortController().signal)) {
    if (event.type === "text_delta") text += event.text;
    if (event.type === "error") throw new Error(event.message);
  }
  return JSON.parse(text);
}

beforeAll(() => {
  box = new PluginSandbox({
    pluginName: "echo-provider",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([]),
  });
});
afterAll(() => {
  box.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("RequestWire", () => {
  it("sends each message once to an isolate, and everything again to another", () => {
    const wire = new RequestWire();
    const [a, b, c] = [user("a"), user("b"), user("c")];
    const isolate = {};
    const first = JSON.parse(wire.encode(request([a, b]), isolate));
    const second = JSON.parse(wire.encode(request([a, b, c]), isolate));
    expect(first.added.map(([, message]: [number, Message]) => message.content)).toEqual(["a", "b"]);
    expect(second.added.map(([, message]: [number, Message]) => message.content)).toEqual(["c"]);
    expect(second.ids).toEqual([...first.ids, second.added[0][0]]);
    // The prompt is the same as the last request's: the isolate has it (the tools are another array).
    expect(second.same).toEqual(["systemPrompt"]);
    expect(second.request).toEqual({ model: "m", tools: [] });
    const restarted = JSON.parse(wire.encode(request([a, b, c]), {}));
    expect(restarted.added).toHaveLength(3);
  });

  it("brings the tools and the prompt only when they are not the very ones of the conversation's last request", () => {
    const wire = new RequestWire();
    const isolate = {};
    const tools = Object.freeze([{ name: "read", description: "Read a file", parameters: { type: "object" } }]);
    const [a, b, c] = [user("a"), user("b"), user("c")];
    const sent = (req: ModelRequest) => JSON.parse(wire.encode(req, isolate));
    expect(sent({ ...request([a]), tools }).request).toMatchObject({ systemPrompt: "sys", tools });
    const again = sent({ ...request([a, b]), tools });
    expect(again.same).toEqual(["tools", "systemPrompt"]);
    expect(again.request).toEqual({ model: "m" });
    // Other tools (an equal copy is another array) and another prompt cross again.
    const changed = sent({ ...request([a, b, c], "other"), tools: [...tools] });
    expect(changed.same).toEqual([]);
    expect(changed.request).toMatchObject({ systemPrompt: "other", tools });
    // Sent whole after a `resend`: everything crosses.
    const whole = JSON.parse(wire.encode({ ...request([a, b, c], "other"), tools }, isolate, true));
    expect(whole.same).toEqual([]);
    expect(whole.request).toMatchObject({ systemPrompt: "other", tools });
  });

  it("keeps each conversation's messages apart: sessions taking turns on one isolate bring only their new ones", () => {
    const wire = new RequestWire();
    const isolate = {};
    const [a1, a2, b1, b2] = [user("a1"), user("a2"), user("b1"), user("b2")];
    const texts = (json: string) => JSON.parse(json).added.map(([, message]: [number, Message]) => message.content);
    expect(texts(wire.encode(request([a1]), isolate))).toEqual(["a1"]);
    expect(texts(wire.encode(request([b1]), isolate))).toEqual(["b1"]);
    expect(texts(wire.encode(request([a1, a2]), isolate))).toEqual(["a2"]);
    expect(texts(wire.encode(request([b1, b2]), isolate))).toEqual(["b2"]);
  });

  it("lets go of a conversation another goes on from (compacted: a summary, then its last messages)", () => {
    const wire = new RequestWire();
    const isolate = {};
    const [task, call, result, summary, next] = [
      user("task"),
      user("call"),
      user("result"),
      user("summary"),
      user("n"),
    ];
    const sent = (messages: Message[]) => JSON.parse(wire.encode(request(messages), isolate));
    const old = sent([task, call, result]);
    // A summary request of its own beside it lets go of nothing.
    expect(sent([user("summarise: task, call, result")]).drop).toEqual([]);
    const compacted = sent([summary, result]);
    expect(compacted.drop).toEqual([old.thread]);
    expect(compacted.added).toHaveLength(2);
    expect(sent([summary, result, next]).added.map(([, message]: [number, Message]) => message.content)).toEqual(["n"]);
    // The old conversation again: whole, and the new one is still held.
    expect(sent([task, call, result]).added).toHaveLength(3);
    expect(sent([summary, result, next, user("m")]).added).toHaveLength(1);
  });

  it("sends a one-off request (a compaction's summary) whole and keeps nothing of it", () => {
    const wire = new RequestWire();
    const isolate = {};
    const [task, call] = [user("task"), user("call")];
    const sent = (req: ModelRequest) => JSON.parse(wire.encode(req, isolate));
    const conversation = sent(request([task, call]));
    const summary = sent({ ...request([task, user("summarise the transcript")]), oneOff: true });
    expect(summary).toMatchObject({ thread: 0, keep: false, drop: [] });
    // Whole, even the message the conversation holds: the isolate keeps nothing of it either way.
    expect(summary.added.map(([, message]: [number, Message]) => message.content)).toEqual([
      "task",
      "summarise the transcript",
    ]);
    // The conversation beside it is untouched: it still brings only what is new.
    const next = sent(request([task, call, user("next")]));
    expect(next.thread).toBe(conversation.thread);
    expect(next.added.map(([, message]: [number, Message]) => message.content)).toEqual(["next"]);
  });

  it("lets go of the least recently used conversation past its bounds, and tells the isolate to", () => {
    const wire = new RequestWire({ threads: 2, bytes: 1024 * 1024 });
    const isolate = {};
    const [a, b, c] = [user("a"), user("b"), user("c")];
    const sent = (messages: Message[]) => JSON.parse(wire.encode(request(messages), isolate));
    const first = sent([a]);
    const second = sent([b]);
    sent([a]);
    // Three conversations, two kept: b (used longest ago) goes.
    const third = sent([c]);
    expect(third.drop).toEqual([second.thread]);
    expect(new Set([first.thread, second.thread, third.thread]).size).toBe(3);
    expect(sent([a]).added).toEqual([]);
    expect(sent([b]).added).toHaveLength(1);
    // By size too: a conversation larger than the bound leaves it alone, but the others go.
    const small = new RequestWire({ threads: 10, bytes: 60 });
    const big = user("x".repeat(80));
    small.encode(request([a]), isolate);
    expect(JSON.parse(small.encode(request([big]), isolate)).drop).toHaveLength(1);
    expect(JSON.parse(small.encode(request([big]), isolate)).added).toEqual([]);
  });
});

describe("model requests into a provider's isolate", () => {
  it("reach the provider whole, call after call, frozen so that a provider cannot change later ones", async () => {
    const [a, b, c] = [user("task"), user("second"), user("third")];
    expect(await seen(request([a, b]))).toEqual({ system: "sys", texts: ["task", "second"], frozen: true, tools: [] });
    expect(await seen(request([a, b, c], "other"))).toEqual({
      system: "other",
      texts: ["task", "second", "third"],
      frozen: true,
      tools: [],
    });
    // Another conversation beside it (a summary request's), then the first again: both are held.
    expect((await seen(request([user("summarise the task and what came of it")]))).texts).toHaveLength(1);
    expect((await seen(request([a, b, c]))).texts).toEqual(["task", "second", "third"]);
    // The conversation compacted: it goes on from its summary and last message, the old one let go
    // of; asked for again after all, it crosses whole.
    expect((await seen(request([user("summary"), c]))).texts).toEqual(["summary", "third"]);
    expect((await seen(request([a, c]))).texts).toEqual(["task", "third"]);
  });

  it("reach the provider with their tools and prompt when these crossed only once, which a provider cannot change", async () => {
    const tools = Object.freeze([
      { name: "read", description: "Read a file", parameters: { type: "object" } },
      { name: "bash", description: "Run a command", parameters: { type: "object" } },
    ]);
    const [a, b, c] = [user("tools task"), user("tools second"), user("tools third")];
    const prompt = "the intern's prompt";
    const expected = { system: prompt, frozen: true, tools: ["read", "bash"] };
    expect(await seen({ ...request([a], prompt), tools })).toEqual({ ...expected, texts: ["tools task"] });
    // The provider tried to rename and add a tool: the next call, which does not bring them, has them as they were.
    expect(await seen({ ...request([a, b], prompt), tools })).toEqual({
      ...expected,
      texts: ["tools task", "tools second"],
    });
    expect(await seen({ ...request([a, b, c], prompt), tools: tools.slice(1) })).toEqual({
      ...expected,
      tools: ["bash"],
      texts: ["tools task", "tools second", "tools third"],
    });
  });

  it("leave nothing of a one-off request in the isolate, while a kept one stays there", async () => {
    // V8's gc in the contexts made from now on (isolateHeaps runs it in a scratch context).
    setFlagsFromString("--expose-gc");
    const used = async () => {
      const heaps = await isolateHeaps({ collect: true });
      const echo = heaps.filter((heap) => heap.plugin === "echo-provider");
      expect(echo.map((heap) => heap.collected)).toEqual([true]);
      return echo[0]!.usedBytes;
    };
    const megabytes = (n: number) => user("x".repeat(n * 2 ** 20));
    const before = await used();
    expect((await seen({ ...request([megabytes(4)]), oneOff: true })).texts[0]).toHaveLength(4 * 2 ** 20);
    const afterOneOff = await used();
    expect(afterOneOff - before).toBeLessThan(2 ** 20);
    // The same request as a conversation's is kept (for its next call): the measure sees 4 MB.
    await seen(request([megabytes(4)]));
    expect((await used()) - afterOneOff).toBeGreaterThan(3 * 2 ** 20);
  });

  it("reach the provider whole while conversations take turns, and after one is let go of", async () => {
    const roots = Array.from({ length: 70 }, (_, index) => user(`root ${index}`));
    const next = roots.map((root, index) => [root, user(`next ${index}`)]);
    for (const [index, root] of roots.entries()) expect((await seen(request([root]))).texts).toEqual([`root ${index}`]);
    // Past KEPT_THREADS the first ones were let go of: they cross again, whole and right.
    for (const [index, messages] of next.entries()) {
      expect((await seen(request(messages))).texts).toEqual([`root ${index}`, `next ${index}`]);
    }
  });

  it("take an id to mean what the host sent last (a snapshot's warm-up may have left it meaning another)", async () => {
    const wire = (box as unknown as { wire: RequestWire }).wire;
    const encode = vi.spyOn(wire, "encode");
    const raw = (thread: number, text: string) =>
      JSON.stringify({ thread, drop: [], ids: [1e9], added: [[1e9, user(text)]], request: request([]) });
    encode.mockImplementationOnce(() => raw(0, "left by a warm-up"));
    expect((await seen(request([user("unused")]))).texts).toEqual(["left by a warm-up"]);
    encode.mockImplementationOnce(() => raw(7, "the host's"));
    expect((await seen(request([user("unused")]))).texts).toEqual(["the host's"]);
    encode.mockRestore();
  });

  it("are sent again whole when the isolate does not hold a message the host believes it does", async () => {
    const wire = (box as unknown as { wire: RequestWire }).wire;
    const encode = vi.spyOn(wire, "encode");
    const [a, b, unsent] = [user("one"), user("two"), user("never sent")];
    expect((await seen(request([a, b]))).texts).toEqual(["one", "two"]);
    const isolate = encode.mock.calls[0]?.[1] as object;
    // The host now believes `unsent` crossed; the isolate never got it.
    wire.encode(request([a, unsent]), isolate);
    encode.mockClear();
    expect((await seen(request([a, unsent, b]))).texts).toEqual(["one", "never sent", "two"]);
    expect(encode.mock.calls.map((call) => call[2] ?? false)).toEqual([false, true]);
    encode.mockRestore();
  });
});
