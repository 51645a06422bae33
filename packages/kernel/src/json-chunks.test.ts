import { describe, expect, it } from "vitest";
import { jsonChunks } from "./json-chunks.js";

const MiB = 1 << 20;

describe("jsonChunks", () => {
  it("joins to exactly JSON.stringify's output, with long strings in slices of a mebibyte", () => {
    // A surrogate pair straddles the first slice boundary; quotes, backslashes and control characters escape.
    const long = `${"a".repeat(MiB - 1)}🦀${'"\\\n\u0001'.repeat(1000)}${"é".repeat(MiB)}\ud800 lone`;
    const value = { type: "message", message: { content: [{ type: "text", text: long }], short: "x" }, n: 1 };
    const pieces = [...jsonChunks(value)];
    expect(pieces.join("")).toBe(JSON.stringify(value));
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(1.2 * 6 * MiB);
    expect(pieces.length).toBeGreaterThan(3);
  });

  it("leaves an ordinary value in one piece", () => {
    const value = { a: "short", b: [1, 2, { c: null }] };
    expect([...jsonChunks(value)]).toEqual([JSON.stringify(value)]);
  });

  it("a value that happens to look like its placeholder is written as itself", () => {
    const value = { text: "x".repeat(MiB + 1), trap: "@@pincer-long-000000000000-0@@" };
    expect([...jsonChunks(value)].join("")).toBe(JSON.stringify(value));
  });

  it("finds a long string behind toJSON, and inside arrays and deep nesting", () => {
    const long = "y".repeat(MiB + 5);
    let deep: unknown = { text: long };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    for (const value of [{ wrapped: { toJSON: () => ({ text: long }) } }, [[1, [long]]], deep]) {
      const pieces = [...jsonChunks(value)];
      expect(pieces.join("")).toBe(JSON.stringify(value));
      expect(pieces.length).toBeGreaterThan(1);
    }
  });

  it("a cycle is reported as JSON.stringify reports it", () => {
    const value: Record<string, unknown> = { a: "x" };
    value.self = value;
    expect(() => [...jsonChunks(value)]).toThrow(/circular/i);
  });
});
