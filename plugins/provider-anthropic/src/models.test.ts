import { priceUsage, startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
// The kernel's own cost function (the plugin depends on the kernel only through types).
import { ANTHROPIC_MODELS } from "./models.js";
import { createAnthropicProvider } from "./provider.js";
import { thinkingStyle } from "./thinking.js";

let server: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  server = await startAnthropicServer();
});
afterAll(() => server.close());

const byId = (id: string) => ANTHROPIC_MODELS.find((model) => model.id === id);

describe("the Anthropic catalogue", () => {
  it("lists today's models and none that are retired or deprecated", () => {
    expect(ANTHROPIC_MODELS.map((model) => model.id)).toEqual([
      "anthropic/claude-opus-5-5",
      "anthropic/claude-sonnet-5-5",
      "anthropic/claude-sonnet-5",
      "anthropic/claude-opus-4-6",
      "anthropic/claude-haiku-4-5",
    ]);
  });

  it.each([
    ["anthropic/claude-opus-5-5", { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 }, 1_000_000, 128_000],
    ["anthropic/claude-sonnet-5-5", { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 }, 1_000_000, 128_000],
    ["anthropic/claude-sonnet-5", { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 }, 1_000_000, 128_000],
    ["anthropic/claude-opus-4-6", { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }, 1_000_000, 128_000],
    ["anthropic/claude-haiku-4-5", { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 }, 200_000, 64_000],
  ])("%s: prices per token kind and limits", (id, price, contextWindow, maxOutputTokens) => {
    expect(byId(id)).toEqual({ id, price, contextWindow, maxOutputTokens, reasoning: true });
  });

  it("prices a usage with all four token kinds exactly, through the kernel's cost function", () => {
    const tokens = { input: 1_000_000, output: 200_000, cacheRead: 3_000_000, cacheWrite: 400_000 };
    const opus = priceUsage(tokens, byId("anthropic/claude-opus-5-5")!.price);
    // $4 × 1 + $20 × 0.2 + $0.20 × 3 + $5 × 0.4
    expect(opus.cost).toEqual({ input: 4, output: 4, cacheRead: 0.6, cacheWrite: 2, total: 10.6 });
    const sonnet = priceUsage(tokens, byId("anthropic/claude-sonnet-5-5")!.price);
    // $2 × 1 + $10 × 0.2 + $0.20 × 3 + $2.50 × 0.4
    expect(sonnet.cost).toEqual({ input: 2, output: 2, cacheRead: 0.6, cacheWrite: 1, total: 5.6 });
    expect(sonnet).toMatchObject(tokens);
  });

  it("gives each catalogued model its thinking style", () => {
    expect(thinkingStyle("claude-opus-5-5")).toEqual({ kind: "adaptive", alwaysOnEffort: "medium" });
    expect(thinkingStyle("claude-sonnet-5-5")).toEqual({ kind: "adaptive" });
    expect(thinkingStyle("claude-sonnet-5")).toEqual({ kind: "adaptive" });
    expect(thinkingStyle("claude-opus-4-6")).toEqual({ kind: "adaptive" });
    expect(thinkingStyle("claude-haiku-4-5")).toEqual({ kind: "budget" });
  });

  it("makes the SDK warn about nothing (deprecated model, deprecated thinking form) for any catalogued model", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const provider = createAnthropicProvider({
        env: { get: (name) => (name === "ANTHROPIC_API_KEY" ? "sk-ant-test-0004" : undefined) },
        fs: undefined as never,
        config: { baseURL: server.url },
        fetch,
      });
      for (const { id } of ANTHROPIC_MODELS) {
        for (const reasoning of [undefined, "high"] as const) {
          server.enqueue([{ text: "ok" }]);
          const model = id.replace(/^anthropic\//, "");
          const request = {
            model,
            systemPrompt: "",
            messages: [{ role: "user" as const, content: "hi", timestamp: 0 }],
            tools: [],
            ...(reasoning ? { reasoning } : {}),
          };
          for await (const event of provider.stream(request, new AbortController().signal)) {
            expect(event.type).not.toBe("error");
          }
        }
      }
      expect(warn.mock.calls).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });
});
