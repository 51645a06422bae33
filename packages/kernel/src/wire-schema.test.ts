import { describe, expect, it } from "vitest";
import { wireSchema } from "./wire-schema.js";

describe("wireSchema", () => {
  it("leaves out what only the validator needs, keeps what the model must respect", () => {
    const schema = {
      type: "object",
      properties: {
        path: { type: "string", minLength: 1, description: "File path" },
        limit: { type: "integer", minimum: 1, maximum: 10 },
        todos: {
          type: "array",
          items: {
            type: "object",
            properties: { status: { type: "string", enum: ["pending", "done"] } },
            required: ["status"],
            additionalProperties: false,
          },
        },
      },
      required: ["path"],
      additionalProperties: false,
    };
    expect(wireSchema(schema)).toEqual({
      type: "object",
      properties: {
        path: { type: "string", description: "File path" },
        limit: { type: "integer", minimum: 1, maximum: 10 },
        todos: {
          type: "array",
          items: {
            type: "object",
            properties: { status: { type: "string", enum: ["pending", "done"] } },
            required: ["status"],
          },
        },
      },
      required: ["path"],
    });
  });

  it("keeps arguments named like keywords, schema-valued additionalProperties and data as they are", () => {
    const schema = {
      type: "object",
      properties: { minLength: { type: "integer" }, additionalProperties: { type: "boolean" } },
      additionalProperties: { type: "string" },
      default: { additionalProperties: false },
    };
    expect(wireSchema(schema)).toEqual(schema);
  });

  it("computes each schema once and never changes the one the kernel validates with", () => {
    const schema = { type: "object", properties: {}, additionalProperties: false };
    expect(wireSchema(schema)).toBe(wireSchema(schema));
    expect(schema.additionalProperties).toBe(false);
  });
});
