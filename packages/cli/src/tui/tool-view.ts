import type { ToolResultMessage } from "@pincer/kernel";
import type { Palette } from "./palette.js";
import { type StyledLine, sanitize } from "./styled.js";

/** How many lines of a finished tool's output stay on screen before "ctrl+o to expand". */
export const COLLAPSED_LINES = 8;
/** How many lines of a running command's output tail live. */
export const LIVE_TAIL_LINES = 5;

/** `bash(npm test)`, `edit(src/app.ts)`: the call as one short line. */
export function toolTitle(name: string, args: Record<string, unknown>, width = 80): string {
  if (name === "todo" && Array.isArray(args.todos)) return `todo(${args.todos.length} steps)`;
  const main =
    args.command ?? args.path ?? args.file_path ?? args.pattern ?? args.url ?? args.query ?? firstString(args) ?? "";
  const subject = sanitize(String(main)).split("\n")[0] ?? "";
  const room = Math.max(8, width - name.length - 4);
  return `${name}(${subject.length > room ? `${subject.slice(0, room - 1)}…` : subject})`;
}

function firstString(args: Record<string, unknown>): string | undefined {
  return Object.values(args).find((value): value is string => typeof value === "string");
}

export function resultText(result: ToolResultMessage): string {
  return sanitize(
    result.content
      .map((block) => (block.type === "text" ? block.text : `[image ${block.mimeType}]`))
      .join("\n")
      .replace(/\n+$/, ""),
  );
}

/** A unified diff, when the tool reported one (the edit tool does, in `details.diff`). */
export function resultDiff(result: ToolResultMessage): string | undefined {
  const details = result.details as { diff?: unknown } | undefined;
  return typeof details?.diff === "string" ? sanitize(details.diff) : undefined;
}

/** Diff lines in the theme's added/removed colours; file headers dimmed. */
export function diffLines(diff: string, palette: Palette): StyledLine[] {
  return diff.split("\n").map((line) => {
    if (line.startsWith("+++") || line.startsWith("---"))
      return [{ text: line, color: palette.color.muted, bold: true }];
    if (line.startsWith("@@")) return [{ text: line, color: palette.color.accent }];
    if (line.startsWith("+")) return [{ text: line, color: palette.color.diffAdded }];
    if (line.startsWith("-")) return [{ text: line, color: palette.color.diffRemoved }];
    return [{ text: line, color: palette.color.text }];
  });
}

/** A short line for tools whose whole output would only be noise on screen. */
export function resultSummary(name: string, text: string, isError: boolean): string | undefined {
  if (isError) return undefined;
  const lines = text ? text.split("\n").length : 0;
  if (name === "read") return `Read ${lines} line${lines === 1 ? "" : "s"}`;
  if (name === "write") return text.split("\n")[0];
  return undefined;
}

/** The first `limit` lines, and how many were left out. */
export function collapse(lines: StyledLine[], limit: number): { shown: StyledLine[]; hidden: number } {
  if (lines.length <= limit) return { shown: lines, hidden: 0 };
  return { shown: lines.slice(0, limit), hidden: lines.length - limit };
}

/** The last `limit` lines of a growing output (for a command still running). */
export function tail(text: string, limit: number): string[] {
  const lines = sanitize(text).replace(/\n+$/, "").split("\n");
  return lines.slice(-limit);
}
