import { createOpenAIProvider } from "@pincer/provider-openai";
import { definePlugin, defineProvider, type ModelInfo } from "@pincer/sdk";

/**
 * Hugging Face Inference Providers: one token (`HF_TOKEN`) for models served by many providers,
 * through the router's OpenAI-compatible API, so the model is named `hf/<org>/<model>`
 * (optionally `:provider`, e.g. `hf/Qwen/Qwen3-Coder-480B-A35B-Instruct:cerebras`).
 */
export const HF_ROUTER = "https://router.huggingface.co/v1";

/** A few well-known models; any other `hf/<org>/<model>` works too, priced at zero (unknown). */
export const HF_MODELS: ModelInfo[] = [
  {
    id: "hf/Qwen/Qwen3-Coder-480B-A35B-Instruct",
    contextWindow: 262_144,
    maxOutputTokens: 65_536,
    price: { input: 2, output: 2, cacheRead: 0, cacheWrite: 0 },
  },
  {
    id: "hf/openai/gpt-oss-120b",
    contextWindow: 131_072,
    maxOutputTokens: 32_768,
    price: { input: 0.15, output: 0.6, cacheRead: 0, cacheWrite: 0 },
    reasoning: true,
  },
  {
    id: "hf/moonshotai/Kimi-K2-Instruct",
    contextWindow: 131_072,
    maxOutputTokens: 16_384,
    price: { input: 1, output: 3, cacheRead: 0, cacheWrite: 0 },
  },
];

export default definePlugin({
  providers: [
    defineProvider({
      id: "hf",
      models: HF_MODELS,
      create: (ctx) =>
        createOpenAIProvider(ctx, "hf", {
          keyVariable: "HF_TOKEN",
          baseURLVariable: "HF_ROUTER_BASE_URL",
          defaultBaseURL: HF_ROUTER,
        }),
    }),
  ],
});
