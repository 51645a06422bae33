import chalk from "chalk";
import { Box, renderToString, Text } from "ink";
import { createElement, type ReactNode } from "react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linesToAnsi } from "./ansi.js";
import { Lines } from "./item-view.js";
import { renderMarkdown } from "./markdown.js";
import { createPalette, TERMINAL_THEME } from "./palette.js";
import type { StyledLine } from "./styled.js";
import { diffLines } from "./tool-view.js";

/** How the lines were drawn before ansi.ts: a `<Text>` per line, a nested `<Text>` per span. */
function perSpanTexts({ lines, prefix }: { lines: StyledLine[]; prefix?: string }): ReactNode {
  return createElement(
    Box,
    { flexDirection: "column" },
    lines.map((line, index) =>
      createElement(
        Text,
        { key: index },
        prefix,
        line.map((span, at) =>
          createElement(
            Text,
            {
              key: at,
              ...(span.color ? { color: span.color } : {}),
              bold: !!span.bold,
              italic: !!span.italic,
              dimColor: !!span.dim,
              underline: !!span.underline,
              strikethrough: !!span.strikethrough,
              inverse: !!span.inverse,
            },
            span.text,
          ),
        ),
      ),
    ),
  );
}

const palette = createPalette(
  {
    ...TERMINAL_THEME,
    colors: { ...TERMINAL_THEME.colors, heading: "#ffaa00", code: "#00ffaa", border: "gray" },
  },
  { color: true },
);

const markdown = [
  "# A heading",
  "Some **bold**, *italic*, `code`, ~~gone~~ and a [link](https://example.com).",
  "",
  "- a bullet",
  "- [x] a done task",
  "1. numbered",
  "> quoted *text*",
  "---",
  "| a | b |",
  "|---|---|",
  "| 1 | two |",
  "",
  "```ts",
  "const x = 1; // a comment",
  "",
  'function f() { return "s"; }',
  "```",
  `A long line that wraps: ${"word ".repeat(40)}end`,
  "Wide characters: 日本語のテキスト and an emoji 🎉 in a line",
  "",
  "",
  "trailing paragraph",
].join("\n");

describe("styled lines as one Ink text", () => {
  let level: typeof chalk.level;
  beforeAll(() => {
    level = chalk.level;
    chalk.level = 3;
  });
  afterAll(() => {
    chalk.level = level;
  });

  const cases: Array<[string, StyledLine[], string | undefined]> = [
    ["markdown of every kind", renderMarkdown(markdown, palette, 60), undefined],
    [
      "a diff under a prefix",
      diffLines("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old line\n+new line\n context\n", palette),
      "  ⎿ ",
    ],
    [
      "empty and styled-empty lines",
      [[{ text: "" }], [{ text: "a" }], [{ text: "", bold: true }], [{ text: "b" }]],
      undefined,
    ],
    ["a span holding a newline", [[{ text: "one\ntwo", color: "red", bold: true }]], undefined],
    ["nothing", [], undefined],
  ];
  for (const [name, lines, prefix] of cases) {
    for (const columns of [100, 30]) {
      it(`draws what a <Text> per line and span drew: ${name}, ${columns} columns`, () => {
        const props = prefix === undefined ? { lines } : { lines, prefix };
        const before = renderToString(perSpanTexts(props), { columns });
        const after = renderToString(createElement(Lines, props), { columns });
        expect(after).toBe(before);
      });
    }
  }

  it("keeps the styles: colour, weight and emphasis reach the terminal", () => {
    const text = linesToAnsi([[{ text: "red", color: "red", bold: true }, { text: "plain" }]]);
    expect(text).toBe(`${chalk.bold(chalk.red("red"))}plain`);
    expect(
      renderToString(createElement(Lines, { lines: [[{ text: "hex", color: "#ffaa00", underline: true }]] })),
    ).toBe(chalk.underline(chalk.hex("#ffaa00")("hex")));
  });

  it("drops a colour it does not know, as Ink does, instead of passing it to the terminal", () => {
    expect(linesToAnsi([[{ text: "x", color: "\u001b[31m" }]])).toBe("x");
  });
});
