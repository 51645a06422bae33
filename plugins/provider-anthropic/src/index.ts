import { definePlugin, defineProvider } from "@pincer/sdk";
import { ANTHROPIC_MODELS } from "./models.js";
import { createAnthropicProvider } from "./provider.js";

export { toMessages, toSystem, toTools } from "./convert.js";
export { toErrorEvent } from "./errors.js";
export { ANTHROPIC_MODELS } from "./models.js";
export { createAnthropicProvider } from "./provider.js";
export { type ThinkingStyle, thinkingStyle } from "./thinking.js";

export default definePlugin({
  providers: [
    defineProvider({ id: "anthropic", models: ANTHROPIC_MODELS, create: (ctx) => createAnthropicProvider(ctx) }),
  ],
});
