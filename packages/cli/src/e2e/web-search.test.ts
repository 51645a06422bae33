import { type SearchServer, startOpenAIServer, startSearchServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let search: SearchServer;
beforeAll(async () => {
  server = await startOpenAIServer();
  search = await startSearchServer({ braveKey: "brave-e2e-key-0001" });
});
afterAll(async () => {
  await server.close();
  await search.close();
});

type Body = {
  tools?: Array<{ function: { name: string } }>;
  messages: Array<{ role: string; tool_call_id?: string; content: string }>;
};
const toolText = (callId: string) =>
  (server.requests.at(-1)!.body as Body).messages.find(
    (message) => message.role === "tool" && message.tool_call_id === callId,
  )?.content ?? "";

describe("web_search through pincer -p", () => {
  it("with a search API set up, the model searches through it (allowed by Claude Code's rule name WebSearch)", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-e2e-search-0001",
      OPENAI_BASE_URL: server.url,
      BRAVE_API_KEY: "brave-e2e-key-0001",
      PINCER_SEARCH_BASE_URL: search.url,
    });
    server.enqueue([
      { toolCalls: [{ id: "s1", name: "web_search", arguments: { query: "moon tides", count: 3 } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Found it." }, { finish: "stop" }]);
    const result = await box.run(["-p", "look it up", "--model", "openai/gpt-5", "--allowedTools", "WebSearch"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Found it.\n");
    expect(toolText("s1")).toContain("1. Tide tables explained\n   https://tides.example.org/explained");
    expect(search.requests.at(-1)).toMatchObject({ engine: "brave", query: "moon tides" });
    // The key reached the search API, never the model.
    expect(search.requests.at(-1)?.headers["x-subscription-token"]).toBe("brave-e2e-key-0001");
    expect(JSON.stringify(server.requests.map((request) => request.body))).not.toContain("brave-e2e-key-0001");
  });

  it("is not offered, and adds nothing to the request, in a session with no search API set up", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-search-0001", OPENAI_BASE_URL: server.url });
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    expect((await box.run(["-p", "hi", "--model", "openai/gpt-5"])).code).toBe(0);
    const names = ((server.requests.at(-1)!.body as Body).tools ?? []).map((tool) => tool.function.name);
    expect(names).toContain("web_fetch");
    expect(names).not.toContain("web_search");
  });

  it("headless in default mode a search is asked, so it is denied and nothing is sent", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-e2e-search-0001",
      OPENAI_BASE_URL: server.url,
      SEARXNG_BASE_URL: search.url,
    });
    const before = search.requests.length;
    server.enqueue([
      { toolCalls: [{ id: "s1", name: "web_search", arguments: { query: "secret plans" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Not allowed." }, { finish: "stop" }]);
    const result = await box.run(["-p", "search", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).permission_denials).toEqual([
      expect.objectContaining({ tool_name: "web_search" }),
    ]);
    expect(search.requests.length).toBe(before);
  });
});
