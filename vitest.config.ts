import { defineConfig } from "vitest/config";

// A loaded machine stretches every deadline at once: PINCER_TEST_TIMEOUT_SCALE (as in
// @pincer/testing's until()) multiplies the per-test and per-hook limits too.
const scale = Number(process.env.PINCER_TEST_TIMEOUT_SCALE) > 0 ? Number(process.env.PINCER_TEST_TIMEOUT_SCALE) : 1;

export default defineConfig({
  resolve: {
    // Workspace packages export their TypeScript source under the "@pincer/source" condition (a
    // name of our own: some dependencies publish TypeScript under a plain "source" condition),
    // so unit tests run against src/ while the CLI and e2e tests run the built dist/.
    conditions: ["@pincer/source"],
  },
  // The same for the server-side environment tests run in, so across packages too a test never
  // runs against a stale dist/.
  ssr: { resolve: { conditions: ["@pincer/source"], externalConditions: ["@pincer/source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "plugins/*/src/**/*.test.ts",
      "themes/*/src/**/*.test.ts",
      // Plugin examples keep their own node:test files (run by `pincer plugin test`, from
      // examples/plugins.test.ts); the embedding example is tested here.
      "examples/*.test.ts",
      "examples/embed/**/*.test.ts",
      "bench/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000 * scale,
    hookTimeout: 30_000 * scale,
    pool: "forks",
  },
});
