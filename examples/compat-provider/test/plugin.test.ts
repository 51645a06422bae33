import assert from "node:assert/strict";
import { after, test } from "node:test";
import { loadPlugin, startOpenAIServer } from "@pincer/testing";

// A loopback server that speaks the real OpenAI wire protocol (SSE), on 127.0.0.1.
const server = await startOpenAIServer();
const plugin = await loadPlugin(new URL("..", import.meta.url), {
  env: { COMPAT_PROVIDER_BASE_URL: server.url, COMPAT_PROVIDER_API_KEY: "test-key" },
});
after(async () => {
  plugin.dispose();
  await server.close();
});

test("streams a reply from an OpenAI-compatible endpoint", async () => {
  server.enqueue([{ text: "Hello" }, { text: " there" }, { finish: "stop" }]);
  const events = await plugin.streamProvider("compat-provider", {
    model: "test-model",
    systemPrompt: "Be brief.",
    messages: [{ role: "user", content: "Hi", timestamp: Date.now() }],
    tools: [],
  });
  const text = events.flatMap((event) => (event.type === "text_delta" ? [event.text] : [])).join("");
  assert.equal(text, "Hello there");
  assert.equal(server.requests[0]?.body.model, "test-model");
});
