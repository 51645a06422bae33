import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain build script without type declarations.
import { generateToolValidators } from "../../scripts/generate-tool-validators.mjs";
import { toolValidators } from "./tool-validators.js";

type Schema = { properties?: Record<string, { type?: string; items?: Schema }> };

/** Arguments a model might send: none, the wrong shape, each property of the wrong type and of a plausible one. */
function callsFor(schema: Schema): unknown[] {
  const names = Object.keys(schema.properties ?? {});
  const plausible = (type: string | undefined): unknown =>
    ({ string: "a", integer: 1, number: 1.5, boolean: true, array: [{ content: "x", status: "pending" }] })[
      type ?? "string"
    ] ?? {};
  const right = Object.fromEntries(names.map((name) => [name, plausible(schema.properties?.[name]?.type)]));
  return [
    {},
    null,
    "echo hi",
    [],
    { unknown: 1 },
    right,
    { ...right, extra: "x" },
    Object.fromEntries(names.map((name) => [name, 0.5])),
    Object.fromEntries(names.map((name) => [name, ""])),
    Object.fromEntries(names.map((name) => [name, "😀".repeat(3)])),
    Object.fromEntries(names.map((name) => [name, [{}, { content: "" }, { status: "nope" }]])),
    Object.fromEntries(names.map((name) => [name, 10 ** 9])),
    Object.fromEntries(names.map((name) => [name, -1])),
  ];
}

describe("the built-in tools' validators compiled at build time", () => {
  it("are current with the built-in plugins' schemas (run pnpm build to regenerate)", async () => {
    const committed = readFileSync(new URL("./tool-validators.js", import.meta.url), "utf8");
    expect(committed).toBe(await generateToolValidators());
  });

  it("say what the kernel's Ajv says, errors included, for every schema and call", () => {
    expect(toolValidators.size).toBeGreaterThan(5);
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, logger: false });
    const verdicts = { true: 0, false: 0 };
    for (const [text, ahead] of toolValidators) {
      const compiled = ajv.compile(JSON.parse(text));
      for (const call of callsFor(JSON.parse(text))) {
        const verdict = ahead(call);
        verdicts[`${verdict}`]++;
        expect(verdict, `${text}\n${JSON.stringify(call)}`).toBe(compiled(call));
        expect((ahead as typeof compiled).errors ?? null).toEqual(compiled.errors ?? null);
      }
    }
    // Both ways, for most schemas: the calls are not all refused (or all accepted).
    expect(verdicts.true).toBeGreaterThan(toolValidators.size / 2);
    expect(verdicts.false).toBeGreaterThan(toolValidators.size * 5);
  });
});
