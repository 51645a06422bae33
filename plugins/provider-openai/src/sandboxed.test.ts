import type { ModelRequest } from "@pincer/sdk";
import { type LoadedPlugin, loadPlugin, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The plugin as sessions run it: the real openai SDK bundled into the isolate, its requests
// made by the host through the plugin's net grant, the SSE body streamed back in chunks.
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let plugin: LoadedPlugin;
beforeAll(async () => {
  server = await startOpenAIServer();
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    env: { OPENAI_API_KEY: "sk-test-sandboxed-0001", OPENAI_BASE_URL: server.url, HOME: "/root" },
  });
}, 30_000);
afterAll(async () => {
  plugin?.dispose();
  await server.close();
});

const request: ModelRequest = {
  model: "gpt-5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [],
};

describe("provider-openai in its sandbox", () => {
  it("streams text and tool calls through the real SDK over the bridge", async () => {
    server.enqueue([
      { text: "Hel" },
      { text: "lo" },
      { toolCalls: [{ id: "call_1", name: "read", arguments: { path: "a.txt" } }] },
      { usage: { prompt_tokens: 12, completion_tokens: 3 } },
      { finish: "tool_calls" },
    ]);
    const events = await plugin.streamProvider("openai", request);
    expect(events.filter((event) => event.type === "text_delta").map((event) => event.text)).toEqual(["Hel", "lo"]);
    expect(events).toContainEqual({ type: "toolcall_start", index: 0, id: "call_1", name: "read" });
    expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
    expect(server.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test-sandboxed-0001");
  });

  it("finishes streamed answer after streamed answer (the SDK cancels each body once it has read [DONE])", async () => {
    // An ML intern's run makes hundreds of calls in a row: one that never ended hung the session.
    for (let call = 0; call < 150; call++) {
      server.enqueue([
        { toolCalls: [{ id: `call_${call}`, name: "read", arguments: { path: `shard-${call}.txt` } }] },
        { usage: { prompt_tokens: 10, completion_tokens: 2 } },
        { finish: "tool_calls" },
      ]);
      const events = await plugin.streamProvider("openai", request);
      expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
    }
  }, 60_000);

  it("sends a tool result's text exactly, call after call (its JSON made once per message)", async () => {
    const text = 'epoch,step,loss\n1,0,"0.5"\té ✓ \u2028 \\ end';
    const messages: ModelRequest["messages"] = [
      { role: "user", content: "read it", timestamp: 0 },
      {
        role: "assistant",
        content: [{ type: "toolCall", id: "c1", name: "read", arguments: { path: "x" } }],
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
        content: [{ type: "text", text }],
        isError: false,
        timestamp: 0,
      },
    ];
    for (const more of [[], [{ role: "user" as const, content: "again", timestamp: 0 }]]) {
      server.enqueue([{ text: "ok" }, { finish: "stop" }]);
      const events = await plugin.streamProvider("openai", { ...request, messages: [...messages, ...more] });
      expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
      const sent = (server.requests.at(-1)!.body as { messages: Array<Record<string, unknown>> }).messages;
      expect(sent[3]).toEqual({ role: "tool", tool_call_id: "c1", content: text });
      expect(sent.length).toBe(4 + more.length);
    }
  });

  it("reports an HTTP error as a retryable error event with retry-after", async () => {
    server.enqueue([
      { httpError: { status: 429, headers: { "retry-after": "2" }, body: { error: { message: "slow down" } } } },
    ]);
    const events = await plugin.streamProvider("openai", request);
    expect(events.at(-1)).toMatchObject({ type: "error", retryable: true, status: 429, retryAfterMs: 2000 });
  });

  it("cannot reach a host it was not granted, even when its config points there", async () => {
    // The base URL comes from config, not from OPENAI_BASE_URL: the user did not choose that host.
    const elsewhere = await loadPlugin(new URL("..", import.meta.url), {
      env: { OPENAI_API_KEY: "sk-test-sandboxed-0001" },
      providerConfig: { openai: { baseURL: "http://127.0.0.1:9/v1" } },
    });
    try {
      const events = await elsewhere.streamProvider("openai", request);
      expect(events.at(-1)).toMatchObject({ type: "error", retryable: false });
      expect(JSON.stringify(events.at(-1))).toContain("network access to 127.0.0.1:9 refused");
    } finally {
      elsewhere.dispose();
    }
  });
});
