import { isAbsolute, resolve } from "node:path";

/**
 * Claude Code's tool names and argument names ↔ Pincer's: one table, used wherever Claude Code's
 * words meet Pincer's tools — what hooks receive (`tool_name`, `tool_input`) and give back
 * (`updatedInput`), hook matchers and `if` conditions, permission rules in `.claude/settings.json`,
 * a command's `allowed-tools`, an agent's `tools`. Documented in docs/compat.md (Hooks and settings files); a tool added to
 * Pincer that Claude Code also has gets its row here.
 */
export interface ToolNameMapping {
  /** Claude Code's name (`Read`); the first row for a Pincer tool is the name hooks are told. */
  claude: string;
  /** Pincer's tool (`read`). */
  pincer: string;
  /** Claude Code's argument name → Pincer's, where they differ. */
  args?: Readonly<Record<string, string>>;
  /** Claude Code's arguments that hold a path: given to hooks as an absolute path, as Claude Code gives them. */
  paths?: readonly string[];
}

export const TOOL_NAME_TABLE: readonly ToolNameMapping[] = [
  { claude: "Bash", pincer: "bash", args: { timeout: "timeout_ms" } },
  { claude: "Read", pincer: "read", args: { file_path: "path" }, paths: ["file_path"] },
  { claude: "Write", pincer: "write", args: { file_path: "path" }, paths: ["file_path"] },
  { claude: "Edit", pincer: "edit", args: { file_path: "path" }, paths: ["file_path"] },
  { claude: "Glob", pincer: "glob", paths: ["path"] },
  { claude: "Grep", pincer: "grep", args: { "-i": "ignore_case", head_limit: "max_results" }, paths: ["path"] },
  { claude: "LS", pincer: "ls", paths: ["path"] },
  { claude: "TodoWrite", pincer: "todo" },
  // Claude Code renamed Task to Agent; older hooks and settings still say Task.
  { claude: "Agent", pincer: "task", args: { subagent_type: "agent" } },
  { claude: "Task", pincer: "task", args: { subagent_type: "agent" } },
  { claude: "Skill", pincer: "skill", args: { skill: "name" } },
  { claude: "WebFetch", pincer: "web_fetch" },
  { claude: "WebSearch", pincer: "web_search" },
  { claude: "NotebookEdit", pincer: "notebook_edit", args: { notebook_path: "path" }, paths: ["notebook_path"] },
  { claude: "BashOutput", pincer: "bash_output" },
  { claude: "KillShell", pincer: "kill_shell" },
];

/** Claude Code's name → Pincer's, case as Claude Code writes it. */
export const CLAUDE_TOOL_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  TOOL_NAME_TABLE.map((row) => [row.claude, row.pincer]),
);

const BY_CLAUDE = new Map(TOOL_NAME_TABLE.map((row) => [row.claude.toLowerCase(), row]));
const BY_PINCER = new Map<string, ToolNameMapping>();
for (const row of TOOL_NAME_TABLE) if (!BY_PINCER.has(row.pincer)) BY_PINCER.set(row.pincer, row);

/** The name Claude Code uses for a Pincer tool (`read` → `Read`); MCP and unknown tools keep theirs. */
export function claudeToolName(pincerName: string): string {
  return BY_PINCER.get(pincerName)?.claude ?? pincerName;
}

/** The Pincer tool a Claude Code name means (`Read`/`read` → `read`, `MultiEdit` → `edit`); others as given. */
export function pincerToolName(name: string): string {
  const lower = name.toLowerCase();
  if (lower === "multiedit") return "edit";
  return BY_CLAUDE.get(lower)?.pincer ?? name;
}

/** A Pincer tool call's arguments as Claude Code names them, paths made absolute (hooks' `tool_input`). */
export function toClaudeInput(pincerName: string, args: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const row = BY_PINCER.get(pincerName);
  if (!row) return args;
  const back = Object.fromEntries(Object.entries(row.args ?? {}).map(([claude, own]) => [own, claude]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) out[back[key] ?? key] = value;
  for (const key of row.paths ?? []) {
    const value = out[key];
    if (typeof value === "string" && value && !isAbsolute(value)) out[key] = resolve(cwd, expandHome(value));
  }
  return out;
}

/** Claude Code's arguments (a hook's `updatedInput`) in Pincer's names, for the Pincer tool `pincerName`. */
export function fromClaudeInput(pincerName: string, input: Record<string, unknown>): Record<string, unknown> {
  const row = BY_PINCER.get(pincerName);
  if (!row) return input;
  const names = row.args ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) out[names[key] ?? key] = value;
  return out;
}

function expandHome(path: string): string {
  const home = process.env.HOME;
  return home && (path === "~" || path.startsWith("~/")) ? `${home}${path.slice(1)}` : path;
}
