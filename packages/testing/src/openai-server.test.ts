import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIServer } from "./openai-server.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const post = (body: unknown, headers: Record<string, string> = { authorization: "Bearer sk-x" }) =>
  fetch(`${server.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("loopback OpenAI server", () => {
  it("answers non-streaming requests with a chat.completion", async () => {
    server.enqueue([
      { text: "hi" },
      { toolCalls: [{ id: "t1", name: "ls", arguments: {} }] },
      { usage: { prompt_tokens: 3, completion_tokens: 1 } },
    ]);
    const body = (await (await post({ model: "gpt-5", messages: [] })).json()) as Record<string, any>;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message).toEqual({
      role: "assistant",
      content: "hi",
      tool_calls: [{ id: "t1", type: "function", function: { name: "ls", arguments: "{}" } }],
    });
    expect(body.choices[0].finish_reason).toBe("tool_calls");
    expect(body.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });

  it("streams SSE chunks ending in [DONE], with usage when asked", async () => {
    server.enqueue([{ text: "streamed text" }]);
    const text = await (
      await post({ model: "gpt-5", messages: [], stream: true, stream_options: { include_usage: true } })
    ).text();
    const events = text.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("")).toBe("streamed text");
    expect(chunks.at(-1).usage).toBeDefined();
  });

  it("uses the responder when the queue is empty and records request sizes", async () => {
    server.respond((body) => [{ text: `you sent ${body.messages.length} messages` }]);
    const body = (await (await post({ model: "gpt-5", messages: [{ role: "user", content: "a" }] })).json()) as Record<
      string,
      any
    >;
    expect(body.choices[0].message.content).toBe("you sent 1 messages");
    expect(server.requests.at(-1)!.bytes).toBeGreaterThan(10);
  });

  it("speaks OpenAI's error shapes: 401 without a key, 400 on bad JSON, scripted statuses", async () => {
    const unauthorized = await post({ model: "gpt-5", messages: [] }, {});
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as any).error.code).toBe("invalid_api_key");
    expect((await post("{nope")).status).toBe(400);
    server.enqueue([{ httpError: { status: 429, headers: { "retry-after": "1" } } }]);
    const limited = await post({ model: "gpt-5", messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
  });

  it("lists models", async () => {
    const models = (await (
      await fetch(`${server.url}/models`, { headers: { authorization: "Bearer sk-x" } })
    ).json()) as any;
    expect(models.data[0].id).toBe("gpt-5");
  });
});
