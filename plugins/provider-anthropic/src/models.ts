import type { ModelInfo } from "@pincer/sdk";

/**
 * Context windows, output limits and USD per million tokens from Anthropic's published pricing.
 * Cache writes are the 5-minute ephemeral rate (1.25× input), cache reads 0.1× input.
 */
export const ANTHROPIC_MODELS: ModelInfo[] = [
  {
    id: "anthropic/claude-sonnet-4-5",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    price: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    reasoning: true,
  },
  {
    id: "anthropic/claude-opus-4-1",
    contextWindow: 200_000,
    maxOutputTokens: 32_000,
    price: { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
    reasoning: true,
  },
  {
    id: "anthropic/claude-haiku-4-5",
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
    reasoning: true,
  },
];
