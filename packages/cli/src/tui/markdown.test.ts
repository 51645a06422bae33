import { describe, expect, it } from "vitest";
import { highlightCode } from "./highlight.js";
import { inline, renderMarkdown } from "./markdown.js";
import { colorEnabled, createPalette, TERMINAL_THEME } from "./palette.js";
import { lineText } from "./styled.js";

const palette = createPalette(
  {
    id: "t",
    colors: { accent: "#0000ff", success: "green", warning: "yellow", error: "red", muted: "gray", code: "#ff0000" },
    syntax: { keyword: "#aa00aa", string: "#00aa00", comment: "#777777", number: "#cc8800", function: "#0088ff" },
  },
  { color: true },
);

describe("markdown", () => {
  it("renders headings, lists, quotes and emphasis as styled spans", () => {
    const lines = renderMarkdown("# Title\n- item **bold**\n> quoted\n1. first `code`", palette);
    expect(lines.map(lineText)).toEqual(["Title", "• item bold", "│ quoted", "1. first code"]);
    expect(lines[0]![0]).toMatchObject({ bold: true, underline: true });
    expect(lines[1]!.find((span) => span.text === "bold")).toMatchObject({ bold: true });
    expect(lines[3]!.find((span) => span.text === "code")).toMatchObject({ color: "#ff0000" });
  });

  it("shows a link's text and, dimmed, where it goes", () => {
    const spans = inline("see [the docs](https://example.com)", palette);
    expect(spans.map((span) => span.text)).toEqual(["see ", "the docs", " (https://example.com)"]);
  });

  it("highlights fenced code by token kind", () => {
    const lines = renderMarkdown('```ts\nconst n = 42; // answer\nfoo("x")\n```', palette);
    expect(lineText(lines[0]!)).toBe("╭─ ts");
    const code = highlightCode('const n = 42; // answer\nfoo("x")', "ts", palette.syntax);
    expect(code[0]!.find((span) => span.text === "const")?.color).toBe("#aa00aa");
    expect(code[0]!.find((span) => span.text === "42")?.color).toBe("#cc8800");
    expect(code[0]!.find((span) => span.text.includes("// answer"))).toMatchObject({ color: "#777777", italic: true });
    expect(code[1]!.find((span) => span.text === "foo")?.color).toBe("#0088ff");
    expect(code[1]!.find((span) => span.text === '"x"')?.color).toBe("#00aa00");
  });
});

describe("palette", () => {
  it("drops every colour under NO_COLOR but keeps the symbols", () => {
    const plain = createPalette(TERMINAL_THEME, { color: false });
    expect(Object.values(plain.color).every((value) => value === undefined)).toBe(true);
    expect(plain.symbol.prompt).toBe("›");
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
  });

  it("refuses colours and symbols that are not plain data", () => {
    const hostile = createPalette(
      {
        id: "bad",
        colors: { accent: "\x1b[2J", success: "green", warning: "yellow", error: "red", muted: "#12345" },
        symbols: { prompt: "\x1b]0;x\x07", bullet: "◆" },
      },
      { color: true },
    );
    expect(hostile.color.accent).toBeUndefined();
    expect(hostile.color.muted).toBeUndefined();
    expect(hostile.symbol.prompt).toBe("›");
    expect(hostile.symbol.bullet).toBe("◆");
  });
});
