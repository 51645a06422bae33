import type { ModelInfo } from "@pincer/sdk";

/**
 * OpenRouter's OpenAI-compatible API: one key (`OPENROUTER_API_KEY`) for many vendors' models,
 * named `openrouter/<vendor>/<model>` (`openrouter/anthropic/claude-sonnet-4.5`). Its optional
 * attribution headers (`HTTP-Referer`, `X-Title`) go in `providers.openrouter.headers` in
 * config.json; `OPENROUTER_BASE_URL` points it at another endpoint (a gateway, a test server).
 */
export const OPENROUTER_API = "https://openrouter.ai/api/v1";

/**
 * A few models, at OpenRouter's pass-through prices (the vendor's own); any other
 * `openrouter/<vendor>/<model>` works too, priced at zero (unknown).
 */
export const OPENROUTER_MODELS: ModelInfo[] = [
  {
    id: "openrouter/openai/gpt-5",
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    price: { input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 0 },
    reasoning: true,
  },
  {
    id: "openrouter/openai/gpt-5-mini",
    contextWindow: 400_000,
    maxOutputTokens: 128_000,
    price: { input: 0.25, output: 2, cacheRead: 0.025, cacheWrite: 0 },
    reasoning: true,
  },
];
