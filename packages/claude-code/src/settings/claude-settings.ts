import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { claudeHome } from "../claude-home.js";
import { readJsonObject } from "../plugins/claude-plugin-files.js";
import { type ClaudeHookCommand, parseHooks } from "../plugins/claude-plugin-hooks.js";
import { claudePermissionsToPincer } from "./permission-rules.js";

/**
 * Claude Code's settings files, read for what Pincer can use: `~/.claude/settings.json` (the
 * user's), `.claude/settings.json` (the project's, shared) and `.claude/settings.local.json` (the
 * project's local one). From each: `permissions` (allow/ask/deny rules in Claude Code's syntax,
 * mapped to Pincer's; `defaultMode`), `hooks` and `disableAllHooks`. How much of it applies is the
 * runtime's to decide (a project's files only narrow, their hooks need the user's approval).
 */
export type ClaudeSettingsScope = "user" | "project" | "local";

export interface ClaudeSettingsFile {
  file: string;
  scope: ClaudeSettingsScope;
  /** Rules in Pincer's syntax. */
  permissions: { allow: string[]; ask: string[]; deny: string[]; defaultMode?: string };
  hooks: ClaudeHookCommand[];
  /** What approving this file's hooks covers: a change to any of them asks again. */
  hooksFingerprint?: string;
  disableAllHooks?: boolean;
}

/** The files, the user's first; `CLAUDE_CONFIG_DIR` moves the user's as Claude Code does. */
export function claudeSettingsPaths(
  cwd: string,
  env: NodeJS.ProcessEnv,
): Array<{ file: string; scope: ClaudeSettingsScope }> {
  return [
    { file: join(claudeHome(env), "settings.json"), scope: "user" },
    { file: join(cwd, ".claude", "settings.json"), scope: "project" },
    { file: join(cwd, ".claude", "settings.local.json"), scope: "local" },
  ];
}

/** Claude Code's modes Pincer has; `auto` and `dontAsk` are not among them. */
const MODES = ["default", "acceptEdits", "plan", "bypassPermissions"];

/** Every settings file there is, read; one that cannot be read is a warning and is left out. */
export function readClaudeSettings(cwd: string, env: NodeJS.ProcessEnv, warnings: string[]): ClaudeSettingsFile[] {
  const files: ClaudeSettingsFile[] = [];
  for (const { file, scope } of claudeSettingsPaths(cwd, env)) {
    if (!existsSync(file)) continue;
    try {
      files.push(readSettingsFile(file, scope, warnings));
    } catch (error) {
      warnings.push(`Claude Code settings ${file} not used: ${(error as Error).message}`);
    }
  }
  return files;
}

/** What Pincer reads from a Claude Code settings file; the rest is Claude Code's own. */
const READ_KEYS = ["$schema", "permissions", "hooks", "disableAllHooks"];
const READ_PERMISSION_KEYS = ["allow", "ask", "deny", "defaultMode"];

function readSettingsFile(file: string, scope: ClaudeSettingsScope, warnings: string[]): ClaudeSettingsFile {
  const json = readJsonObject(file);
  // A repository's file is said to be partly unused (as with .pincer/settings.json); the user's
  // own is theirs to know, and its many Claude Code-only keys would be noise every session.
  const unused = Object.keys(json).filter((key) => !READ_KEYS.includes(key));
  if (scope !== "user" && unused.length) {
    warnings.push(
      `Not used from ${file}: ${unused.join(", ")} (Pincer reads permissions, hooks and disableAllHooks there).`,
    );
  }
  // `/path` in a rule is relative to the settings source: the project's root, or ~/.claude.
  const anchor = scope === "user" ? dirname(file) : dirname(dirname(file));
  const permissions = (json.permissions ?? {}) as Record<string, unknown>;
  const unusedRules = Object.keys(permissions).filter((key) => !READ_PERMISSION_KEYS.includes(key));
  if (unusedRules.length) {
    warnings.push(`Not used from ${file}: ${unusedRules.map((key) => `permissions.${key}`).join(", ")}.`);
  }
  const mapped = claudePermissionsToPincer(permissions, { anchor, where: file });
  warnings.push(...mapped.warnings);
  const out: ClaudeSettingsFile = {
    file,
    scope,
    permissions: { allow: mapped.allow, ask: mapped.ask, deny: mapped.deny },
    hooks: [],
  };
  const mode = permissions.defaultMode;
  if (typeof mode === "string") {
    if (MODES.includes(mode)) out.permissions.defaultMode = mode;
    else warnings.push(`Ignored permissions.defaultMode "${mode}" in ${file}: Pincer's modes are ${MODES.join(", ")}.`);
  }
  if (json.hooks !== undefined) {
    const unsupported: string[] = [];
    parseHooks({ hooks: json.hooks }, file, out.hooks, unsupported);
    for (const line of unsupported) warnings.push(`In ${file}: ${line}.`);
    if (out.hooks.length) out.hooksFingerprint = hooksFingerprint(out.hooks);
  }
  if (typeof json.disableAllHooks === "boolean") out.disableAllHooks = json.disableAllHooks;
  return out;
}

/** A file's hooks as one hash: events, matchers, commands, arguments, conditions, timeouts. */
export function hooksFingerprint(hooks: readonly ClaudeHookCommand[]): string {
  return createHash("sha256").update(JSON.stringify(hooks)).digest("hex").slice(0, 16);
}
