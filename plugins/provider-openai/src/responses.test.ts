import type { AssistantMessage, ModelRequest, ProviderEvent } from "@pincer/sdk";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIProvider } from "./provider.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const provider = () =>
  createOpenAIProvider({
    env: { get: (name) => (name === "OPENAI_API_KEY" ? "sk-test-responses" : undefined) },
    fs: undefined as never,
    config: { baseURL: server.url, api: "responses" },
    fetch,
  });

async function collect(request: ModelRequest): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of provider().stream(request, new AbortController().signal)) events.push(event);
  return events;
}

const base: ModelRequest = {
  model: "gpt-5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [{ name: "read", description: "read a file", parameters: { type: "object" } }],
  reasoning: "low",
};

describe("OpenAI Responses API (api: responses) against the loopback server", () => {
  it("streams reasoning with its encrypted content, text and a tool call, and usage", async () => {
    server.enqueue([
      { reasoning: "Think first." },
      { text: "Reading." },
      { toolCalls: [{ id: "call_r1", name: "read", arguments: { path: "a.txt" } }] },
      { usage: { prompt_tokens: 100, completion_tokens: 9, cached: 40 } },
    ]);
    const events = await collect(base);
    const body = server.requests.at(-1)!.body as Record<string, unknown>;
    expect(server.requests.at(-1)!.path).toMatch(/\/responses$/);
    expect(body).toMatchObject({ instructions: "be brief", store: false, include: ["reasoning.encrypted_content"] });
    const thinking = events.filter((event) => event.type === "thinking_delta");
    expect(thinking.map((event) => event.text).join("")).toBe("Think first.");
    const signature = thinking.find((event) => event.signature)?.signature;
    expect(JSON.parse(signature!)).toMatchObject({ encrypted_content: expect.stringMatching(/^enc:/) });
    expect(events).toContainEqual(expect.objectContaining({ type: "toolcall_start", id: "call_r1", name: "read" }));
    expect(events).toContainEqual({ type: "usage", usage: { input: 60, output: 9, cacheRead: 40 } });
    expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
  });

  it("sends reasoning back encrypted, with the call and its output, and only its own", async () => {
    const signature = JSON.stringify({ id: "rs_1", encrypted_content: "enc:abc" });
    const assistant = (model: string): AssistantMessage => ({
      role: "assistant",
      model,
      content: [
        { type: "thinking", thinking: "Think first.", signature },
        { type: "toolCall", id: "call_r1", name: "read", arguments: { path: "a.txt" } },
      ],
      usage: {
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      },
      stopReason: "toolUse",
      timestamp: 0,
    });
    const result = {
      role: "toolResult" as const,
      toolCallId: "call_r1",
      toolName: "read",
      content: [{ type: "text" as const, text: "hello" }],
      isError: false,
      timestamp: 0,
    };
    server.enqueue([{ text: "It says hello." }]);
    await collect({ ...base, messages: [base.messages[0]!, assistant("openai/gpt-5"), result] });
    const input = (server.requests.at(-1)!.body as { input: Array<Record<string, unknown>> }).input;
    expect(input.slice(1)).toEqual([
      { type: "reasoning", id: "rs_1", encrypted_content: "enc:abc", summary: [] },
      { type: "function_call", call_id: "call_r1", name: "read", arguments: '{"path":"a.txt"}' },
      { type: "function_call_output", call_id: "call_r1", output: "hello" },
    ]);
    server.enqueue([{ text: "ok" }]);
    await collect({ ...base, messages: [base.messages[0]!, assistant("anthropic/claude-sonnet-5-5"), result] });
    const fromElsewhere = (server.requests.at(-1)!.body as { input: Array<{ type?: string }> }).input;
    expect(fromElsewhere.some((item) => item.type === "reasoning")).toBe(false);
  });

  it("reports an HTTP error like Chat Completions does", async () => {
    server.enqueue([{ httpError: { status: 429, headers: { "retry-after": "1" } } }]);
    const [event] = await collect(base);
    expect(event).toMatchObject({ type: "error", retryable: true, status: 429, retryAfterMs: 1000 });
  });
});
