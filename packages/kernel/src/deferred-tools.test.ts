import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { AnyTool } from "./tool.js";

function tool(name: string, content: string, deferred = false): AnyTool {
  return {
    name,
    description: `the ${name} tool`,
    kind: "read",
    parameters: { type: "object", properties: { id: { type: "string" } }, additionalProperties: false },
    ...(deferred ? { deferred: true } : {}),
    async execute() {
      return { content };
    },
  };
}

const offered = (request: { tools: Array<{ name: string }> }) => request.tools.map((spec) => spec.name);

describe("deferred tools", () => {
  it("are left out of requests until a tool result names them, then offered for the rest of the session", async () => {
    const provider = scriptedProvider([
      toolCalls({ id: "c1", name: "start", args: {} }),
      text("started"),
      toolCalls({ id: "c2", name: "peek", args: { id: "job_1" } }),
      text("done"),
    ]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [
        tool("start", "Started job_1. Read its output with peek."),
        tool("peek", "job_1: ok", true),
        tool("stop", "stopped", true),
      ],
    });
    await kernel.prompt("start it");
    await kernel.prompt("and look");
    expect(provider.requests.map(offered)).toEqual([
      ["start"],
      ["start", "peek"],
      ["start", "peek"],
      ["start", "peek"],
    ]);
    // The schema sent is the wire form; the kernel still validates with the full one.
    expect(provider.requests[1]!.tools[1]!.parameters).toEqual({
      type: "object",
      properties: { id: { type: "string" } },
    });
  });

  it("leave each request the very same frozen tool specs while the tools offered stay the same", async () => {
    const sent: unknown[] = [];
    const provider = scriptedProvider([
      toolCalls({ id: "c1", name: "start", args: {} }),
      text("started"),
      text("still"),
      text("again"),
    ]);
    const stream = provider.stream.bind(provider);
    provider.stream = (request, signal) => {
      sent.push(request.tools);
      return stream(request, signal);
    };
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("start", "Started job_1. Read its output with peek."), tool("peek", "job_1: ok", true)],
    });
    await kernel.prompt("start it");
    await kernel.prompt("and again");
    await kernel.prompt("once more");
    expect(provider.requests.map(offered)).toEqual([
      ["start"],
      ["start", "peek"],
      ["start", "peek"],
      ["start", "peek"],
    ]);
    // A tool newly offered makes new specs; then the same array goes with every request.
    expect(sent[1]).not.toBe(sent[0]);
    expect(sent[2]).toBe(sent[1]);
    expect(sent[3]).toBe(sent[1]);
    expect(Object.isFrozen(sent[1])).toBe(true);
  });

  it("are offered when the user names one, and run when the model calls one it was never offered", async () => {
    const provider = scriptedProvider([text("sure"), toolCalls({ id: "c1", name: "stop", args: {} }), text("stopped")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("start", "ok"), tool("peek", "ok", true), tool("stop", "stopped", true)],
    });
    await kernel.prompt("use peek when you need it");
    const result = await kernel.prompt("end it all");
    expect(result.stopReason).toBe("end_turn");
    expect(provider.requests.map(offered)).toEqual([
      ["start", "peek"],
      ["start", "peek"],
      ["start", "peek", "stop"],
    ]);
    const messages = kernel.session.buildContext().messages;
    expect(messages.find((message) => message.role === "toolResult")).toMatchObject({
      toolName: "stop",
      isError: false,
    });
  });

  it("a name inside another word offers nothing", async () => {
    const provider = scriptedProvider([text("ok"), text("ok")]);
    const kernel = createKernel({ model: "test/m", providers: [provider], tools: [tool("peek", "ok", true)] });
    await kernel.prompt("peeking at peek_all and apeek");
    await kernel.prompt("again");
    expect(provider.requests.map(offered)).toEqual([[], []]);
  });
});
