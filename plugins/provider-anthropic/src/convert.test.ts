import type { AssistantMessage, ModelRequest } from "@pincer/sdk";
import { startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "./provider.js";

let server: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  server = await startAnthropicServer();
});
afterAll(() => server.close());

function assistantFrom(model: string): AssistantMessage {
  return {
    role: "assistant",
    content: [
      { type: "thinking", thinking: `reasoning of ${model}`, signature: `sig-${model}` },
      { type: "text", text: "Let me list it." },
      { type: "toolCall", id: "toolu_1", name: "ls", arguments: {} },
    ],
    model,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: "toolUse",
    timestamp: 0,
  };
}

/** The assistant turn as the real SDK sent it to `model` after a turn written by `writtenBy`. */
async function replayed(model: string, writtenBy: string, providerId = "anthropic") {
  const provider = createAnthropicProvider(
    {
      env: { get: (name) => (name === "ANTHROPIC_API_KEY" ? "sk-ant-test-0003" : undefined) },
      fs: undefined as never,
      config: { baseURL: server.url },
      fetch,
    },
    providerId,
  );
  const request: ModelRequest = {
    model,
    systemPrompt: "",
    tools: [{ name: "ls", description: "list", parameters: { type: "object" } }],
    messages: [
      { role: "user", content: "what is here?", timestamp: 0 },
      assistantFrom(writtenBy),
      {
        role: "toolResult",
        toolCallId: "toolu_1",
        toolName: "ls",
        content: [{ type: "text", text: "a.txt" }],
        isError: false,
        timestamp: 0,
      },
    ],
  };
  server.enqueue([{ text: "ok" }]);
  for await (const event of provider.stream(request, new AbortController().signal)) {
    if (event.type === "error") throw new Error(event.message);
  }
  const body = server.requests.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
  return body.messages[1]!.content as Array<Record<string, unknown>>;
}

describe("signed thinking goes back only to the model that wrote it", () => {
  it("keeps a signed thinking block for the same provider and model", async () => {
    const blocks = await replayed("claude-opus-5-5", "anthropic/claude-opus-5-5");
    expect(blocks[0]).toEqual({
      type: "thinking",
      thinking: "reasoning of anthropic/claude-opus-5-5",
      signature: "sig-anthropic/claude-opus-5-5",
    });
    expect(blocks.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
  });

  it("drops thinking signed by another Anthropic model, keeping its text and tool call", async () => {
    const blocks = await replayed("claude-opus-5-5", "anthropic/claude-sonnet-5-5");
    expect(blocks.map((block) => block.type)).toEqual(["text", "tool_use"]);
    expect(JSON.stringify(blocks)).not.toContain("reasoning of");
  });

  it("drops thinking from the same model served under another provider id", async () => {
    const blocks = await replayed("claude-opus-5-5", "anthropic/claude-opus-5-5", "anthropic-proxy");
    expect(blocks.map((block) => block.type)).toEqual(["text", "tool_use"]);
  });
});
