import { describe, expect, it } from "vitest";
import type { KernelEvent } from "./events.js";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { ToolResultMessage } from "./messages.js";
import type { AnyTool, ToolKind } from "./tool.js";

function echoTool(name = "echo", kind: ToolKind = "read"): AnyTool {
  return {
    name,
    description: "Echo the text back",
    kind,
    parameters: {
      type: "object",
      properties: { text: { type: "string" } },
      required: ["text"],
      additionalProperties: false,
    },
    async execute(args: { text: string }) {
      return { content: `echo: ${args.text}` };
    },
  };
}

function results(kernel: ReturnType<typeof createKernel>): ToolResultMessage[] {
  return kernel.session
    .buildContext()
    .messages.filter((message): message is ToolResultMessage => message.role === "toolResult");
}

describe("agent loop", () => {
  it("runs a text-only turn to end_turn and records both messages", async () => {
    const provider = scriptedProvider([text("hello there")]);
    const kernel = createKernel({ model: "test/m", providers: [provider] });
    const result = await kernel.prompt("hi");
    expect(result).toMatchObject({ stopReason: "end_turn", steps: 1, text: "hello there" });
    const messages = kernel.session.buildContext().messages;
    expect(messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(provider.requests[0]!.model).toBe("m");
  });

  it("runs a tool call, feeds the result back and finishes, emitting events in order", async () => {
    const provider = scriptedProvider([toolCalls({ id: "c1", name: "echo", args: { text: "x" } }), text("done")]);
    const kernel = createKernel({ model: "test/m", providers: [provider], tools: [echoTool()] });
    const events: string[] = [];
    kernel.subscribe((event: KernelEvent) => {
      if (event.type !== "stream") events.push(event.type);
    });
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("end_turn");
    expect(results(kernel)[0]).toMatchObject({
      toolCallId: "c1",
      isError: false,
      content: [{ type: "text", text: "echo: x" }],
    });
    const second = provider.requests[1]!.messages;
    expect(second.at(-1)).toMatchObject({ role: "toolResult", toolCallId: "c1" });
    expect(events).toEqual([
      "session_start",
      "turn_start",
      "message_appended",
      "request_start",
      "usage",
      "message_appended",
      "assistant_message",
      "tool_start",
      "permission",
      "tool_end",
      "message_appended",
      "request_start",
      "usage",
      "message_appended",
      "assistant_message",
      "turn_end",
    ]);
  });

  it("runs read-only tools in parallel and other tools one at a time", async () => {
    let running = 0;
    let maxConcurrent = 0;
    const slow = (name: string, kind: ToolKind): AnyTool => ({
      ...echoTool(name, kind),
      async execute() {
        running++;
        maxConcurrent = Math.max(maxConcurrent, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return { content: "ok" };
      },
    });
    const parallel = createKernel({
      model: "test/m",
      providers: [
        scriptedProvider([
          toolCalls({ name: "r1", args: { text: "a" } }, { name: "r2", args: { text: "b" } }),
          text("ok"),
        ]),
      ],
      tools: [slow("r1", "read"), slow("r2", "read")],
    });
    await parallel.prompt("go");
    expect(maxConcurrent).toBe(2);

    maxConcurrent = 0;
    const sequential = createKernel({
      model: "test/m",
      providers: [
        scriptedProvider([
          toolCalls({ name: "r1", args: { text: "a" } }, { name: "w1", args: { text: "b" } }),
          text("ok"),
        ]),
      ],
      tools: [slow("r1", "read"), slow("w1", "edit")],
      permissions: { mode: "bypassPermissions" },
    });
    await sequential.prompt("go");
    expect(maxConcurrent).toBe(1);
  });

  it("returns schema errors, unknown tools and malformed JSON to the model instead of throwing", async () => {
    const provider = scriptedProvider([
      toolCalls(
        { id: "bad", name: "echo", args: { text: 5 } },
        { id: "unknown", name: "nope", args: {} },
        { id: "json", name: "echo", args: '{"text": "unterminated' },
      ),
      text("recovered"),
    ]);
    const kernel = createKernel({ model: "test/m", providers: [provider], tools: [echoTool()] });
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("end_turn");
    const [bad, unknown, json] = results(kernel);
    expect(bad).toMatchObject({ isError: true });
    expect(JSON.stringify(bad!.content)).toContain("Invalid arguments for echo: text must be string");
    expect(JSON.stringify(unknown!.content)).toContain('Unknown tool \\"nope\\". Available tools: echo');
    expect(JSON.stringify(json!.content)).toContain("not valid JSON");
  });

  it("turns a throwing tool into an error result and stops a hung tool at its timeout", async () => {
    const throwing: AnyTool = {
      ...echoTool("boom"),
      execute: async () => {
        throw new Error("disk on fire");
      },
    };
    const hanging: AnyTool = { ...echoTool("hang"), execute: () => new Promise(() => {}) };
    const provider = scriptedProvider([
      toolCalls({ name: "boom", args: { text: "" } }, { name: "hang", args: { text: "" } }),
      text("ok"),
    ]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [throwing, hanging],
      toolTimeoutMs: 50,
    });
    await kernel.prompt("go");
    const [boom, hang] = results(kernel);
    expect(JSON.stringify(boom!.content)).toContain("boom failed: disk on fire");
    expect(JSON.stringify(hang!.content)).toContain("hang timed out");
  });

  it("stops at max turns with the limit as data, in words that name no front end's flags", async () => {
    const loopCall = () => toolCalls({ name: "echo", args: { text: String(Math.random()) } });
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([loopCall(), loopCall(), loopCall()])],
      tools: [echoTool()],
      maxTurns: 2,
    });
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("max_turns");
    expect(result.stop).toEqual({ code: "max_turns", limit: 2 });
    expect(result.error).toBe("Stopped after 2 model calls, the limit of this run.");
  });

  it("prices usage from the catalogue per turn and per session", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([text("a"), text("b")])],
      models: [
        {
          id: "test/m",
          contextWindow: 1000,
          maxOutputTokens: 100,
          price: { input: 1, output: 2, cacheRead: 0.1, cacheWrite: 1.25 },
        },
      ],
      compaction: false,
    });
    const first = await kernel.prompt("one");
    await kernel.prompt("two");
    expect(first.usage).toMatchObject({ input: 10, output: 5 });
    expect(first.usage.cost.total).toBeCloseTo((10 * 1 + 5 * 2) / 1e6, 12);
    expect(kernel.usage.cost.total).toBeCloseTo((2 * (10 * 1 + 5 * 2)) / 1e6, 12);
  });

  it("adds the model usage a tool reports (a subagent's) to the turn, the session, its result and a resume", async () => {
    const spent = {
      input: 100,
      output: 40,
      cacheRead: 0,
      cacheWrite: 0,
      cost: { input: 0.3, output: 0.2, cacheRead: 0, cacheWrite: 0, total: 0.5 },
    };
    const delegate: AnyTool = {
      ...echoTool("delegate"),
      async execute(_args, ctx) {
        // Reported twice, as a subagent's two answers would be.
        ctx.addUsage?.(spent);
        ctx.addUsage?.(spent);
        return { content: "delegated" };
      },
    };
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "delegate", args: { text: "x" } }), text("done")])],
      tools: [delegate],
    });
    const result = await kernel.prompt("go");
    // The parent's own two answers (30 + 10 input tokens, unpriced) plus the delegate's 200.
    expect(result.usage).toMatchObject({ input: 230, output: 93 });
    expect(result.usage.cost.total).toBeCloseTo(1);
    expect(kernel.usage.cost.total).toBeCloseTo(1);
    expect(results(kernel)[0]!.usage).toMatchObject({ input: 200, output: 80, cost: { total: 1 } });
    const resumed = createKernel({ model: "test/m", session: kernel.session });
    expect(resumed.usage).toMatchObject({ input: 230, output: 93 });
    expect(resumed.usage.cost.total).toBeCloseTo(1);
  });

  it("reports a throwing subscriber without breaking the loop", async () => {
    const kernel = createKernel({ model: "test/m", providers: [scriptedProvider([text("fine")])] });
    const errors: string[] = [];
    kernel.subscribe(() => {
      throw new Error("listener bug");
    });
    kernel.on("subscriber_error", (event) => errors.push(`${event.eventType}: ${event.error}`));
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("end_turn");
    expect(errors).toContain("turn_end: listener bug");
  });

  it("fails the turn with a clear error for an unregistered provider", async () => {
    const kernel = createKernel({ model: "nobody/m", providers: [scriptedProvider([])] });
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("error");
    expect(result.error).toContain('No provider "nobody" is registered');
  });

  it("switches model mid-session and records the change", async () => {
    const first = scriptedProvider([text("from a")], "a");
    const second = scriptedProvider([text("from b")], "b");
    const kernel = createKernel({ model: "a/one", providers: [first, second] });
    await kernel.prompt("hi");
    kernel.setModel("b/two");
    await kernel.prompt("again");
    expect(second.requests[0]!.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(kernel.session.buildContext().model).toBe("b/two");
  });
});

describe("a system prompt that grows during the session", () => {
  it("is asked for at every turn, after the sessionStart hooks ran", async () => {
    const provider = scriptedProvider([text("one"), text("two")]);
    const notes: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      systemPrompt: () => ["base", ...notes].join("\n"),
      hooks: {
        sessionStart: () => {
          notes.push("from a server that started with the session");
        },
      },
    });
    await kernel.prompt("hi");
    notes.push("later");
    await kernel.prompt("again");
    expect(provider.requests.map((request) => request.systemPrompt)).toEqual([
      "base\nfrom a server that started with the session",
      "base\nfrom a server that started with the session\nlater",
    ]);
  });
});
