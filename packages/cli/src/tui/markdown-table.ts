import stringWidth from "string-width";
import type { Palette } from "./palette.js";
import type { Span, StyledLine } from "./styled.js";

/** A table's separator row: `|---|:---:|---:|` (outer pipes optional, at least one dash per column). */
const SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** Whether `lines[at]` starts a GFM table: a row with a pipe, then a separator with as many columns. */
export function isTableStart(lines: readonly string[], at: number): boolean {
  const header = lines[at];
  const separator = lines[at + 1];
  if (header === undefined || separator === undefined || !header.includes("|") || !SEPARATOR.test(separator))
    return false;
  return splitRow(header).length === splitRow(separator).length;
}

/** The rows of the table starting at `at`: header, separator, then every following line with a pipe. */
export function tableLines(lines: readonly string[], at: number): string[] {
  let end = at + 2;
  while (end < lines.length && lines[end]!.includes("|") && lines[end]!.trim() !== "") end++;
  return lines.slice(at, end);
}

/** Cells of one row: outer pipes dropped, `\|` kept as a pipe inside a cell. */
export function splitRow(row: string): string[] {
  let text = row.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === "\\" && text[index + 1] === "|") {
      cell += "|";
      index++;
    } else if (char === "|") {
      cells.push(cell.trim());
      cell = "";
    } else cell += char;
  }
  cells.push(cell.trim());
  return cells;
}

type Align = "left" | "center" | "right";

/**
 * A Markdown table drawn with box characters, each cell's inline Markdown styled, fitted to
 * `width` columns: when the natural widths do not fit, the widest columns give way and their
 * cells wrap at spaces (a word longer than its column is cut). Too narrow for even that, the
 * rows are shown as they were written.
 */
export function renderTable(
  rows: readonly string[],
  width: number,
  palette: Palette,
  inline: (text: string) => StyledLine,
): StyledLine[] {
  const [header = "", separator = "", ...body] = rows;
  const aligns: Align[] = splitRow(separator).map((cell) =>
    cell.startsWith(":") && cell.endsWith(":") ? "center" : cell.endsWith(":") ? "right" : "left",
  );
  const columns = aligns.length;
  const grid = [header, ...body].map((row) => {
    const cells = splitRow(row).slice(0, columns);
    while (cells.length < columns) cells.push("");
    return cells.map((cell) => inline(cell));
  });
  const natural = aligns.map((_, column) => Math.max(1, ...grid.map((row) => spansWidth(row[column]!))));
  // Each column costs its text plus "│ " and " ", and the row one closing "│".
  const room = width - (3 * columns + 1);
  if (room < columns * 3) return rows.map((row) => [{ text: row }]);
  const widths = fit(natural, room);
  const border = palette.color.border;
  const rule = (left: string, middle: string, right: string): StyledLine => [
    { text: `${left}${widths.map((w) => "─".repeat(w + 2)).join(middle)}${right}`, color: border },
  ];
  const out: StyledLine[] = [rule("┌", "┬", "┐")];
  grid.forEach((row, index) => {
    const wrapped = row.map((cell, column) => wrapSpans(cell, widths[column]!));
    const height = Math.max(...wrapped.map((lines) => lines.length));
    for (let line = 0; line < height; line++) {
      const spans: Span[] = [{ text: "│", color: border }];
      wrapped.forEach((lines, column) => {
        const content = lines[line] ?? [];
        const gap = widths[column]! - spansWidth(content);
        const before = aligns[column] === "right" ? gap : aligns[column] === "center" ? Math.floor(gap / 2) : 0;
        const style = index === 0 ? { bold: true, color: palette.color.heading } : {};
        spans.push({ text: ` ${" ".repeat(before)}` });
        spans.push(...content.map((span) => ({ ...style, ...span })));
        spans.push({ text: `${" ".repeat(gap - before)} ` }, { text: "│", color: border });
      });
      out.push(spans);
    }
    if (index === 0) out.push(rule("├", "┼", "┤"));
  });
  out.push(rule("└", "┴", "┘"));
  return out;
}

/** Column widths within `room`: the widest column shrinks first, one character at a time. */
function fit(natural: number[], room: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((sum, value) => sum + value, 0);
  while (total > room) {
    const widest = widths.indexOf(Math.max(...widths));
    widths[widest]!--;
    total--;
  }
  return widths;
}

function spansWidth(spans: readonly Span[]): number {
  return spans.reduce((sum, span) => sum + stringWidth(span.text), 0);
}

/** Styled text broken into lines of at most `width` columns, at spaces where it can. */
export function wrapSpans(spans: readonly Span[], width: number): StyledLine[] {
  // Words with their style, and whether a space came before them.
  const words: Array<{ span: Span; spaced: boolean }> = [];
  let spaced = false;
  for (const span of spans) {
    for (const part of span.text.split(/( +)/)) {
      if (part === "") continue;
      if (part.trim() === "") {
        spaced = true;
        continue;
      }
      words.push({ span: { ...span, text: part }, spaced });
      spaced = false;
    }
  }
  const lines: StyledLine[] = [];
  let line: Span[] = [];
  let used = 0;
  const push = (span: Span, gap: boolean) => {
    if (gap && used > 0) {
      line.push({ text: " " });
      used++;
    }
    line.push(span);
    used += stringWidth(span.text);
  };
  for (const { span, spaced: gap } of words) {
    let rest = span.text;
    const needed = stringWidth(rest) + (gap && used > 0 ? 1 : 0);
    if (used > 0 && used + needed > width) {
      lines.push(line);
      line = [];
      used = 0;
    }
    // A word wider than the column is cut into pieces that fit.
    while (stringWidth(rest) > width - used) {
      const piece = cut(rest, width - used);
      if (piece === "") break;
      push({ ...span, text: piece }, false);
      lines.push(line);
      line = [];
      used = 0;
      rest = rest.slice(piece.length);
    }
    if (rest) push({ ...span, text: rest }, gap);
  }
  if (line.length > 0 || lines.length === 0) lines.push(line);
  return lines;
}

/** The longest start of `text` no wider than `width` columns (whole characters only). */
function cut(text: string, width: number): string {
  let out = "";
  for (const char of text) {
    if (stringWidth(out + char) > width) break;
    out += char;
  }
  return out;
}
