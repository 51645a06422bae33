import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { aliasesOf, MODEL_ALIASES, resolveModelAlias } from "./model-aliases.js";
import { chooseModel } from "./model-choice.js";

describe("model aliases", () => {
  it('are what the settings schema accepts for "model" beside provider/model', () => {
    const schema = JSON.parse(readFileSync(new URL("./settings/settings.schema.json", import.meta.url), "utf8"));
    const pattern = new RegExp(schema.properties.model.pattern as string);
    for (const alias of Object.keys(MODEL_ALIASES)) expect(pattern.test(alias), alias).toBe(true);
    expect(pattern.test("gpt5")).toBe(false);
    expect(schema.properties.model["x-hint"]).toContain(Object.keys(MODEL_ALIASES).join(", "));
  });

  it("resolve case-insensitively; anything else is left as written", () => {
    expect(resolveModelAlias("Sonnet")).toBe("anthropic/claude-sonnet-5-5");
    expect(resolveModelAlias(" opus ")).toBe("anthropic/claude-opus-5-5");
    expect(resolveModelAlias("openai/gpt-5")).toBe("openai/gpt-5");
    expect(resolveModelAlias("sonnet-ish")).toBe("sonnet-ish");
    // Names of Object.prototype are not aliases.
    expect(resolveModelAlias("constructor")).toBe("constructor");
    expect(aliasesOf("openai/gpt-5-mini")).toEqual(["gpt-mini"]);
  });

  it("chooseModel resolves the alias before checking the provider's key", () => {
    const env = { ANTHROPIC_API_KEY: "sk-ant-unit" };
    expect(chooseModel({ named: "haiku", env, providers: undefined })).toBe("anthropic/claude-haiku-4-5");
    expect(() => chooseModel({ named: "gpt", env, providers: undefined })).toThrow(/OPENAI_API_KEY is not set/);
  });
});
