import { highlightCode } from "./highlight.js";
import { isTableStart, renderTable, tableLines } from "./markdown-table.js";
import type { Palette } from "./palette.js";
import type { Span, StyledLine } from "./styled.js";

/**
 * Markdown as a terminal shows it: headings, emphasis, inline code, links, lists, quotes, rules,
 * tables fitted to `width` and fenced code with highlighting. Block structure is read line by
 * line, so a half-streamed message renders sensibly too.
 */
export function renderMarkdown(text: string, palette: Palette, width = 80): StyledLine[] {
  const out: StyledLine[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const fence = /^(\s*)(```+|~~~+)\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      const [, indent = "", marker = "```", language = ""] = fence;
      const body: string[] = [];
      index++;
      while (index < lines.length && !lines[index]!.trimStart().startsWith(marker)) body.push(lines[index++]!);
      out.push(...codeBlock(body.join("\n"), language, indent, palette));
      continue;
    }
    if (isTableStart(lines, index)) {
      const rows = tableLines(lines, index);
      out.push(...renderTable(rows, width, palette, (cell) => inline(cell, palette)));
      index += rows.length - 1;
      continue;
    }
    out.push(...block(line, palette));
  }
  return out;
}

function codeBlock(code: string, language: string, indent: string, palette: Palette): StyledLine[] {
  const bar: Span = { text: `${indent}│ `, color: palette.color.border };
  const label: StyledLine = [{ text: `${indent}╭─ ${language || "code"}`, color: palette.color.border }];
  return [label, ...highlightCode(code, language, palette.syntax).map((line) => [bar, ...line])];
}

function block(line: string, palette: Palette): StyledLine[] {
  const heading = /^(#{1,6})\s+(.*)$/.exec(line);
  if (heading) {
    const level = heading[1]!.length;
    return [inline(heading[2]!, palette, { bold: true, color: palette.color.heading, underline: level === 1 })];
  }
  if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return [[{ text: "─".repeat(40), color: palette.color.border }]];
  const quote = /^\s*>\s?(.*)$/.exec(line);
  if (quote) return [[{ text: "│ ", color: palette.color.border }, ...inline(quote[1]!, palette, { italic: true })]];
  const bullet = /^(\s*)[-*+]\s+(\[[ xX]\]\s+)?(.*)$/.exec(line);
  if (bullet) {
    const [, indent = "", task, rest = ""] = bullet;
    const mark = task ? (/x/i.test(task) ? "☑ " : "☐ ") : "• ";
    return [[{ text: `${indent}${mark}`, color: palette.color.accent }, ...inline(rest, palette)]];
  }
  const numbered = /^(\s*)(\d+[.)])\s+(.*)$/.exec(line);
  if (numbered) {
    return [[{ text: `${numbered[1]}${numbered[2]} `, color: palette.color.accent }, ...inline(numbered[3]!, palette)]];
  }
  return [inline(line, palette)];
}

const INLINE = /(\*\*|__)(.+?)\1|(\*|_)(?!\s)(.+?)\3(?![\w*])|`([^`]+)`|~~(.+?)~~|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Emphasis, code spans, strikethrough and links inside one line of text. */
export function inline(text: string, palette: Palette, base: Omit<Span, "text"> = {}): StyledLine {
  const spans: Span[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) spans.push({ ...base, text: text.slice(last, match.index) });
    const [, , strong, , emphasis, code, strike, linkText, url] = match;
    if (strong !== undefined) spans.push({ ...base, text: strong, bold: true });
    else if (emphasis !== undefined) spans.push({ ...base, text: emphasis, italic: true });
    else if (code !== undefined) spans.push({ ...base, text: code, color: palette.color.code });
    else if (strike !== undefined) spans.push({ ...base, text: strike, strikethrough: true });
    else if (linkText !== undefined) {
      spans.push({ ...base, text: linkText, color: palette.color.link, underline: true });
      if (url !== linkText) spans.push({ text: ` (${url})`, color: palette.color.muted });
    }
    last = match.index + match[0].length;
  }
  if (last < text.length || spans.length === 0) spans.push({ ...base, text: text.slice(last) });
  return spans;
}

/** How far `stableBoundary` has read a growing text, so the next call reads only what was added. */
export interface BoundaryScan {
  /** Where the first line not yet read starts. */
  lineStart: number;
  inFence: boolean;
  boundary: number;
}

export function freshScan(): BoundaryScan {
  return { lineStart: 0, inFence: false, boundary: 0 };
}

/**
 * Where a streaming text can be cut so the part before it never changes again: after the last
 * blank line that is outside a code fence. Returns 0 when nothing is complete yet. With `scan`,
 * it goes on from where the last call on the same text (grown only at its end) stopped: a
 * streamed answer is read once, not once per token.
 */
export function stableBoundary(text: string, scan: BoundaryScan = freshScan()): number {
  let { inFence, boundary, lineStart } = scan;
  while (lineStart < text.length) {
    const end = text.indexOf("\n", lineStart);
    if (end === -1) break;
    const line = text.slice(lineStart, end);
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      // A closed fence is a finished block of its own.
      if (!inFence) boundary = end + 1;
    } else if (!inFence && line.trim() === "" && lineStart > 0) boundary = end + 1;
    lineStart = end + 1;
  }
  scan.lineStart = lineStart;
  scan.inFence = inFence;
  scan.boundary = boundary;
  return boundary;
}
