import { definePlugin, defineProvider } from "@pincer/sdk";
import { createReplayProvider } from "./provider.js";

export * from "./cassette.js";
export { createReplayProvider } from "./provider.js";

export default definePlugin({
  providers: [
    defineProvider({
      id: "replay",
      // The recordings shipped in cassettes/ (any other is named by its path: replay/<file>.jsonl).
      models: ["coding-demo", "ml-intern-demo"].map((name) => ({
        id: `replay/${name}`,
        contextWindow: 200_000,
        maxOutputTokens: 8_192,
        price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      })),
      create: (ctx) => createReplayProvider(ctx),
    }),
  ],
});
