import type { MarkdownCommand } from "./discover.js";
import { type CommandHost, injectContext } from "./inject.js";
import { substituteArguments, type TemplateVariables } from "./substitute.js";

/**
 * The prompt a markdown command or skill sends for `/name args`: its template filled in
 * (substitute.ts), then its `!` shell lines run and its `@file` mentions read through the host
 * (inject.ts). A skill's prompt starts with its folder, as Claude Code's does, so the paths its
 * instructions give resolve. Rejects with a CommandExpansionError when a part is refused or fails.
 */
export async function expandMarkdownCommand(
  command: MarkdownCommand,
  args: string,
  options: { vars: TemplateVariables; host: CommandHost; signal: AbortSignal },
): Promise<string> {
  const text = substituteArguments(command, args, options.vars);
  const prompt = await injectContext(text, options.host, options.signal);
  return command.kind === "skill" && command.dir
    ? `Base directory for this skill: ${command.dir}\n\n${prompt}`
    : prompt;
}

/** `/name rest of line` → the name and its arguments as typed; undefined when the text is not a slash command. */
export function parseSlash(text: string): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z0-9_][A-Za-z0-9_.:-]*)(?:\s+([\s\S]*))?$/.exec(text.trim());
  return match ? { name: match[1]!, args: match[2] ?? "" } : undefined;
}
