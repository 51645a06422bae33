import { projectSettingsPath, readSettings, type Settings, UsageError } from "../home.js";
import { readLocalSettings } from "./local-settings.js";
import { ignoredWarnings, MODE_ORDER, narrowProjectSettings } from "./narrow.js";

export interface ProjectSettings {
  /** What the project's files may set (settings.json, then settings.local.json), narrowed; no allow rules. */
  settings: Settings;
  /** Allow rules from a settings.local.json the user's own Pincer wrote ("don't ask again"). */
  localAllow: string[];
}

const SHARED = ".pincer/settings.json";
const LOCAL = ".pincer/settings.local.json";

/**
 * A project's settings as they may apply over the user's: each file narrowed (narrow.ts), with
 * one warning line per key left out. A broken file is a UsageError naming it, as for config.json.
 */
export function readProjectSettings(cwd: string, home: string, user: Settings, warnings: string[]): ProjectSettings {
  const shared = narrowProjectSettings(user, readSettings(projectSettingsPath(cwd)));
  warnings.push(...ignoredWarnings(SHARED, shared.ignored));
  const local = readLocalSettings(cwd, home);
  if (!local) return { settings: shared.settings, localAllow: [] };
  if (local.problem) throw new UsageError(`${cwd}/${LOCAL}: ${local.problem}. Fix it or delete it.`);
  const narrowed = narrowProjectSettings(user, local.settings, { allowRules: local.trusted });
  warnings.push(...ignoredWarnings(LOCAL, narrowed.ignored.map(explainUntrusted)));
  const { allow = [], ...localPermissions } = narrowed.settings.permissions ?? {};
  const localLayer: Settings = { ...narrowed.settings };
  delete localLayer.permissions;
  if (Object.keys(localPermissions).length) localLayer.permissions = localPermissions;
  return { settings: mergeNarrowed(shared.settings, localLayer), localAllow: allow };
}

function explainUntrusted(item: { key: string; why: string }): { key: string; why: string } {
  if (item.key !== "permissions.allow") return item;
  const count = item.why.split(" ")[0];
  return {
    key: item.key,
    why: `${count} rule(s): this file was not written by your Pincer, or was changed since (a repository may have shipped it); answer "don't ask again" to remember a rule, or put it in your config.json`,
  };
}

/** Two narrowed layers together: the stricter of each limit, both files' ask and deny rules. */
function mergeNarrowed(shared: Settings, local: Settings): Settings {
  const merged: Settings = { ...shared, ...local };
  const modes = [shared.permissions?.defaultMode, local.permissions?.defaultMode].filter(
    (mode): mode is string => mode !== undefined,
  );
  const permissions = {
    ...(modes.length
      ? {
          defaultMode: modes.reduce((a, b) => (strictnessOf(a) <= strictnessOf(b) ? a : b)),
        }
      : {}),
    ...listOf("ask", shared, local),
    ...listOf("deny", shared, local),
  };
  if (Object.keys(permissions).length) merged.permissions = permissions;
  if (shared.maxTurns !== undefined && local.maxTurns !== undefined) {
    merged.maxTurns = Math.min(shared.maxTurns, local.maxTurns);
  }
  if (shared.sandbox || local.sandbox) {
    const strictness = ["off", "auto", "bwrap"] as const;
    const levels = [shared.sandbox?.os, local.sandbox?.os].filter((os) => os !== undefined);
    const os = levels.length ? strictness[Math.max(...levels.map((level) => strictness.indexOf(level)))] : undefined;
    const networkOff = shared.sandbox?.network === false || local.sandbox?.network === false;
    const hide = [...(shared.sandbox?.hide ?? []), ...(local.sandbox?.hide ?? [])];
    merged.sandbox = {
      ...(os ? { os } : {}),
      ...(networkOff ? { network: false } : {}),
      ...(hide.length ? { hide } : {}),
    };
  }
  return merged;
}

function listOf(key: "ask" | "deny", a: Settings, b: Settings): Record<string, string[]> {
  const rules = [...(a.permissions?.[key] ?? []), ...(b.permissions?.[key] ?? [])];
  return rules.length ? { [key]: rules } : {};
}

function strictnessOf(mode: string): number {
  return MODE_ORDER.indexOf(mode as (typeof MODE_ORDER)[number]);
}
