import { type ModelRequest, type ProviderEvent, parseRetryAfter } from "@pincer/sdk";
import { startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "./provider.js";

let server: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  server = await startAnthropicServer();
});
afterAll(() => server.close());

function provider(env: Record<string, string | undefined> = { ANTHROPIC_API_KEY: "sk-ant-test-0001" }) {
  return createAnthropicProvider({
    env: { get: (name) => env[name] },
    fs: undefined as never,
    config: { baseURL: server.url },
    fetch,
  });
}

const request: ModelRequest = {
  model: "claude-sonnet-5-5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [
    {
      name: "read",
      description: "read a file",
      parameters: { type: "object", properties: { path: { type: "string" } } },
    },
    { name: "ls", description: "list", parameters: { type: "object" } },
  ],
};

async function collect(stream: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("Anthropic provider against the loopback Messages server (real SDK over HTTP)", () => {
  it("streams thinking with its signature, text, a tool call split across deltas, and usage with cache tokens", async () => {
    server.enqueue([
      {
        usage: { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50 },
      },
      { thinking: "The user wants a file.", signature: "sig-abc" },
      { text: "Reading it." },
      { toolUse: { id: "toolu_1", name: "read", input: { path: "a.txt" } } },
    ]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    const thinking = events.filter((event) => event.type === "thinking_delta");
    expect(thinking.map((event) => event.text).join("")).toBe("The user wants a file.");
    expect(thinking.at(-1)).toMatchObject({ signature: "sig-abc" });
    expect(
      events
        .filter((event) => event.type === "text_delta")
        .map((event) => event.text)
        .join(""),
    ).toBe("Reading it.");
    expect(events).toContainEqual({ type: "toolcall_start", index: 2, id: "toolu_1", name: "read" });
    const args = events.flatMap((event) => (event.type === "toolcall_delta" ? [event.argumentsDelta] : [])).join("");
    expect(JSON.parse(args)).toEqual({ path: "a.txt" });
    expect(events.filter((event) => event.type === "toolcall_delta").length).toBeGreaterThan(1);
    expect(events).toContainEqual({ type: "toolcall_end", index: 2 });
    expect(events).toContainEqual({ type: "usage", usage: { input: 120, output: 1, cacheRead: 1000, cacheWrite: 50 } });
    expect(events).toContainEqual({ type: "usage", usage: { output: 30 } });
    expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
  });

  it("caches the system prompt and the tools, and sends the API's shapes", async () => {
    server.enqueue([{ text: "ok" }]);
    await collect(
      provider().stream(
        {
          ...request,
          reasoning: "medium",
          messages: [
            { role: "user", content: "hi", timestamp: 0 },
            {
              role: "assistant",
              content: [
                { type: "thinking", thinking: "mine", signature: "s1" },
                { type: "thinking", thinking: "from another provider" },
                { type: "toolCall", id: "toolu_a", name: "ls", arguments: {} },
                { type: "toolCall", id: "toolu_b", name: "read", arguments: { path: "x" } },
              ],
              model: "anthropic/claude-sonnet-5-5",
              usage: {
                input: 0,
                output: 0,
                cacheRead: 0,
                cacheWrite: 0,
                cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
              },
              stopReason: "toolUse",
              timestamp: 0,
            },
            {
              role: "toolResult",
              toolCallId: "toolu_a",
              toolName: "ls",
              content: [{ type: "text", text: "a.txt" }],
              isError: false,
              timestamp: 0,
            },
            {
              role: "toolResult",
              toolCallId: "toolu_b",
              toolName: "read",
              content: [{ type: "text", text: "nope" }],
              isError: true,
              timestamp: 0,
            },
          ],
        },
        new AbortController().signal,
      ),
    );
    const body = server.requests.at(-1)!.body as Record<string, any>;
    expect(body.system).toEqual([{ type: "text", text: "be brief", cache_control: { type: "ephemeral" } }]);
    expect(body.tools.at(-1).cache_control).toEqual({ type: "ephemeral" });
    expect(body.tools[0].cache_control).toBeUndefined();
    // Sonnet 5.5 thinks adaptively: an effort, not a budget.
    expect(body.thinking).toEqual({ type: "adaptive", display: "summarized" });
    expect(body.output_config).toEqual({ effort: "medium" });
    expect(body.max_tokens).toBeGreaterThan(8192);
    expect(body.messages[1].content.map((block: { type: string }) => block.type)).toEqual([
      "thinking",
      "tool_use",
      "tool_use",
    ]);
    // Parallel results share one user turn.
    expect(body.messages).toHaveLength(3);
    expect(body.messages[2].content).toMatchObject([
      { type: "tool_result", tool_use_id: "toolu_a" },
      { type: "tool_result", tool_use_id: "toolu_b", is_error: true },
    ]);
  });

  it.each([
    [429, { "retry-after": "3" }, true, 3000],
    [529, {}, true, undefined],
    [500, {}, true, undefined],
    [401, {}, false, undefined],
    [400, {}, false, undefined],
  ])("maps HTTP %i to an error event", async (status, headers, retryable, retryAfterMs) => {
    server.enqueue([{ httpError: { status, headers } }]);
    const [event] = await collect(provider().stream(request, new AbortController().signal));
    expect(event).toMatchObject({ type: "error", status, retryable });
    if (retryAfterMs) expect(event).toMatchObject({ retryAfterMs });
  });

  it("turns an overloaded error event mid-stream into a retryable error, after the text so far", async () => {
    server.enqueue([{ text: "partial" }, { sseError: { type: "overloaded_error", message: "Overloaded" } }]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(events[0]).toMatchObject({ type: "usage" });
    expect(events.at(-1)).toMatchObject({ type: "error", retryable: true });
    expect((events.at(-1) as { message: string }).message).toContain("overloaded");
  });

  it("reports a dropped connection as retryable, and a missing key clearly", async () => {
    server.enqueue([{ text: "half" }, { disconnect: true }]);
    const dropped = await collect(provider().stream(request, new AbortController().signal));
    expect(dropped.at(-1)).toMatchObject({ type: "error", retryable: true });
    const [missing] = await collect(provider({}).stream(request, new AbortController().signal));
    expect(missing).toMatchObject({
      type: "error",
      retryable: false,
      message: expect.stringContaining("ANTHROPIC_API_KEY"),
    });
  });

  it("stops at once on abort", async () => {
    server.enqueue([{ text: "thinking…" }, { hang: true }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const events = await collect(provider().stream(request, controller.signal));
    expect(events.at(-1)).toEqual({ type: "stop", reason: "aborted" });
  });

  it("parses retry-after in seconds and as a date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
  });
});
