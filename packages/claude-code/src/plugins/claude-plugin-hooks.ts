import { ClaudePluginError } from "./claude-plugin-files.js";

/**
 * A Claude Code plugin's hooks (`hooks/hooks.json` or the manifest's "hooks"): the shell commands
 * it runs on kernel events. Events and hook types Pincer does not run are said, never dropped.
 */

/** The Claude Code hook events Pincer runs, and the kernel hook each one becomes. */
export const CLAUDE_HOOK_EVENTS = ["PreToolUse", "PostToolUse", "UserPromptSubmit", "Stop", "SessionStart"] as const;
export type ClaudeHookEvent = (typeof CLAUDE_HOOK_EVENTS)[number];

export interface ClaudeHookCommand {
  event: ClaudeHookEvent;
  /** A regex on the tool name (PreToolUse/PostToolUse); absent or "" or "*": every tool. */
  matcher?: string;
  /** The shell command, exactly as written (`${CLAUDE_PLUGIN_ROOT}` is expanded when it runs). */
  command: string;
  /** Seconds; default 60. */
  timeout: number;
}

export function parseHooks(value: unknown, where: string, out: ClaudeHookCommand[], unsupported: string[]): void {
  const fail = (why: string): never => {
    throw new ClaudePluginError(`${where}: ${why}`);
  };
  const events = (value as { hooks?: unknown }).hooks;
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
      if (typeof matcher === "string" && matcher && matcher !== "*") {
        try {
          new RegExp(matcher);
        } catch {
          fail(`the "${event}" matcher ${JSON.stringify(matcher)} is not a valid regular expression`);
        }
      }
      if (!Array.isArray(hooks)) fail(`each "${event}" entry needs "hooks": [ { "type": "command", … } ]`);
      for (const hook of hooks as unknown[]) {
        const { type, command, timeout } = (hook ?? {}) as { type?: unknown; command?: unknown; timeout?: unknown };
        if (type !== "command") {
          unsupported.push(`a ${event} hook of type ${JSON.stringify(type ?? null)} (only "command" hooks run)`);
          continue;
        }
        if (typeof command !== "string" || !command.trim()) fail(`a "${event}" command hook has no "command"`);
        if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
          fail(`a "${event}" hook's "timeout" must be a positive number of seconds`);
        }
        out.push({
          event: event as ClaudeHookEvent,
          ...(typeof matcher === "string" && matcher && matcher !== "*" ? { matcher } : {}),
          command: command as string,
          timeout: (timeout as number | undefined) ?? 60,
        });
      }
    }
  }
}
