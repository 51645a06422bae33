import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain build script without type declarations.
import { generateManifestValidator } from "../../scripts/generate-manifest-validator.mjs";

describe("generated manifest validator", () => {
  it("is current with the SDK's manifest schema (run pnpm build to regenerate)", () => {
    const committed = readFileSync(new URL("./manifest-validator.js", import.meta.url), "utf8");
    expect(committed).toBe(generateManifestValidator());
  });
});
