import { type LoadedPlugin, loadPlugin, type SearchServer, startSearchServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let search: SearchServer;
beforeAll(async () => {
  search = await startSearchServer({ braveKey: "brave-unit-key", tavilyKey: "tvly-unit-key" });
});
afterAll(() => search.close());

const text = (result: { content: unknown }) =>
  typeof result.content === "string"
    ? result.content
    : (result.content as Array<{ text?: string }>).map((block) => block.text ?? "").join("");

/** The plugin as a session runs it, with these variables set (its grant: the manifest's). */
async function withEnv<T>(env: Record<string, string>, use: (plugin: LoadedPlugin) => Promise<T>): Promise<T> {
  const plugin = await loadPlugin(new URL("..", import.meta.url), { env, shipsWithPincer: true });
  try {
    return await use(plugin);
  } finally {
    plugin.dispose();
  }
}

describe("web_search against the stand-in search APIs", () => {
  it("Brave: the key in X-Subscription-Token, results as a numbered list with plain-text snippets", async () => {
    await withEnv({ BRAVE_API_KEY: "brave-unit-key", PINCER_SEARCH_BASE_URL: search.url }, async (plugin) => {
      const result = await plugin.runTool("web_search", { query: "moon tides", count: 2 });
      expect(result.isError).toBeUndefined();
      expect(text(result)).toBe(
        [
          "1. Tide tables explained",
          "   https://tides.example.org/explained",
          "   How the moon moves the tides & why there are two a day.",
          "2. Moon phases",
          "   https://astro.example.com/moon/phases",
          "   New, full and the quarters of the moon.",
        ].join("\n"),
      );
      expect(search.requests.at(-1)).toMatchObject({ engine: "brave", query: "moon tides" });
    });
  });

  it("Tavily: a Bearer key and the domain lists passed on for the engine to apply", async () => {
    await withEnv({ TAVILY_API_KEY: "tvly-unit-key", PINCER_SEARCH_BASE_URL: search.url }, async (plugin) => {
      const result = await plugin.runTool("web_search", { query: "moon", allowed_domains: ["example.com"] });
      expect(text(result)).toBe(
        "1. Moon phases\n   https://astro.example.com/moon/phases\n   New, full and the quarters of the moon.",
      );
      expect(search.requests.at(-1)).toMatchObject({
        engine: "tavily",
        body: { query: "moon", max_results: 8, include_domains: ["example.com"] },
      });
    });
  });

  it("SearXNG: its JSON API at SEARXNG_BASE_URL; blocked domains are filtered here", async () => {
    await withEnv({ SEARXNG_BASE_URL: `${search.url}/` }, async (plugin) => {
      const result = await plugin.runTool("web_search", {
        query: "moon",
        blocked_domains: ["example.org", "harbour.example.net"],
      });
      expect(text(result)).toBe(
        "1. Moon phases\n   https://astro.example.com/moon/phases\n   New, full and the quarters of the moon.",
      );
      expect(search.requests.at(-1)).toMatchObject({ engine: "searxng", path: "/search" });
    });
  });

  it("PINCER_SEARCH_PROVIDER picks one when several are set", async () => {
    const env = { BRAVE_API_KEY: "brave-unit-key", SEARXNG_BASE_URL: search.url, PINCER_SEARCH_BASE_URL: search.url };
    await withEnv({ ...env, PINCER_SEARCH_PROVIDER: "searxng" }, async (plugin) => {
      await plugin.runTool("web_search", { query: "moon" });
      expect(search.requests.at(-1)?.engine).toBe("searxng");
    });
    await withEnv(env, async (plugin) => {
      await plugin.runTool("web_search", { query: "moon" });
      expect(search.requests.at(-1)?.engine).toBe("brave");
    });
  });

  it("says what is wrong: a rejected key, rate limits, an unknown engine, nothing set up; the key never appears", async () => {
    await withEnv({ BRAVE_API_KEY: "brave-wrong-key", PINCER_SEARCH_BASE_URL: search.url }, async (plugin) => {
      const refused = await plugin.runTool("web_search", { query: "moon" });
      expect(refused).toMatchObject({
        isError: true,
        content: "The brave search API refused the key in BRAVE_API_KEY (HTTP 401).",
      });
    });
    await withEnv({ TAVILY_API_KEY: "tvly-unit-key", PINCER_SEARCH_BASE_URL: search.url }, async (plugin) => {
      search.failNext(429);
      expect(text(await plugin.runTool("web_search", { query: "moon" }))).toContain("rate-limiting (HTTP 429)");
      search.failNext(500);
      expect(text(await plugin.runTool("web_search", { query: "moon" }))).toContain("answered HTTP 500");
      expect(text(await plugin.runTool("web_search", { query: "zzzz" }))).toBe('No results for "zzzz".');
    });
    await withEnv({ PINCER_SEARCH_PROVIDER: "bing" }, async (plugin) => {
      expect(text(await plugin.runTool("web_search", { query: "x" }))).toContain(
        '"bing", which is not one of brave, tavily, searxng',
      );
    });
    await withEnv({ PINCER_SEARCH_PROVIDER: "brave" }, async (plugin) => {
      expect(text(await plugin.runTool("web_search", { query: "x" }))).toBe(
        "The brave search API needs BRAVE_API_KEY, which is not set.",
      );
    });
  });

  it("is not offered at all in a session without a search API set up", async () => {
    await withEnv({}, async (plugin) => {
      expect(await plugin.tools()).toEqual([]);
    });
  });
});
