import type { ModelInfo } from "@pincer/sdk";
import type { ThinkingStyle } from "./thinking.js";

interface CatalogueEntry {
  info: ModelInfo;
  thinking: ThinkingStyle;
}

/**
 * Anthropic's current models (platform.claude.com, December 2026): context windows, output limits
 * and USD per million tokens. Cache writes are the 5-minute ephemeral rate. Retired and deprecated
 * models (Sonnet 4.5, Opus 4.1, Opus 4.5) are left out: the SDK warns on every request to them.
 * `pincer models` reads this list; config can add more (`providers.anthropic.models`).
 */
const CATALOGUE: Record<string, CatalogueEntry> = {
  "claude-opus-5-5": {
    info: {
      id: "anthropic/claude-opus-5-5",
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
      price: { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 },
      reasoning: true,
    },
    // Thinks on every request, whether asked or not; a thinking budget is a 400.
    thinking: { kind: "adaptive", alwaysOnEffort: "medium" },
  },
  "claude-sonnet-5-5": {
    info: {
      id: "anthropic/claude-sonnet-5-5",
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
      price: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
      reasoning: true,
    },
    thinking: { kind: "adaptive" },
  },
  "claude-sonnet-5": {
    info: {
      id: "anthropic/claude-sonnet-5",
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
      price: { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
      reasoning: true,
    },
    thinking: { kind: "adaptive" },
  },
  "claude-opus-4-6": {
    info: {
      id: "anthropic/claude-opus-4-6",
      contextWindow: 1_000_000,
      maxOutputTokens: 128_000,
      price: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
      reasoning: true,
    },
    // Still accepts a budget, but it is deprecated there and the SDK warns on it.
    thinking: { kind: "adaptive" },
  },
  "claude-haiku-4-5": {
    info: {
      id: "anthropic/claude-haiku-4-5",
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      price: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
      reasoning: true,
    },
    // Extended thinking only: no adaptive mode, no effort parameter.
    thinking: { kind: "budget" },
  },
};

export const ANTHROPIC_MODELS: ModelInfo[] = Object.values(CATALOGUE).map((entry) => entry.info);

/** The thinking style of a catalogued model (bare id, as in a request), or undefined. */
export function cataloguedThinking(model: string): ThinkingStyle | undefined {
  return Object.hasOwn(CATALOGUE, model) ? CATALOGUE[model]?.thinking : undefined;
}
