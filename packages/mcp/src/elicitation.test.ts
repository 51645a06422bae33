import { describe, expect, it } from "vitest";
import { MAX_SAMPLING_CHARS, MAX_SAMPLING_TOKENS, samplingRequest } from "./client-features.js";
import { checkAnswer, elicitationFields, MAX_FIELDS, parseTypedValue } from "./elicitation.js";

const form = {
  type: "object",
  properties: {
    name: { type: "string", title: "Name", minLength: 2 },
    agree: { type: "boolean" },
    count: { type: "integer", minimum: 1, maximum: 5 },
    pet: { type: "string", enum: ["cat", "dog"], enumNames: ["Cat", "Dog"] },
    tools: {
      type: "array",
      items: {
        anyOf: [
          { const: "a", title: "Axe" },
          { const: "s", title: "Saw" },
        ],
      },
      maxItems: 1,
    },
    mail: { type: "string", format: "email" },
  },
  required: ["name"],
};

describe("elicitation forms from a server", () => {
  const fields = elicitationFields(form);

  it("reads every field a real server sends", () => {
    expect(fields.map((field) => field.name)).toEqual(["name", "agree", "count", "pet", "tools", "mail"]);
    expect(fields[3]!.options).toEqual([
      { value: "cat", title: "Cat" },
      { value: "dog", title: "Dog" },
    ]);
  });

  it.each([
    [null, /not an object/],
    [{ type: "object", properties: { x: { type: "object" } } }, /field "x" is not/],
    [{ type: "object", properties: { x: { type: "array", items: { type: "string" } } } }, /list without choices/],
    [
      {
        type: "object",
        properties: Object.fromEntries(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => [`f${i}`, { type: "string" }])),
      },
      /at most 50/,
    ],
  ])("refuses a form that is not a flat object of primitives: %#", (schema, message) => {
    expect(() => elicitationFields(schema)).toThrow(message);
  });

  it("checks an answer against the form", () => {
    expect(checkAnswer(fields, { name: "Ada", count: 3, pet: "dog", tools: ["a"] })).toBeUndefined();
    expect(checkAnswer(fields, {})).toBe("Name is required");
    expect(checkAnswer(fields, { name: "Ada", count: 9 })).toBe("count must be at most 5");
    expect(checkAnswer(fields, { name: "Ada", pet: "fish" })).toBe("pet must be one of cat, dog");
    expect(checkAnswer(fields, { name: "Ada", tools: ["a", "s"] })).toBe("tools takes at most 1");
    expect(checkAnswer(fields, { name: "Ada", mail: "nope" })).toBe("mail must be an email address");
    expect(checkAnswer(fields, { name: "Ada", extra: 1 })).toBe('"extra" is not a field of the form');
  });

  it("turns typed text into typed values", () => {
    const byName = (name: string) => fields.find((field) => field.name === name)!;
    expect(parseTypedValue(byName("agree"), "yes")).toBe(true);
    expect(parseTypedValue(byName("count"), " 4 ")).toBe(4);
    expect(parseTypedValue(byName("pet"), "Dog")).toBe("dog");
    expect(parseTypedValue(byName("tools"), "Saw")).toEqual(["s"]);
    expect(parseTypedValue(byName("name"), "")).toBeUndefined();
    expect(() => parseTypedValue(byName("count"), "x")).toThrow("count must be a number");
    expect(() => parseTypedValue(byName("pet"), "fish")).toThrow("choose one of Cat, Dog");
  });
});

describe("sampling requests from a server", () => {
  const message = (content: unknown) => ({ role: "user", content });

  it("caps the tokens and keeps text and images", () => {
    const request = samplingRequest("s", {
      messages: [
        message([
          { type: "text", text: "hi" },
          { type: "image", data: "AAAA", mimeType: "image/png" },
        ]),
      ],
      maxTokens: 1_000_000,
      modelPreferences: { hints: [{ name: "claude-3-sonnet" }] },
    });
    expect(request.maxTokens).toBe(MAX_SAMPLING_TOKENS);
    expect(request.modelHints).toEqual(["claude-3-sonnet"]);
    expect(request.messages[0]!.content).toEqual([
      { type: "text", text: "hi" },
      { type: "image", data: "AAAA", mimeType: "image/png" },
    ]);
  });

  it("refuses tool use (not offered) and text past the cap", () => {
    expect(() =>
      samplingRequest("s", { messages: [message({ type: "tool_use", id: "1", name: "x", input: {} })], maxTokens: 5 }),
    ).toThrow(/not supported/);
    expect(() =>
      samplingRequest("s", {
        messages: [message({ type: "text", text: "x".repeat(MAX_SAMPLING_CHARS + 1) })],
        maxTokens: 5,
      }),
    ).toThrow(/at most/);
  });
});
