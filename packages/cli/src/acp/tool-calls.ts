import { isAbsolute, resolve } from "node:path";
import type { PlanEntry, ToolCallContent, ToolCallLocation, ToolKind } from "@agentclientprotocol/sdk";
import type { ToolKind as PincerToolKind, ToolResultMessage } from "@pincer/kernel";

/**
 * How a Pincer tool call looks in an editor: ACP's kind (the icon), a one-line title, the files it
 * touches (so the editor can follow along) and, for edits, a diff the user can review before
 * approving. Pure functions of the call, so the live turn and a replayed session agree.
 */

/** ACP kinds for the core tools; plugin tools fall back to the kind they declared. */
const KIND_BY_NAME: Record<string, ToolKind> = {
  read: "read",
  ls: "read",
  write: "edit",
  edit: "edit",
  bash: "execute",
  grep: "search",
  glob: "search",
  todo: "think",
  fetch: "fetch",
  web_fetch: "fetch",
  webfetch: "fetch",
  web_search: "fetch",
};

export function toolKind(name: string, declared?: PincerToolKind): ToolKind {
  return KIND_BY_NAME[name] ?? declared ?? "other";
}

const TITLE_LENGTH = 100;

export function toolTitle(name: string, args: Record<string, unknown>): string {
  const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined);
  const path = text("path") ?? text("file_path");
  let title: string;
  switch (name) {
    case "read":
      title = `Read ${path ?? "a file"}`;
      break;
    case "write":
      title = `Write ${path ?? "a file"}`;
      break;
    case "edit":
      title = `Edit ${path ?? "a file"}`;
      break;
    case "ls":
      title = `List ${path ?? "."}`;
      break;
    case "bash":
      title = text("command") ? `Run ${oneLine(text("command")!)}` : "Run a command";
      break;
    case "grep":
      title = `Search for ${text("pattern") ?? "a pattern"}${path ? ` in ${path}` : ""}`;
      break;
    case "glob":
      title = `Find ${text("pattern") ?? "files"}${path ? ` in ${path}` : ""}`;
      break;
    case "todo":
      title = "Update the plan";
      break;
    default: {
      // A plugin tool: its name plus the first short string argument says enough in a list.
      const first = Object.values(args).find((value): value is string => typeof value === "string");
      title = first ? `${name}: ${oneLine(first)}` : name;
    }
  }
  return title.length > TITLE_LENGTH ? `${title.slice(0, TITLE_LENGTH - 1)}…` : title;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Files a call names, absolute (ACP paths are absolute) so the editor can open them. */
export function toolLocations(args: Record<string, unknown>, cwd: string): ToolCallLocation[] {
  const path = typeof args.path === "string" ? args.path : typeof args.file_path === "string" ? args.file_path : "";
  if (!path) return [];
  return [{ path: isAbsolute(path) ? path : resolve(cwd, path) }];
}

/**
 * What the editor shows inside the call before it runs: the change an edit or write will make,
 * so approving it means approving a diff the user saw. Other tools show nothing until they run.
 */
export function proposedContent(name: string, args: Record<string, unknown>, cwd: string): ToolCallContent[] {
  const location = toolLocations(args, cwd)[0];
  if (!location) return [];
  if (name === "edit" && typeof args.old_string === "string" && typeof args.new_string === "string") {
    return [{ type: "diff", path: location.path, oldText: args.old_string, newText: args.new_string }];
  }
  if (name === "write" && typeof args.content === "string") {
    return [{ type: "diff", path: location.path, oldText: null, newText: args.content }];
  }
  return [];
}

/** The result as the editor shows it: the proposed diff stays, the model-facing text follows. */
export function resultContent(
  name: string,
  args: Record<string, unknown>,
  cwd: string,
  result: Pick<ToolResultMessage, "content" | "isError">,
): ToolCallContent[] {
  const text = result.content
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n");
  const diff = result.isError ? [] : proposedContent(name, args, cwd);
  return [...diff, ...(text ? [textContent(text)] : [])];
}

export function textContent(text: string): ToolCallContent {
  return { type: "content", content: { type: "text", text } };
}

/** The todo tool's list is ACP's plan: editors render it as a checklist beside the thread. */
export function planEntries(name: string, args: Record<string, unknown>): PlanEntry[] | undefined {
  if (name !== "todo" || !Array.isArray(args.todos)) return undefined;
  const statuses = new Set(["pending", "in_progress", "completed"]);
  return args.todos
    .filter(
      (todo): todo is { content: string; status: PlanEntry["status"] } =>
        typeof todo?.content === "string" && statuses.has(todo?.status),
    )
    .map((todo) => ({ content: todo.content, status: todo.status, priority: "medium" }));
}
