import type { ModelInfo } from "@pincer/sdk";

/** Context windows and USD per million tokens, from OpenAI's published pricing. */
export const OPENAI_MODELS: ModelInfo[] = [
  {
    id: "openai/gpt-5",
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    price: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
    reasoning: true,
  },
  {
    id: "openai/gpt-5-mini",
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    price: { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0 },
    reasoning: true,
  },
  {
    id: "openai/gpt-4.1",
    contextWindow: 1_047_576,
    maxOutputTokens: 32_768,
    price: { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 0 },
  },
  {
    id: "openai/gpt-4o-mini",
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    price: { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0 },
  },
];
