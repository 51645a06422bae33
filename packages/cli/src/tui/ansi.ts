import chalk, { type ForegroundColorName, foregroundColorNames } from "chalk";
import type { Span, StyledLine } from "./styled.js";

const NAMED = new Set<string>(foregroundColorNames);

/**
 * One span in the escape codes Ink's `<Text>` gives it: the same chalk, the same order of styles
 * (dim, colour, bold, italic, underline, strikethrough, inverse), so a line built here and a line
 * of nested `<Text>` elements reach Ink's output as the same string.
 */
export function spanToAnsi(span: Span): string {
  // Ink styles each line of a text node on its own; a span rarely holds a newline, but if it does, so do we.
  if (span.text.includes("\n"))
    return span.text
      .split("\n")
      .map((text) => styled(text, span))
      .join("\n");
  return styled(span.text, span);
}

function styled(text: string, span: Span): string {
  if (text === "") return text;
  if (span.dim) text = chalk.dim(text);
  if (span.color) text = colorize(text, span.color);
  if (span.bold) text = chalk.bold(text);
  if (span.italic) text = chalk.italic(text);
  if (span.underline) text = chalk.underline(text);
  if (span.strikethrough) text = chalk.strikethrough(text);
  if (span.inverse) text = chalk.inverse(text);
  return text;
}

/** A theme colour is a name chalk knows or `#rrggbb` (sdk's isThemeColor); anything else stays unstyled, as in Ink. */
function colorize(text: string, color: string): string {
  if (NAMED.has(color)) return chalk[color as ForegroundColorName](text);
  if (color.startsWith("#")) return chalk.hex(color)(text);
  return text;
}

export function lineToAnsi(line: StyledLine, prefix = ""): string {
  let text = prefix;
  for (const span of line) text += spanToAnsi(span);
  return text;
}

/**
 * Styled lines as one string for a single `<Text>`: one Ink node (one layout node, one write into
 * Ink's output) instead of a `<Text>` per line and per span. A line that comes out empty is left
 * out, as an empty `<Text>` of its own took no row.
 */
export function linesToAnsi(lines: readonly StyledLine[], prefix = ""): string {
  let text = "";
  let first = true;
  for (const line of lines) {
    const rendered = lineToAnsi(line, prefix);
    if (rendered === "") continue;
    text += first ? rendered : `\n${rendered}`;
    first = false;
  }
  return text;
}
