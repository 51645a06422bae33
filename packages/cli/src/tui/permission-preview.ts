import { displayExact } from "@pincer/host";

/**
 * What a permission question shows about the call, so the person answers about what will really
 * happen: the exact command, the content a write puts in a file, the lines an edit replaces.
 * Nothing is read from disk (a path may name a FIFO or a huge file); everything comes from the
 * call's own arguments. Hidden characters are made visible rather than removed (`displayExact`:
 * `⟨U+202E⟩`): an escape sequence, a carriage return or a right-to-left override must not
 * disguise what runs.
 */

export interface PermissionPreview {
  /** A short heading: `Command`, `New content (12 lines)`, `Replaces`. */
  label: string;
  /** The lines to show; in a diff, each starts with `-` or `+`. */
  lines: string[];
  diff: boolean;
  /** Lines left out at the end. */
  hidden: number;
}

/** Most lines a preview shows; the rest is counted. */
export const PREVIEW_LINES = 12;
/** Most characters of one line; the rest is counted. */
const LINE_CHARS = 240;

/** The question's first line, as `Allow <this>?`: what the tool wants to do to what. */
export function permissionTitle(toolName: string, args: Record<string, unknown>): string {
  if (typeof args.command === "string") return `${toolName} to run this command`;
  // An MCP server's sampling request (runtime's mcp-client-host.ts): who wants the model, how much.
  if (toolName === "mcp_sampling" && typeof args.server === "string") {
    return `the MCP server "${args.server}" to use your model (up to ${String(args.maxTokens)} tokens)`;
  }
  const path = typeof args.path === "string" ? args.path : undefined;
  if (toolName === "write" && path) return `write to ${path}`;
  if (toolName === "edit" && path) return `edit of ${path}`;
  const subject = args.path ?? args.url ?? args.file_path;
  return typeof subject === "string" ? `${toolName}: ${subject}` : toolName;
}

export function permissionPreview(
  args: Record<string, unknown>,
  maxLines = PREVIEW_LINES,
): PermissionPreview | undefined {
  if (typeof args.command === "string") {
    // The command is what the person approves: show more of it than of a file's content.
    return cut("Command", linesOf(args.command), false, maxLines * 2);
  }
  if (typeof args.server === "string" && typeof args.lastMessage === "string") {
    return cut("It asks", linesOf(args.lastMessage), false, maxLines);
  }
  if (typeof args.old_string === "string" && typeof args.new_string === "string") {
    const removed = linesOf(args.old_string).map((line) => `-${line}`);
    const added = linesOf(args.new_string).map((line) => `+${line}`);
    const label = args.replace_all === true ? "Replaces every occurrence of" : "Replaces";
    return cut(label, [...removed, ...added], true, maxLines);
  }
  if (typeof args.content === "string") {
    const lines = linesOf(args.content);
    return cut(`New content (${lines.length} line${lines.length === 1 ? "" : "s"})`, lines, false, maxLines);
  }
  const entries = Object.entries(args).filter(([key]) => key !== "path" && key !== "url");
  if (entries.length === 0) return undefined;
  const lines = entries.flatMap(([key, value]) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const [first = "", ...rest] = linesOf(text ?? "");
    return [`${key}: ${first}`, ...rest.map((line) => `  ${line}`)];
  });
  return cut("Arguments", lines, false, maxLines);
}

function cut(label: string, lines: string[], diff: boolean, maxLines: number): PermissionPreview {
  const shown = lines
    .slice(0, maxLines)
    .map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line));
  return { label, lines: shown, diff, hidden: Math.max(0, lines.length - maxLines) };
}

function linesOf(text: string): string[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines.map(visible);
}

/** One line as it will really be: tabs as two spaces, every other control or format character as `⟨U+XXXX⟩`. */
function visible(line: string): string {
  return displayExact(line.replace(/\t/g, "  "), LINE_CHARS);
}
