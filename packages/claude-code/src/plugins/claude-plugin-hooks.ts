import { ClaudePluginError } from "./claude-plugin-files.js";

/**
 * Claude Code hook configuration (`hooks/hooks.json`, a plugin manifest's "hooks", the "hooks" of
 * a settings file): events → matcher groups → command handlers, per Claude Code's hooks
 * reference. Events, handler types and fields Pincer does not run are said, never dropped.
 */

/** The Claude Code hook events Pincer runs (see hooks/claude-hooks.ts for what each becomes). */
export const CLAUDE_HOOK_EVENTS = [
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
  "UserPromptSubmit",
  "Stop",
  "SubagentStop",
  "SessionStart",
  "PreCompact",
  "PostCompact",
] as const;
export type ClaudeHookEvent = (typeof CLAUDE_HOOK_EVENTS)[number];

/** Events whose matcher and `if` look at the tool call. */
export const TOOL_EVENTS: readonly ClaudeHookEvent[] = ["PreToolUse", "PostToolUse", "PostToolUseFailure"];

export interface ClaudeHookCommand {
  event: ClaudeHookEvent;
  /** What the event is filtered on (a tool name, a session source…); absent, "" or "*": everything. */
  matcher?: string;
  /** The shell command, exactly as written (placeholders are filled when it runs); with `args`, the program. */
  command: string;
  /** Exec form: the argument vector, no shell. */
  args?: string[];
  /** Seconds; Claude Code's default for a command hook is 600. */
  timeout: number;
  /** Runs in the background; its context reaches the model at the next turn. */
  async?: boolean;
  /** Background, and an exit 2 brings its message to the model. */
  asyncRewake?: boolean;
  /** A permission rule (`Bash(git *)`, `Edit(*.ts)`): the hook runs only for calls it matches. */
  if?: string;
}

const DEFAULT_TIMEOUT = 600;

/**
 * Reads a `{ "hooks": { "<Event>": [ { "matcher", "hooks": [ { "type": "command", … } ] } ] } }`
 * object. `where` names the file in every error; what Pincer does not run is added to `unsupported`.
 */
export function parseHooks(value: unknown, where: string, out: ClaudeHookCommand[], unsupported: string[]): void {
  const fail = (why: string): never => {
    throw new ClaudePluginError(`${where}: ${why}`);
  };
  const events = (value as { hooks?: unknown } | null)?.hooks;
  if (!events || typeof events !== "object" || Array.isArray(events)) {
    fail('expected { "hooks": { "PreToolUse": [ … ], … } }');
  }
  for (const [event, groups] of Object.entries(events as Record<string, unknown>)) {
    if (!(CLAUDE_HOOK_EVENTS as readonly string[]).includes(event)) {
      unsupported.push(
        `the hook event ${event} (Pincer runs ${CLAUDE_HOOK_EVENTS.join(", ")}); its hooks will not run`,
      );
      continue;
    }
    if (!Array.isArray(groups)) fail(`"${event}" must be a list of { "matcher", "hooks": [ … ] }`);
    for (const group of groups as unknown[]) {
      const { matcher, hooks } = (group ?? {}) as { matcher?: unknown; hooks?: unknown };
      if (matcher !== undefined && typeof matcher !== "string") fail(`a "${event}" matcher must be a string`);
      if (typeof matcher === "string" && /[^A-Za-z0-9_\-\s,|*]/.test(matcher)) {
        try {
          new RegExp(matcher);
        } catch {
          fail(`the "${event}" matcher ${JSON.stringify(matcher)} is not a valid regular expression`);
        }
      }
      if (!Array.isArray(hooks)) fail(`each "${event}" entry needs "hooks": [ { "type": "command", … } ]`);
      for (const hook of hooks as unknown[]) {
        const parsed = parseHandler(event as ClaudeHookEvent, hook, fail, unsupported);
        if (parsed)
          out.push({ ...parsed, ...(typeof matcher === "string" && matcher && matcher !== "*" ? { matcher } : {}) });
      }
    }
  }
}

function parseHandler(
  event: ClaudeHookEvent,
  hook: unknown,
  fail: (why: string) => never,
  unsupported: string[],
): ClaudeHookCommand | undefined {
  const fields = (hook ?? {}) as Record<string, unknown>;
  if (fields.type !== "command") {
    unsupported.push(`a ${event} hook of type ${JSON.stringify(fields.type ?? null)} (only "command" hooks run)`);
    return undefined;
  }
  const { command, args, timeout } = fields;
  if (typeof command !== "string" || !command.trim()) fail(`a "${event}" command hook has no "command"`);
  if (args !== undefined && (!Array.isArray(args) || args.some((item) => typeof item !== "string"))) {
    fail(`a "${event}" hook's "args" must be a list of strings`);
  }
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
    fail(`a "${event}" hook's "timeout" must be a positive number of seconds`);
  }
  const condition = fields.if;
  if (condition !== undefined && typeof condition !== "string")
    fail(`a "${event}" hook's "if" must be a permission rule`);
  if (fields.shell === "powershell") unsupported.push(`a ${event} hook's "shell": "powershell" (it runs with sh)`);
  if (fields.once !== undefined) unsupported.push(`a ${event} hook's "once" (Claude Code honours it only in skills)`);
  const asyncRewake = fields.asyncRewake === true;
  return {
    event,
    command: command as string,
    ...(args ? { args: args as string[] } : {}),
    timeout: (timeout as number | undefined) ?? DEFAULT_TIMEOUT,
    ...(fields.async === true || asyncRewake ? { async: true } : {}),
    ...(asyncRewake ? { asyncRewake } : {}),
    ...(typeof condition === "string" && condition.trim() ? { if: condition.trim() } : {}),
  };
}
