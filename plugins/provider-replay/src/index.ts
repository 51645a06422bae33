import { definePlugin, defineProvider } from "@pincer/sdk";
import { createReplayProvider } from "./provider.js";

export * from "./cassette.js";
export { createReplayProvider } from "./provider.js";

export default definePlugin({
  providers: [
    defineProvider({
      id: "replay",
      models: [
        {
          id: "replay/coding-demo",
          contextWindow: 200_000,
          maxOutputTokens: 8_192,
          price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        },
      ],
      create: (ctx) => createReplayProvider(ctx),
    }),
  ],
});
