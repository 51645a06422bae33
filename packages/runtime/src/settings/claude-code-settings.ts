import { type BoundHook, type ClaudeSettingsFile, hookApprovalStatus, readClaudeSettings } from "@pincer/claude-code";
import type { PermissionSettings, Settings } from "../home.js";
import { ignoredWarnings, MODE_ORDER, narrowProjectSettings } from "./narrow.js";

/** What Claude Code's settings files add to a session. */
export interface ClaudeCodeSettings {
  /** `~/.claude/settings.json`: the user's own rules and mode, applied as the user's. */
  user: PermissionSettings;
  /** `.claude/settings.json` and `.claude/settings.local.json`, narrowed: ask and deny rules, a stricter mode. */
  project: PermissionSettings;
  /** Hook commands to run: the user's, and the project's the user approved. */
  hooks: BoundHook[];
  /** `disableAllHooks`: no Claude Code hook runs (plugins' included). */
  disableAllHooks: boolean;
}

/**
 * Claude Code's settings files with Pincer's rules for each: the user's file is theirs (its
 * allow rules and mode apply as their own, after their Pincer config); a project's two files
 * are a repository's, so they only narrow, exactly as `.pincer/settings.json` does
 * (narrowProjectSettings: ask and deny rules, a stricter mode; allow rules are ignored, even in
 * settings.local.json, which Claude Code — not Pincer — writes and a repository may ship), and
 * their hooks run only once approved (`pincer hooks approve`), as a project's `.mcp.json`
 * servers. `disableAllHooks: true` from any of them turns hooks off (turning them back on from a
 * project would widen). One warning line per thing left out.
 */
export function readClaudeCodeSettings(options: {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  user: Settings;
  warnings: string[];
}): ClaudeCodeSettings {
  const files = readClaudeSettings(options.cwd, options.env, options.warnings);
  const out: ClaudeCodeSettings = { user: {}, project: {}, hooks: [], disableAllHooks: false };
  for (const file of files) {
    if (file.disableAllHooks) out.disableAllHooks = true;
    if (file.scope === "user") {
      out.user = file.permissions;
      out.hooks.push(...bind(file));
      continue;
    }
    const narrowed = narrowProjectSettings(options.user, { permissions: file.permissions });
    options.warnings.push(...ignoredWarnings(file.file, narrowed.ignored));
    out.project = mergeProject(out.project, narrowed.settings.permissions ?? {});
    if (!file.hooks.length) continue;
    const status = hookApprovalStatus(options.home, options.cwd, file.file, file.hooksFingerprint!);
    if (status === "approved") out.hooks.push(...bind(file));
    else {
      const why = status === "changed" ? "changed since you approved them" : "not approved yet";
      options.warnings.push(
        `The ${file.hooks.length} hook command(s) in ${file.file} did not run: ${why}. Review and approve them with pincer hooks approve.`,
      );
    }
  }
  return out;
}

function bind(file: ClaudeSettingsFile): BoundHook[] {
  const scope = file.scope === "user" ? "user" : "project";
  return file.hooks.map((hook) => ({ ...hook, origin: { kind: "settings" as const, file: file.file, scope } }));
}

function mergeProject(a: PermissionSettings, b: PermissionSettings): PermissionSettings {
  const modes = [a.defaultMode, b.defaultMode].filter((mode): mode is string => mode !== undefined);
  const strict = (mode: string) => MODE_ORDER.indexOf(mode as (typeof MODE_ORDER)[number]);
  const ask = [...(a.ask ?? []), ...(b.ask ?? [])];
  const deny = [...(a.deny ?? []), ...(b.deny ?? [])];
  return {
    ...(modes.length ? { defaultMode: modes.reduce((x, y) => (strict(x) <= strict(y) ? x : y)) } : {}),
    ...(ask.length ? { ask } : {}),
    ...(deny.length ? { deny } : {}),
  };
}
