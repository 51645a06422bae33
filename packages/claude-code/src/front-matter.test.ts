import { describe, expect, it } from "vitest";
import {
  booleanField,
  FrontMatterError,
  firstParagraph,
  listField,
  parseFrontMatter,
  stringField,
  toolListField,
} from "./front-matter.js";

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
      literal: "line 1\nline 2\n",
      folded: "joined words\n",
    });
    expect(body).toBe("# Body\ntext");
    expect(listField(data, "tools")).toEqual(["Read", "Grep"]);
    expect(listField(data, "block")).toEqual(["one", "two"]);
    expect(stringField(data, "missing")).toBeUndefined();
  });

  it("reads the multi-line YAML real skills and agents use: nested maps, block descriptions, hooks", () => {
    // Shaped like anthropics/skills' SKILL.md files and a skill with frontmatter hooks.
    const { data } = parseFrontMatter(
      [
        "---",
        "name: secure-operations",
        "description: >-",
        "  Perform operations with security checks.",
        "  Use when the user deploys.",
        "license: Complete terms in LICENSE.txt",
        "metadata:",
        "  version: 1.2",
        "  tags: [ops, security]",
        "allowed-tools:",
        "  - Bash(git add *)",
        "  - Read",
        "disable-model-invocation: yes",
        "hooks:",
        "  PreToolUse:",
        '    - matcher: "Bash"',
        "      hooks:",
        "        - type: command",
        '          command: "./scripts/security-check.sh"',
        "---",
        "Body",
      ].join("\n"),
    );
    expect(data.description).toBe("Perform operations with security checks. Use when the user deploys.");
    expect(data.metadata).toEqual({ version: 1.2, tags: ["ops", "security"] });
    expect(toolListField(data, "allowed-tools")).toEqual(["Bash(git add *)", "Read"]);
    expect(booleanField(data, "disable-model-invocation")).toBe(true);
    expect((data.hooks as { PreToolUse: unknown[] }).PreToolUse).toHaveLength(1);
  });

  it("reads a description with ': ' in it as Claude Code does, though YAML rejects it", () => {
    const { data } = parseFrontMatter("---\nname: x\ndescription: Use when: the user asks # note\n---\n");
    expect(data).toEqual({ name: "x", description: "Use when: the user asks" });
  });

  it("splits tool lists on commas and spaces, keeping a rule's spaces", () => {
    const data = { a: "Bash(git add *), Bash(git status:*) Read", b: ["Write", "Edit"], c: "" };
    expect(toolListField(data, "a")).toEqual(["Bash(git add *)", "Bash(git status:*)", "Read"]);
    expect(toolListField(data, "b")).toEqual(["Write", "Edit"]);
    expect(toolListField(data, "c")).toEqual([]);
    expect(toolListField(data, "missing")).toBeUndefined();
  });

  it("reads Claude Code's booleans in every spelling", () => {
    for (const yes of [true, "yes", "On", "1", "TRUE", 1]) expect(booleanField({ v: yes }, "v")).toBe(true);
    for (const no of [false, "no", "OFF", "0", "False", 0]) expect(booleanField({ v: no }, "v")).toBe(false);
    expect(booleanField({ v: "maybe" }, "v")).toBeUndefined();
  });

  it("treats a file without a fence as all body", () => {
    expect(parseFrontMatter("# Just text\n")).toEqual({ data: {}, body: "# Just text\n" });
  });

  it("names the line of a malformed entry, and an unclosed fence", () => {
    expect(() => parseFrontMatter("---\nname: x\n  bad: [indent\n---\n")).toThrow(/line \d/);
    expect(() => parseFrontMatter("---\nname: x\n")).toThrow(FrontMatterError);
    expect(() => parseFrontMatter("---\n- a list\n---\n")).toThrow(/YAML map/);
    expect(() => parseFrontMatter("---\nname: a\nname: b\n---\n")).toThrow(FrontMatterError);
  });

  it("refuses alias bombs instead of expanding them", () => {
    const bomb = [
      "---",
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
      "---",
    ].join("\n");
    expect(() => parseFrontMatter(bomb)).toThrow(FrontMatterError);
  });

  it("takes a missing description from the body's first paragraph", () => {
    expect(firstParagraph("First line\nsecond line\n\nNext")).toBe("First line second line");
    expect(firstParagraph("\n# Review the code\nReview $1")).toBe("Review the code");
    expect(firstParagraph("\n\n")).toBeUndefined();
  });
});
