import type { ModelRequest, ProviderEvent } from "@pincer/sdk";
import { describe, expect, it } from "vitest";
import plugin from "./index.js";

const request: ModelRequest = {
  model: "anthropic/claude-sonnet-4.5",
  systemPrompt: "be brief",
  messages: [{ role: "user", content: "hi", timestamp: 0 }],
  tools: [],
};

function openrouter(env: Record<string, string>, seen: Request[]) {
  const definition = plugin.providers?.find((provider) => provider.id === "openrouter");
  if (!definition) throw new Error("no openrouter provider");
  // Nothing leaves the machine: the request is looked at, then answered with a 401 here.
  const fetchStub = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(JSON.stringify({ error: { message: "No auth credentials found", code: 401 } }), {
      status: 401,
      headers: { "content-type": "application/json" },
    });
  };
  return definition.create({
    env: { get: (name) => env[name] },
    fs: undefined as never,
    config: {},
    fetch: fetchStub as typeof fetch,
  });
}

async function collect(stream: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe("the OpenRouter preset", () => {
  it("sends OPENROUTER_API_KEY to https://openrouter.ai/api/v1 and reports its refusal as an error event", async () => {
    const seen: Request[] = [];
    const events = await collect(
      openrouter({ OPENROUTER_API_KEY: "sk-or-v1-unit-0001" }, seen).stream(request, new AbortController().signal),
    );
    expect(seen[0]?.url).toBe("https://openrouter.ai/api/v1/chat/completions");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer sk-or-v1-unit-0001");
    expect(await seen[0]?.json()).toMatchObject({ model: "anthropic/claude-sonnet-4.5" });
    expect(events.at(-1)).toMatchObject({ type: "error", retryable: false });
  });

  it("OPENROUTER_BASE_URL moves it; without a key nothing is sent", async () => {
    const seen: Request[] = [];
    await collect(
      openrouter(
        { OPENROUTER_API_KEY: "sk-or-v1-unit-0001", OPENROUTER_BASE_URL: "http://127.0.0.1:9/v1" },
        seen,
      ).stream(request, new AbortController().signal),
    );
    expect(seen[0]?.url).toBe("http://127.0.0.1:9/v1/chat/completions");
    const none: Request[] = [];
    const events = await collect(openrouter({}, none).stream(request, new AbortController().signal));
    expect(none).toHaveLength(0);
    expect(events).toEqual([
      { type: "error", message: expect.stringContaining("OPENROUTER_API_KEY"), retryable: false },
    ]);
  });
});
