import type { ModelRequest, ProviderEvent } from "@pincer/sdk";
import { startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "./provider.js";
import { thinkingStyle } from "./thinking.js";

let server: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  server = await startAnthropicServer();
});
afterAll(() => server.close());

const provider = () =>
  createAnthropicProvider({
    env: { get: (name) => (name === "ANTHROPIC_API_KEY" ? "sk-ant-test-0002" : undefined) },
    fs: undefined as never,
    config: { baseURL: server.url },
    fetch,
  });

/** The request body the real SDK put on the wire for one call. */
async function sentBody(request: Partial<ModelRequest>): Promise<Record<string, any>> {
  server.enqueue([{ text: "ok" }]);
  const events: ProviderEvent[] = [];
  for await (const event of provider().stream(
    {
      model: "claude-sonnet-5-5",
      systemPrompt: "",
      messages: [{ role: "user", content: "hi", timestamp: 0 }],
      tools: [],
      ...request,
    },
    new AbortController().signal,
  )) {
    events.push(event);
  }
  expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
  return server.requests.at(-1)!.body as Record<string, any>;
}

describe("thinking on the wire (real SDK, loopback Messages server)", () => {
  it("asks Sonnet 5.5 for adaptive thinking at the requested effort, with no budget", async () => {
    const body = await sentBody({ model: "claude-sonnet-5-5", reasoning: "high" });
    expect(body.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(body.output_config).toEqual({ effort: "high" });
    expect(JSON.stringify(body)).not.toContain("budget_tokens");
    // Thinking and the answer share max_tokens.
    expect(body.max_tokens).toBeGreaterThanOrEqual(24_576 + 4_096);
  });

  it("gives Haiku 4.5 a thinking budget below max_tokens, and no effort", async () => {
    const body = await sentBody({ model: "claude-haiku-4-5", reasoning: "medium" });
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 8_192 });
    expect(body.output_config).toBeUndefined();
    expect(body.max_tokens).toBeGreaterThan(8_192);
  });

  it("raises a small max_tokens above the budget so the answer still fits", async () => {
    const body = await sentBody({ model: "claude-haiku-4-5", reasoning: "high", maxOutputTokens: 1_000 });
    expect(body.thinking.budget_tokens).toBe(24_576);
    expect(body.max_tokens).toBe(24_576 + 4_096);
  });

  it.each(["claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-4-5"])(
    "sends no thinking field to %s when reasoning is not asked for",
    async (model) => {
      const body = await sentBody({ model });
      expect(body.thinking).toBeUndefined();
      expect(body.output_config).toBeUndefined();
      expect(body.max_tokens).toBe(16_384);
    },
  );

  it("keeps room for Opus 5.5's always-on thinking even when a small max_tokens is asked", async () => {
    const body = await sentBody({ model: "claude-opus-5-5", maxOutputTokens: 1_000 });
    expect(body.thinking).toBeUndefined();
    expect(body.max_tokens).toBe(8_192 + 4_096);
  });

  it("treats an id newer than this plugin (claude-opus-6) as adaptive", async () => {
    const body = await sentBody({ model: "claude-opus-6", reasoning: "low" });
    expect(body.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(body.output_config).toEqual({ effort: "low" });
  });
});

describe("thinking style of ids not in the catalogue", () => {
  it.each([
    ["claude-opus-6", "adaptive"],
    ["claude-sonnet-6-1", "adaptive"],
    ["claude-haiku-5", "adaptive"],
    ["claude-opus-5-5-20261001", "adaptive"],
    ["claude-opus-4-7", "adaptive"],
    ["claude-opus-4-9", "adaptive"],
    ["claude-sonnet-4-6", "adaptive"],
    ["claude-fable-1", "adaptive"],
    ["claude-mythos-preview", "adaptive"],
    ["claude-opus-4-5", "budget"],
    ["claude-opus-4-1", "budget"],
    ["claude-sonnet-4-5-20250929", "budget"],
    ["claude-sonnet-4-20250514", "budget"],
    ["claude-haiku-4-5-20251001", "budget"],
    ["claude-3-7-sonnet-latest", "budget"],
    ["my-local-model", "budget"],
  ])("%s → %s", (model, kind) => {
    expect(thinkingStyle(model).kind).toBe(kind);
  });
});

describe("thinking in a tool loop another model started", () => {
  const usage = {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
  /** A tool call made by `model` (with a signed thinking block when `signature` is given), and its result. */
  const toolLoop = (model: string, signature?: string): ModelRequest["messages"] => [
    { role: "user", content: "list the files", timestamp: 0 },
    {
      role: "assistant",
      content: [
        ...(signature ? [{ type: "thinking" as const, thinking: "I should list them.", signature }] : []),
        { type: "toolCall" as const, id: "toolu_1", name: "ls", arguments: {} },
      ],
      model,
      usage,
      stopReason: "toolUse",
      timestamp: 0,
    },
    {
      role: "toolResult",
      toolCallId: "toolu_1",
      toolName: "ls",
      content: [{ type: "text", text: "a.txt" }],
      isError: false,
      timestamp: 0,
    },
  ];

  it("goes on without thinking when the turn it continues has no thinking block it can send back", async () => {
    // The API would answer 400: with thinking on, the assistant turn a tool loop continues from
    // must start with its thinking block, and another model's was dropped.
    for (const model of ["claude-haiku-4-5", "claude-sonnet-5-5"]) {
      const body = await sentBody({ model, reasoning: "high", messages: toolLoop("openai/gpt-5") });
      expect(body.thinking).toBeUndefined();
      expect(body.output_config).toBeUndefined();
      expect(body.messages.at(-2).content[0].type).toBe("tool_use");
    }
  });

  it("keeps thinking when the same model wrote the turn, signature and all", async () => {
    const body = await sentBody({
      model: "claude-haiku-4-5",
      reasoning: "high",
      messages: toolLoop("anthropic/claude-haiku-4-5", "sig-1"),
    });
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 24_576 });
    expect(body.messages.at(-2).content[0]).toMatchObject({ type: "thinking", signature: "sig-1" });
  });

  it("keeps thinking for a new prompt after another model's tool loop", async () => {
    const messages = [
      ...toolLoop("openai/gpt-5"),
      {
        role: "assistant" as const,
        content: [{ type: "text" as const, text: "a.txt" }],
        model: "openai/gpt-5",
        usage,
        stopReason: "stop" as const,
        timestamp: 0,
      },
      { role: "user" as const, content: "now read it", timestamp: 0 },
    ];
    const body = await sentBody({ model: "claude-sonnet-5-5", reasoning: "low", messages });
    expect(body.thinking).toEqual({ type: "adaptive", display: "summarized" });
  });
});
