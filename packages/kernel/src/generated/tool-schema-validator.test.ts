import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain build script without type declarations.
import { generateToolSchemaValidator } from "../../scripts/generate-tool-schema-validator.mjs";

describe("generated tool schema validator", () => {
  it("is current with Ajv's draft-07 meta-schema (run pnpm build to regenerate)", () => {
    const committed = readFileSync(new URL("./tool-schema-validator.js", import.meta.url), "utf8");
    expect(committed).toBe(generateToolSchemaValidator());
  });
});
