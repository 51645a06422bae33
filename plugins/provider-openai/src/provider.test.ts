import { type ModelRequest, type ProviderEvent, parseRetryAfter } from "@pincer/sdk";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIProvider } from "./provider.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

function provider(env: Record<string, string | undefined> = { OPENAI_API_KEY: "sk-test-provider-0001" }) {
  return createOpenAIProvider({
    env: { get: (name) => env[name] },
    fs: undefined as never,
    config: { baseURL: server.url },
    fetch,
  });
}

const request: ModelRequest = {
  model: "gpt-5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [
    {
      name: "read",
      description: "read a file",
      parameters: { type: "object", properties: { path: { type: "string" } } },
    },
  ],
};

async function collect(stream: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("OpenAI provider through the real SDK", () => {
  it("streams text and stops", async () => {
    server.enqueue([{ text: "Hello there, friend." }, { finish: "stop" }]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    const text = events.filter((event) => event.type === "text_delta").map((event) => (event as { text: string }).text);
    expect(text.length).toBeGreaterThan(1);
    expect(text.join("")).toBe("Hello there, friend.");
    expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
    const sent = server.requests.at(-1)!.body as { messages: unknown[]; tools: unknown[]; stream: boolean };
    expect(sent.messages[0]).toEqual({ role: "system", content: "be brief" });
    expect(sent.stream).toBe(true);
    expect(sent.tools).toHaveLength(1);
  });

  it("maps parallel tool calls with arguments split across chunks", async () => {
    server.enqueue([
      {
        toolCalls: [
          { id: "a", name: "read", arguments: { path: "one.ts" } },
          { id: "b", name: "read", arguments: { path: "two.ts" } },
        ],
      },
    ]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    const starts = events.filter((event) => event.type === "toolcall_start");
    expect(starts).toEqual([
      { type: "toolcall_start", index: 0, id: "a", name: "read" },
      { type: "toolcall_start", index: 1, id: "b", name: "read" },
    ]);
    const args = (index: number) =>
      events
        .filter((event) => event.type === "toolcall_delta" && event.index === index)
        .map((event) => (event as { argumentsDelta: string }).argumentsDelta);
    expect(args(0).length).toBeGreaterThan(1);
    expect(JSON.parse(args(1).join(""))).toEqual({ path: "two.ts" });
    expect(events.filter((event) => event.type === "toolcall_end")).toHaveLength(2);
    expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
  });

  it("maps reasoning_content to thinking and cached tokens to cacheRead", async () => {
    server.enqueue([
      { reasoning: "Let me think." },
      { text: "Done." },
      { usage: { prompt_tokens: 1000, completion_tokens: 20, cached: 600 } },
    ]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(
      events
        .filter((event) => event.type === "thinking_delta")
        .map((event) => (event as { text: string }).text)
        .join(""),
    ).toBe("Let me think.");
    expect(events.find((event) => event.type === "usage")).toEqual({
      type: "usage",
      usage: { input: 400, output: 20, cacheRead: 600 },
    });
  });

  it("sends tool results and assistant tool calls back in the Chat Completions shape", async () => {
    server.enqueue([{ text: "ok" }]);
    await collect(
      provider().stream(
        {
          ...request,
          messages: [
            { role: "user", content: "read it", timestamp: 0 },
            {
              role: "assistant",
              content: [
                { type: "thinking", thinking: "private" },
                { type: "toolCall", id: "c1", name: "read", arguments: { path: "x" } },
              ],
              model: "openai/gpt-5",
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
              toolCallId: "c1",
              toolName: "read",
              content: [{ type: "text", text: "contents" }],
              isError: false,
              timestamp: 0,
            },
          ],
        },
        new AbortController().signal,
      ),
    );
    const sent = (server.requests.at(-1)!.body as { messages: unknown[] }).messages;
    expect(sent.slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "read", arguments: '{"path":"x"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "contents" },
    ]);
  });

  it("sends the body the SDK would write of the same parameters, as JSON, call after call", async () => {
    const expected = JSON.stringify({
      model: "gpt-5",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "read",
            description: "read a file",
            parameters: { type: "object", properties: { path: { type: "string" } } },
          },
        },
      ],
      max_completion_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
    });
    for (let call = 0; call < 2; call++) {
      server.enqueue([{ text: "ok" }, { finish: "stop" }]);
      const events = await collect(
        provider().stream({ ...request, maxOutputTokens: 100 }, new AbortController().signal),
      );
      expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
      const sent = server.requests.at(-1)!;
      expect(sent.headers["content-type"]).toBe("application/json");
      expect(sent.bytes).toBe(Buffer.byteLength(expected));
      expect(sent.body).toEqual(JSON.parse(expected));
    }
  });

  it("reports 429 as retryable with retry-after, and 401 as final with what to do", async () => {
    server.enqueue([{ httpError: { status: 429, headers: { "retry-after": "7" } } }]);
    const limited = await collect(provider().stream(request, new AbortController().signal));
    expect(limited).toEqual([
      expect.objectContaining({ type: "error", status: 429, retryable: true, retryAfterMs: 7000 }),
    ]);

    const strict = await startOpenAIServer({ apiKey: "sk-right" });
    try {
      const wrong = createOpenAIProvider({
        env: { get: () => "sk-wrong" },
        fs: undefined as never,
        config: { baseURL: strict.url },
        fetch,
      });
      const [error] = await collect(wrong.stream(request, new AbortController().signal));
      expect(error).toMatchObject({ type: "error", status: 401, retryable: false });
      expect((error as { message: string }).message).toContain("Check OPENAI_API_KEY");
    } finally {
      await strict.close();
    }
  });

  it("reports 5xx as retryable", async () => {
    server.enqueue([{ httpError: { status: 503 } }]);
    const [error] = await collect(provider().stream(request, new AbortController().signal));
    expect(error).toMatchObject({ type: "error", status: 503, retryable: true });
  });

  it("reports a connection dropped mid-stream as a retryable error, never a half tool call end", async () => {
    server.enqueue([{ toolCalls: [{ name: "read", arguments: { path: "x" } }] }, { disconnect: true }]);
    const events = await collect(provider().stream(request, new AbortController().signal));
    expect(events.at(-1)).toMatchObject({ type: "error", retryable: true });
    expect(events.some((event) => event.type === "toolcall_end")).toBe(false);
  });

  it("stops at once on abort, even against a hung server", async () => {
    server.enqueue([{ text: "partial" }, { hang: true }]);
    const controller = new AbortController();
    const events: ProviderEvent[] = [];
    const started = Date.now();
    for await (const event of provider().stream(request, controller.signal)) {
      events.push(event);
      if (event.type === "text_delta") controller.abort();
    }
    expect(Date.now() - started).toBeLessThan(5000);
    expect(events.at(-1)).toEqual({ type: "stop", reason: "aborted" });
  });

  it("reports a refused connection as retryable", async () => {
    const closed = createOpenAIProvider({
      env: { get: () => "sk-x" },
      fs: undefined as never,
      config: { baseURL: "http://127.0.0.1:1/v1" },
      fetch,
    });
    const [error] = await collect(closed.stream(request, new AbortController().signal));
    expect(error).toMatchObject({ type: "error", retryable: true });
    expect((error as { message: string }).message).toContain("connection failed");
  });

  it("says what to do when the key is missing, without calling the server", async () => {
    const before = server.requests.length;
    const [error] = await collect(provider({}).stream(request, new AbortController().signal));
    expect(error).toEqual({
      type: "error",
      message: "OPENAI_API_KEY is not set; export it, or run with another --model.",
      retryable: false,
    });
    expect(server.requests.length).toBe(before);
  });

  it("parses retry-after as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
