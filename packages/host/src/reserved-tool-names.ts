/**
 * Tool names a plugin cannot take. A permission rule names a tool (case-insensitively, so rules
 * copied from Claude Code apply), and a session holds one tool per name: a plugin tool named
 * `bash` would inherit the user's `bash(...)` allow rules, one named `task` would clash with the
 * subagent tool, one named `mcp__x__y` would inherit the user's MCP rules.
 *
 * - Pincer's own tools: the core tools' names, `task`, `skill`, and the built-in web, notebook
 *   and background-shell tools.
 * - Claude Code's tool names, which users' copied settings name in rules.
 */
export const RESERVED_TOOL_NAMES: readonly string[] = [
  "read",
  "write",
  "edit",
  "bash",
  "grep",
  "glob",
  "ls",
  "todo",
  "task",
  "skill",
  "notebook_edit",
  "web_fetch",
  "web_search",
  "bash_output",
  "kill_shell",
  "agent",
  "multiedit",
  "notebookread",
  "notebookedit",
  "webfetch",
  "websearch",
  "todoread",
  "todowrite",
  "exitplanmode",
  "bashoutput",
  "killshell",
  "slashcommand",
];

/** Prefixes of names that belong to other sources of tools: MCP servers' tools are `mcp__<server>__<tool>`. */
export const RESERVED_TOOL_PREFIXES: readonly string[] = ["mcp__"];

/**
 * Why a plugin may not offer a tool by this name, or undefined when it may. Compared without
 * case, as permission rules compare tool names.
 */
export function reservedToolName(name: string): string | undefined {
  const lower = name.toLowerCase();
  const prefix = RESERVED_TOOL_PREFIXES.find((reserved) => lower.startsWith(reserved));
  if (prefix) return `names starting with "${prefix}" belong to MCP servers' tools (and the user's rules for them)`;
  if (RESERVED_TOOL_NAMES.includes(lower)) return `"${name}" is the name of one of Pincer's own tools`;
  return undefined;
}

/**
 * Refuses a manifest that lists a reserved tool name (at install and on every dev rebuild),
 * naming the plugin, the tool and why, before anything is granted or written.
 */
export function refuseReservedToolNames(manifest: { name: string; contributes: { tools?: string[] } }): void {
  for (const tool of manifest.contributes.tools ?? []) {
    const reason = reservedToolName(tool);
    if (reason) {
      throw new Error(
        `${manifest.name} contributes a tool named "${tool}", which no plugin may take: ${reason}. It cannot be installed until the tool is renamed.`,
      );
    }
  }
}

/** A plugin's tool left out of a session (a reserved name, or one another plugin has); the rest of the plugin loads. */
export class ToolNotOfferedError extends Error {
  override name = "ToolNotOfferedError";
}

/**
 * The tool names a session offers so far. A plugin's tool is admitted unless its name is reserved
 * (a plugin installed before the name was reserved, or edited since) or an earlier plugin already
 * has it, compared without case as permission rules compare names; the session goes on without it.
 */
export class OfferedToolNames {
  /** Lowercased name → the plugin that has it. */
  private readonly taken = new Map<string, string>();

  /** Undefined when admitted (the name is now taken), else why not, naming the plugin and the fix. */
  admit(plugin: string, name: string, shipsWithPincer: boolean): ToolNotOfferedError | undefined {
    const reserved = shipsWithPincer ? undefined : reservedToolName(name);
    const holder = this.taken.get(name.toLowerCase());
    if (!reserved && !holder) {
      this.taken.set(name.toLowerCase(), plugin);
      return undefined;
    }
    const why = reserved ?? `plugin ${holder} already provides a tool by that name`;
    return new ToolNotOfferedError(
      `Tool "${name}" of plugin ${plugin} is not offered: ${why}. Remove the plugin (pincer plugin remove ${plugin}) or install a version that renames the tool.`,
    );
  }
}
