import { describe, expect, it } from "vitest";
import { FrontMatterError, listField, parseFrontMatter, stringField } from "./front-matter.js";

describe("parseFrontMatter", () => {
  it("reads scalars, quotes, lists and block scalars, and returns the body", () => {
    const { data, body } = parseFrontMatter(
      [
        "---",
        "name: pdf-tools # a comment",
        'description: "Fill PDF forms: text, checkboxes"',
        "quoted: 'it''s'",
        "tools: Read, Grep",
        'inline: [a, "b, c"]',
        "block:",
        "  - one",
        "  - two",
        "literal: |",
        "  line 1",
        "  line 2",
        "folded: >",
        "  joined",
        "  words",
        "---",
        "# Body",
        "text",
      ].join("\r\n"),
    );
    expect(data).toEqual({
      name: "pdf-tools",
      description: "Fill PDF forms: text, checkboxes",
      quoted: "it's",
      tools: "Read, Grep",
      inline: ["a", "b, c"],
      block: ["one", "two"],
      literal: "line 1\nline 2",
      folded: "joined words",
    });
    expect(body).toBe("# Body\ntext");
    expect(listField(data, "tools")).toEqual(["Read", "Grep"]);
    expect(listField(data, "block")).toEqual(["one", "two"]);
    expect(stringField(data, "missing")).toBeUndefined();
  });

  it("treats a file without a fence as all body", () => {
    expect(parseFrontMatter("# Just text\n")).toEqual({ data: {}, body: "# Just text\n" });
  });

  it("names the line of a malformed entry, and an unclosed fence", () => {
    expect(() => parseFrontMatter("---\nname: x\nthis is not yaml\n---\n")).toThrow(/line 3/);
    expect(() => parseFrontMatter("---\nname: x\n")).toThrow(FrontMatterError);
    expect(() => parseFrontMatter('---\nname: "open\n---\n')).toThrow(/unterminated/);
  });
});
