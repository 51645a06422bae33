import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { bundleOpenaiClient, webGlobals } from "./openai-sdk.fixture.js";
import { openaiUnused } from "./openai-unused.mjs";

/** A sandbox-style bundle of the SDK's client, with or without the plugin. */
const bundle = (slim: boolean) => bundleOpenaiClient(slim ? [openaiUnused] : []);

describe("the openai SDK without the parts the built-in providers never call", () => {
  it("leaves out the unused resources and stream helpers, keeps chat and responses", async () => {
    const [full, slim] = await Promise.all([bundle(false), bundle(true)]);
    // A string of each part's own code (toContain would print a megabyte on failure).
    const has = (code: string, text: string) => code.includes(text);
    for (const unused of [
      "/organization/admin_api_keys",
      "Chat completion stream exceeded its structured JSON byte limit",
      "Lifecycle response identity changed.",
    ]) {
      expect(has(full, unused), unused).toBe(true);
      expect(has(slim, unused), unused).toBe(false);
    }
    for (const used of ["/chat/completions", "/responses"]) expect(has(slim, used), used).toBe(true);
    expect(slim.length).toBeLessThan(full.length * 0.6);
  });

  it("makes a client whose chat and responses stream a real SSE answer; an unused resource is an empty one", async () => {
    const code = await bundle(true);
    const sandbox: Record<string, unknown> = {};
    // The script sees only what an isolate's web platform has (no Node).
    runInNewContext(code, Object.assign(sandbox, webGlobals()));
    const { OpenAI } = sandbox.__sdk as { OpenAI: new (options: object) => SdkClient };
    const requests: string[] = [];
    const sse = (lines: object[]) =>
      new Response(`${lines.map((line) => `data: ${JSON.stringify(line)}\n\n`).join("")}data: [DONE]\n\n`, {
        headers: { "content-type": "text/event-stream" },
      });
    const client = new OpenAI({
      apiKey: "sk-test",
      baseURL: "http://127.0.0.1:9/v1",
      maxRetries: 0,
      fetch: async (url: string) => {
        requests.push(String(url));
        return String(url).endsWith("/responses")
          ? sse([{ type: "response.output_text.delta", delta: "hi", item_id: "m", output_index: 0, content_index: 0 }])
          : sse([{ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "ok" } }] }]);
      },
    });
    const chat = await client.chat.completions.create({ model: "m", messages: [], stream: true });
    const texts: string[] = [];
    for await (const chunk of chat as AsyncIterable<{ choices: Array<{ delta: { content?: string } }> }>) {
      texts.push(chunk.choices[0]?.delta.content ?? "");
    }
    const responses = await client.responses.create({ model: "m", input: "x", stream: true });
    for await (const event of responses as AsyncIterable<{ delta?: string }>) texts.push(event.delta ?? "");
    expect(texts).toEqual(["ok", "hi"]);
    expect(requests).toEqual(["http://127.0.0.1:9/v1/chat/completions", "http://127.0.0.1:9/v1/responses"]);
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(client.admin))).toEqual(["constructor"]);
  });
});

interface SdkClient {
  chat: { completions: { create(body: object): Promise<unknown> } };
  responses: { create(body: object): Promise<unknown> };
  admin: object;
}
