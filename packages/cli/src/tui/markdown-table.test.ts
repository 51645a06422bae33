import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.js";
import { isTableStart, splitRow, wrapSpans } from "./markdown-table.js";
import { createPalette } from "./palette.js";
import { lineText } from "./styled.js";

const palette = createPalette(
  {
    id: "t",
    colors: { accent: "#0000ff", success: "green", warning: "yellow", error: "red", muted: "gray", code: "#ff0000" },
    syntax: {},
  },
  { color: true },
);

const TABLE = [
  "| Model | Accuracy | Notes |",
  "|:------|--------:|:-----:|",
  "| baseline | 0.71 | `logreg` |",
  "| **ours** | 0.83 | as the paper reports |",
].join("\n");

describe("markdown tables", () => {
  it("draws a table with borders, aligned columns and styled cells", () => {
    const lines = renderMarkdown(`Results:\n\n${TABLE}\n\nDone.`, palette, 80);
    expect(lines.map(lineText)).toEqual([
      "Results:",
      "",
      "┌──────────┬──────────┬──────────────────────┐",
      "│ Model    │ Accuracy │        Notes         │",
      "├──────────┼──────────┼──────────────────────┤",
      "│ baseline │     0.71 │        logreg        │",
      "│ ours     │     0.83 │ as the paper reports │",
      "└──────────┴──────────┴──────────────────────┘",
      "",
      "Done.",
    ]);
    const ours = lines[6]!.find((span) => span.text === "ours");
    expect(ours).toMatchObject({ bold: true });
    expect(lines[5]!.find((span) => span.text === "logreg")).toMatchObject({ color: "#ff0000" });
    expect(lines[3]!.find((span) => span.text === "Model")).toMatchObject({ bold: true });
  });

  it("fits the terminal: the widest column wraps at spaces, no line is wider than the screen", () => {
    const wide =
      "| a | description |\n|---|---|\n| 1 | a long sentence that will not fit in a narrow terminal at all |";
    const lines = renderMarkdown(wide, palette, 30).map(lineText);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(30);
    expect(lines.join("\n")).toContain("a long sentence");
    expect(lines.filter((line) => line.startsWith("│ 1 ") || line.startsWith("│   ")).length).toBeGreaterThan(2);
    // Too narrow for any table: the rows as written.
    expect(renderMarkdown(wide, palette, 8).map(lineText)[0]).toBe("| a | description |");
  });

  it("counts wide characters by their width, and cuts a word longer than its column", () => {
    const lines = renderMarkdown("| 名前 | x |\n|---|---|\n| 東京 | y |", palette, 40).map(lineText);
    expect(lines[1]).toBe("│ 名前 │ x │");
    expect(wrapSpans([{ text: "abcdefghij" }], 4).map(lineText)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapSpans([{ text: "one two three" }], 7).map(lineText)).toEqual(["one two", "three"]);
  });

  it("knows a table only by its separator row, and splits cells with escaped pipes", () => {
    expect(isTableStart(["a | b", "---|---"], 0)).toBe(true);
    expect(isTableStart(["a | b", "not a separator"], 0)).toBe(false);
    expect(isTableStart(["| a | b |", "|---|"], 0)).toBe(false);
    expect(splitRow("| x \\| y | z |")).toEqual(["x | y", "z"]);
    // A rule or a list line is not mistaken for a table.
    expect(renderMarkdown("---\n- a | b", palette).map(lineText)).toEqual(["─".repeat(40), "• a | b"]);
  });
});
