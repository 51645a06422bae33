import type { PermissionMode } from "@pincer/kernel";
import type { Settings } from "./types.js";

/**
 * What a project's settings file may set. A repository is hostile until proven otherwise: its
 * settings may make the session stricter, never looser, and may not choose where requests go or
 * what runs. Decided per key, and anything not listed here (a key added later included) is
 * ignored: the safe default.
 *
 * | key                          | a project may                                             |
 * | ---------------------------- | --------------------------------------------------------- |
 * | `permissions.defaultMode`    | make it stricter: plan < default < acceptEdits < bypass    |
 * | `permissions.ask`, `.deny`   | add rules                                                  |
 * | `permissions.allow`          | nothing (a trusted settings.local.json: add rules)         |
 * | `model`                      | pick a model you configured (your model or a models entry) |
 * | `maxTurns`                   | lower it                                                   |
 * | `thinking`, `theme`          | set them (how hard your model thinks; an installed theme)  |
 * | `sandbox.os`, `.network`     | make them stricter (bwrap > auto > off; network off)       |
 * | `sandbox.hide`               | hide more paths from commands                              |
 * | `providers`, `sandbox.*` (other), `mcpServers`, `mcp` | nothing                       |
 */

/** Strictest first: a project may move the mode toward the front, never toward the back. */
export const MODE_ORDER: readonly PermissionMode[] = ["plan", "default", "acceptEdits", "bypassPermissions"];

export interface IgnoredSetting {
  /** The JSON path of what was ignored: `permissions.defaultMode`. */
  key: string;
  /** Why, in a few words: `looser than yours ("default")`. */
  why: string;
}

export interface NarrowOptions {
  /**
   * Whether the file's allow rules count: only for a local settings file the user's own Pincer
   * wrote (see local-settings.ts), never for one a repository ships.
   */
  allowRules?: boolean;
}

export interface Narrowed {
  /** The part of the project's settings that applies, to be layered over the user's. */
  settings: Settings;
  ignored: IgnoredSetting[];
}

const OS_STRICTNESS = { off: 0, auto: 1, bwrap: 2 } as const;
/** A session's turn limit when no setting gives one (setup.ts). */
export const DEFAULT_MAX_TURNS = 100;

/**
 * The part of a project's settings that may apply over the user's (`user`), and what was left
 * out and why. Reusable for any project-controlled settings file (`.pincer/settings.json`,
 * `.pincer/settings.local.json`, Claude Code's `.claude/settings.json`).
 */
export function narrowProjectSettings(user: Settings, project: Settings, options: NarrowOptions = {}): Narrowed {
  const settings: Settings = {};
  const ignored: IgnoredSetting[] = [];
  const ignore = (key: string, why: string) => ignored.push({ key, why });

  for (const key of Object.keys(project) as Array<keyof Settings>) {
    const value = project[key];
    if (value === undefined || key === "$schema") continue;
    switch (key) {
      case "permissions":
        narrowPermissions(user, project, options, settings, ignore);
        break;
      case "model":
        if (configuredModels(user).has(project.model!)) settings.model = project.model!;
        else
          ignore(
            "model",
            `"${project.model}" is not a model you configured (your model or a providers.<id>.models entry); pass --model to use it`,
          );
        break;
      case "maxTurns": {
        const yours = user.maxTurns ?? DEFAULT_MAX_TURNS;
        if (project.maxTurns! <= yours) settings.maxTurns = project.maxTurns!;
        else ignore("maxTurns", `${project.maxTurns} is more than yours (${yours})`);
        break;
      }
      case "thinking":
        settings.thinking = project.thinking!;
        break;
      case "theme":
        settings.theme = project.theme!;
        break;
      case "sandbox":
        narrowSandbox(user, project, settings, ignore);
        break;
      case "providers":
        ignore("providers", "providers, endpoints and keys are yours to set");
        break;
      case "mcpServers":
      case "mcp":
        ignore(key, "a project declares MCP servers in .mcp.json, and each needs your approval");
        break;
      default:
        ignore(key, "a project's settings may only narrow yours, and this one is yours alone");
    }
  }
  return { settings, ignored };
}

function narrowPermissions(
  user: Settings,
  project: Settings,
  options: NarrowOptions,
  settings: Settings,
  ignore: (key: string, why: string) => void,
): void {
  const { defaultMode, allow, ask, deny } = project.permissions ?? {};
  const permissions: NonNullable<Settings["permissions"]> = {};
  if (defaultMode !== undefined) {
    const userMode = (user.permissions?.defaultMode ?? "default") as PermissionMode;
    if (MODE_ORDER.indexOf(defaultMode as PermissionMode) <= MODE_ORDER.indexOf(userMode)) {
      permissions.defaultMode = defaultMode;
    } else {
      ignore("permissions.defaultMode", `"${defaultMode}" is looser than yours ("${userMode}")`);
    }
  }
  if (allow?.length) {
    if (options.allowRules) permissions.allow = allow;
    else ignore("permissions.allow", `${allow.length} rule(s): a project may only add ask and deny rules`);
  }
  if (ask?.length) permissions.ask = ask;
  if (deny?.length) permissions.deny = deny;
  if (Object.keys(permissions).length > 0) settings.permissions = permissions;
}

function narrowSandbox(
  user: Settings,
  project: Settings,
  settings: Settings,
  ignore: (key: string, why: string) => void,
): void {
  const sandbox: NonNullable<Settings["sandbox"]> = {};
  for (const [key, value] of Object.entries(project.sandbox ?? {})) {
    if (value === undefined) continue;
    if (key === "os") {
      const userOs = user.sandbox?.os ?? "auto";
      const os = value as keyof typeof OS_STRICTNESS;
      if (OS_STRICTNESS[os] >= OS_STRICTNESS[userOs]) sandbox.os = os;
      else ignore("sandbox.os", `"${value}" is looser than yours ("${userOs}")`);
    } else if (key === "network") {
      if (value === false) sandbox.network = false;
      else ignore("sandbox.network", "a project may turn the network off, never on");
    } else if (key === "writable") {
      ignore("sandbox.writable", "a project may not widen what commands can write");
    } else if (key === "hide") {
      sandbox.hide = value as string[]; // hiding more from commands only narrows
    } else if (key === "env") {
      ignore("sandbox.env", "a project may not pass your environment's variables to commands");
    } else {
      ignore(`sandbox.${key}`, "plugin limits are yours to set, in your config.json");
    }
  }
  if (Object.keys(sandbox).length > 0) settings.sandbox = sandbox;
}

/** Models the user chose in their own settings: their `model`, and every `providers.<id>.models` entry. */
function configuredModels(user: Settings): Set<string> {
  const models = new Set<string>();
  if (user.model) models.add(user.model);
  for (const [provider, entry] of Object.entries(user.providers ?? {})) {
    const list = (entry as { models?: unknown }).models;
    if (!Array.isArray(list)) continue;
    for (const model of list) {
      if (model && typeof (model as { id?: unknown }).id === "string")
        models.add(`${provider}/${(model as { id: string }).id}`);
    }
  }
  return models;
}

/** One warning line per ignored key, naming the file: `Ignored permissions.defaultMode in .pincer/settings.json: …`. */
export function ignoredWarnings(file: string, ignored: readonly IgnoredSetting[]): string[] {
  return ignored.map(({ key, why }) => `Ignored ${key} in ${file}: ${why}.`);
}
