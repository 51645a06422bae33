import { definePlugin, defineProvider } from "@pincer/sdk";
import { OPENAI_MODELS } from "./models.js";
import { createOpenAIProvider } from "./provider.js";

export { toChatMessages, toChatTools } from "./convert.js";
export { parseRetryAfter, toErrorEvent } from "./errors.js";
export { OPENAI_MODELS } from "./models.js";
export { createOpenAIProvider } from "./provider.js";

export default definePlugin({
  providers: [defineProvider({ id: "openai", models: OPENAI_MODELS, create: (ctx) => createOpenAIProvider(ctx) })],
});
