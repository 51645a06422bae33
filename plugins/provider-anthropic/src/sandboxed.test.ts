import type { ModelRequest } from "@pincer/sdk";
import { type LoadedPlugin, loadPlugin, startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The plugin as sessions run it: the real @anthropic-ai/sdk bundled into the isolate, its
// requests made by the host through the plugin's net grant, the SSE body streamed back.
let server: Awaited<ReturnType<typeof startAnthropicServer>>;
let plugin: LoadedPlugin;
beforeAll(async () => {
  server = await startAnthropicServer({ apiKey: "sk-ant-sandboxed-0001" });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    env: { ANTHROPIC_API_KEY: "sk-ant-sandboxed-0001", ANTHROPIC_BASE_URL: server.url, HOME: "/root" },
  });
}, 30_000);
afterAll(async () => {
  plugin?.dispose();
  await server.close();
});

const request: ModelRequest = {
  model: "claude-sonnet-5-5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [{ name: "read", description: "read a file", parameters: { type: "object" } }],
};

describe("provider-anthropic in its sandbox", () => {
  it("streams text, thinking and a tool call through the real SDK over the bridge", async () => {
    server.enqueue([
      { thinking: "hm", signature: "sig" },
      { text: "Hello" },
      { toolUse: { id: "toolu_9", name: "read", input: { path: "b.txt" } } },
      { usage: { input_tokens: 10, output_tokens: 5 } },
    ]);
    const events = await plugin.streamProvider("anthropic", request);
    expect(
      events
        .filter((event) => event.type === "text_delta")
        .map((event) => event.text)
        .join(""),
    ).toBe("Hello");
    expect(events).toContainEqual({ type: "toolcall_start", index: 2, id: "toolu_9", name: "read" });
    expect(events.at(-1)).toEqual({ type: "stop", reason: "toolUse" });
  });

  it("cannot reach a host it was not granted, even when its config points there", async () => {
    const elsewhere = await loadPlugin(new URL("..", import.meta.url), {
      env: { ANTHROPIC_API_KEY: "sk-ant-sandboxed-0001" },
      providerConfig: { anthropic: { baseURL: "http://127.0.0.1:9" } },
    });
    try {
      const events = await elsewhere.streamProvider("anthropic", request);
      expect(events.at(-1)).toMatchObject({ type: "error", retryable: false });
      expect(JSON.stringify(events.at(-1))).toContain("network access to 127.0.0.1:9 refused");
    } finally {
      elsewhere.dispose();
    }
  });
});
