import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { AnyTool } from "./tool.js";

const record: AnyTool & { seen: unknown[] } = {
  name: "record",
  description: "Records its arguments",
  kind: "read",
  parameters: {
    type: "object",
    properties: { value: { type: "string" } },
    required: ["value"],
    additionalProperties: false,
  },
  seen: [],
  async execute(args) {
    record.seen.push(args);
    return { content: `got ${args.value}` };
  },
};

function resultText(kernel: ReturnType<typeof createKernel>): string {
  return JSON.stringify(kernel.session.buildContext().messages.filter((message) => message.role === "toolResult"));
}

describe("hooks", () => {
  it("beforeToolCall can block a call with a reason the model sees", async () => {
    record.seen = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "record", args: { value: "secret" } }), text("ok")])],
      tools: [record],
      hooks: {
        beforeToolCall: (call) =>
          call.arguments.value === "secret" ? { block: { reason: "secrets stay put" } } : undefined,
      },
    });
    await kernel.prompt("go");
    expect(record.seen).toEqual([]);
    expect(resultText(kernel)).toContain("Blocked by a hook: secrets stay put");
  });

  it("beforeToolCall can rewrite arguments (validated again) and add context", async () => {
    record.seen = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "record", args: { value: "a" } }), text("ok")])],
      tools: [record],
      hooks: { beforeToolCall: () => ({ args: { value: "rewritten" }, context: "note from hook" }) },
    });
    await kernel.prompt("go");
    expect(record.seen).toEqual([{ value: "rewritten" }]);
    expect(resultText(kernel)).toContain("note from hook");

    const invalid = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "record", args: { value: "a" } }), text("ok")])],
      tools: [record],
      hooks: { beforeToolCall: () => ({ args: { value: 7 } }) },
    });
    await invalid.prompt("go");
    expect(resultText(invalid)).toContain("Invalid arguments for record");
  });

  it("afterToolCall can replace the result", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "record", args: { value: "a" } }), text("ok")])],
      tools: [record],
      hooks: { afterToolCall: () => ({ result: { content: "patched", isError: false } }) },
    });
    await kernel.prompt("go");
    expect(resultText(kernel)).toContain("patched");
    expect(resultText(kernel)).not.toContain("got a");
  });

  it("promptSubmit can block a prompt or add context; sessionStart context joins the first prompt", async () => {
    const provider = scriptedProvider([text("ok")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      hooks: {
        sessionStart: () => ({ context: "project uses pnpm" }),
        promptSubmit: (prompt) =>
          prompt.includes("rm -rf") ? { block: { reason: "no destructive prompts" } } : { context: "today is Tuesday" },
      },
    });
    const blocked = await kernel.prompt("please rm -rf everything");
    expect(blocked).toMatchObject({ stopReason: "blocked" });
    expect(blocked.error).toContain("no destructive prompts");
    expect(provider.requests).toHaveLength(0);
    await kernel.prompt("hello");
    const sent = provider.requests[0]!.messages.at(-1);
    expect(sent?.content).toContain("today is Tuesday");
  });

  it("stop can keep the turn going with a message to the model", async () => {
    let stops = 0;
    const provider = scriptedProvider([text("done?"), text("really done")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      hooks: { stop: () => (stops++ === 0 ? { continueWith: "the tests still fail" } : undefined) },
    });
    const result = await kernel.prompt("go");
    expect(result).toMatchObject({ stopReason: "end_turn", text: "really done", steps: 2 });
    expect(provider.requests[1]!.messages.at(-1)).toMatchObject({ role: "user", content: "the tests still fail" });
  });
});
