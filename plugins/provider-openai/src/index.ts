import { definePlugin, defineProvider } from "@pincer/sdk";
import { OPENAI_MODELS } from "./models.js";
import { OPENROUTER_API, OPENROUTER_MODELS } from "./openrouter.js";
import { createOpenAIProvider } from "./provider.js";

export { toChatMessages, toChatTools } from "./convert.js";
export { toErrorEvent } from "./errors.js";
export { OPENAI_MODELS } from "./models.js";
export { OPENROUTER_API, OPENROUTER_MODELS } from "./openrouter.js";
export { createOpenAIProvider } from "./provider.js";

export default definePlugin({
  providers: [
    defineProvider({ id: "openai", models: OPENAI_MODELS, create: (ctx) => createOpenAIProvider(ctx) }),
    // OpenRouter: many vendors' models behind one key, `openrouter/<vendor>/<model>`.
    defineProvider({
      id: "openrouter",
      models: OPENROUTER_MODELS,
      create: (ctx) =>
        createOpenAIProvider(ctx, "openrouter", {
          keyVariable: "OPENROUTER_API_KEY",
          baseURLVariable: "OPENROUTER_BASE_URL",
          defaultBaseURL: OPENROUTER_API,
        }),
    }),
    // Serves the OpenAI-compatible servers declared in config; the host passes each one's settings.
    defineProvider({
      id: "openai-compatible",
      create: (ctx) => {
        const { id, apiKeyEnv, baseURL, quirks } = ctx.config as {
          id: string;
          apiKeyEnv?: string;
          baseURL: string;
          quirks?: Record<string, boolean>;
        };
        return createOpenAIProvider(ctx, id, {
          keyVariable: apiKeyEnv ?? "",
          keyOptional: !apiKeyEnv,
          defaultBaseURL: baseURL,
          ...(quirks ? { quirks } : {}),
        });
      },
    }),
  ],
});
