import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { isThinkingLevel, THINKING_LEVELS, type ThinkingLevel } from "@pincer/kernel";
import { type McpServerConfig, type McpSettings, validateMcpServers, validateMcpSettings } from "@pincer/mcp";

/** A user-facing failure of configuration or usage: exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface PermissionSettings {
  defaultMode?: string;
  allow?: string[];
  ask?: string[];
  deny?: string[];
}

/** `PINCER_HOME/config.json` and `.pincer/settings.json` share this shape. */
export interface Settings {
  model?: string;
  /** How hard the model thinks in new sessions (`--thinking` and a resumed session's own level win). */
  thinking?: ThinkingLevel;
  permissions?: PermissionSettings;
  providers?: Record<string, Record<string, unknown>>;
  maxTurns?: number;
  /**
   * A model's stream that sends nothing for this long is given up and retried once (default
   * 120,000 ms); a stream that keeps sending is never cut for taking long.
   */
  streamIdleTimeoutMs?: number;
  /** A theme id contributed by a plugin (`pincer plugin list` shows which). */
  theme?: string;
  /**
   * Limits for plugin isolates (memoryMb, cpuMsPerCall, wallMsPerCall, maxUpdateBytes) and the OS
   * sandbox for spawned commands (os, network, writable, hide, env; see OsSandboxSettings in @pincer/host).
   */
  sandbox?: {
    memoryMb?: number;
    cpuMsPerCall?: number;
    wallMsPerCall?: number;
    maxUpdateBytes?: number;
    os?: "auto" | "bwrap" | "off";
    network?: boolean;
    writable?: string[];
    /** More paths masked from spawned commands (credentials the defaults do not know). */
    hide?: string[];
    /** Variables from your environment that spawned commands get beyond the minimal base. */
    env?: string[];
  };
  /** MCP servers by name, in Claude Code's shape (`pincer mcp add` writes them); user config only. */
  mcpServers?: Record<string, McpServerConfig>;
  /** MCP timeouts and the project `.mcp.json` servers the user approved (`pincer mcp approve`). */
  mcp?: McpSettings;
}

const SETTINGS_KEYS = new Set([
  "$schema",
  "model",
  "thinking",
  "permissions",
  "providers",
  "maxTurns",
  "streamIdleTimeoutMs",
  "sandbox",
  "theme",
  "mcpServers",
  "mcp",
]);

export function pincerHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PINCER_HOME || join(homedir(), ".pincer"));
}

export function configPath(home: string): string {
  return join(home, "config.json");
}

/** Pincer's runtime state, the user's alone (0700): the bwrap probe's answer, the process notes. */
export function runDir(home: string): string {
  return join(home, "run");
}

export function sessionsDir(home: string): string {
  return join(home, "sessions");
}

export function projectSettingsPath(cwd: string): string {
  return join(cwd, ".pincer", "settings.json");
}

/** Reads a settings file; a missing file is empty settings, a broken one a UsageError naming the file. */
export function readSettings(file: string): Settings {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(
      `Cannot read ${file}: ${(error as Error).message}. Fix the JSON or move the file away to start from defaults.`,
    );
  }
  return validateSettings(json, file);
}

/** Checks a settings object's shape; errors name the file and the setting. */
export function validateSettings(json: unknown, file: string): Settings {
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`${file} must contain a JSON object.`);
  }
  for (const key of Object.keys(json)) {
    if (!SETTINGS_KEYS.has(key)) {
      throw new UsageError(
        `${file}: unknown setting "${key}". Known settings: ${[...SETTINGS_KEYS].slice(1).join(", ")}.`,
      );
    }
  }
  const settings = json as Settings;
  if (settings.model !== undefined && typeof settings.model !== "string")
    throw new UsageError(`${file}: "model" must be a string like openai/gpt-5.`);
  if (settings.thinking !== undefined && !isThinkingLevel(settings.thinking))
    throw new UsageError(`${file}: "thinking" must be one of ${THINKING_LEVELS.join(", ")}.`);
  if (
    settings.theme !== undefined &&
    (typeof settings.theme !== "string" || !/^[a-z0-9][a-z0-9_-]*$/.test(settings.theme))
  )
    throw new UsageError(`${file}: "theme" must be the id of a theme a plugin contributes, like "dusk".`);
  if (settings.maxTurns !== undefined && (!Number.isInteger(settings.maxTurns) || settings.maxTurns < 1)) {
    throw new UsageError(`${file}: "maxTurns" must be a positive integer.`);
  }
  const idle = settings.streamIdleTimeoutMs;
  if (idle !== undefined && (!Number.isInteger(idle) || idle < 1)) {
    throw new UsageError(`${file}: "streamIdleTimeoutMs" must be a positive whole number of milliseconds.`);
  }
  for (const list of ["allow", "ask", "deny"] as const) {
    const rules = settings.permissions?.[list];
    if (rules !== undefined && (!Array.isArray(rules) || rules.some((rule) => typeof rule !== "string"))) {
      throw new UsageError(`${file}: "permissions.${list}" must be a list of rule strings such as "bash(npm test:*)".`);
    }
  }
  validateOsSandbox(settings.sandbox, file);
  try {
    if (settings.mcpServers !== undefined) validateMcpServers(settings.mcpServers);
    if (settings.mcp !== undefined) validateMcpSettings(settings.mcp);
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}.`);
  }
  return settings;
}

function validateOsSandbox(sandbox: unknown, file: string): void {
  if (sandbox === undefined) return;
  if (!sandbox || typeof sandbox !== "object" || Array.isArray(sandbox)) {
    throw new UsageError(`${file}: "sandbox" must be an object such as { "os": "auto" }.`);
  }
  const { os, network, writable, hide, env } = sandbox as Record<string, unknown>;
  if (os !== undefined && os !== "auto" && os !== "bwrap" && os !== "off") {
    throw new UsageError(
      `${file}: "sandbox.os" must be "auto" (bubblewrap when it works, else each command asks), "bwrap" (required) or "off" (commands run unconfined without asking).`,
    );
  }
  if (
    hide !== undefined &&
    (!Array.isArray(hide) ||
      hide.some((path) => typeof path !== "string" || !(path.startsWith("/") || path.startsWith("~/"))))
  ) {
    throw new UsageError(
      `${file}: "sandbox.hide" must be a list of absolute paths or ~/ paths, e.g. ["~/.config/mycloud"].`,
    );
  }
  if (
    env !== undefined &&
    (!Array.isArray(env) || env.some((name) => typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)))
  ) {
    throw new UsageError(`${file}: "sandbox.env" must be a list of variable names, e.g. ["GITHUB_TOKEN"].`);
  }
  if (network !== undefined && typeof network !== "boolean") {
    throw new UsageError(`${file}: "sandbox.network" must be true or false.`);
  }
  if (
    writable !== undefined &&
    (!Array.isArray(writable) ||
      writable.some(
        (path) => typeof path !== "string" || !(path.startsWith("/") || path === "~" || path.startsWith("~/")),
      ))
  ) {
    throw new UsageError(
      `${file}: "sandbox.writable" must be a list of absolute paths or ~/ paths, e.g. ["~/.cache"].`,
    );
  }
}

/**
 * The OS sandbox settings a session runs with. A project may only narrow them (require bwrap,
 * turn the network back off): a cloned repository must not let its own commands out.
 */
export function osSandboxSettings(
  user: Settings["sandbox"],
  project: Settings["sandbox"],
  warnings: string[],
): { os?: "auto" | "bwrap" | "off"; network?: boolean; writable?: string[]; hide?: string[]; env?: string[] } {
  const strictness = { off: 0, auto: 1, bwrap: 2 } as const;
  const userOs = user?.os ?? "auto";
  const narrowsOs = project?.os !== undefined && strictness[project.os] > strictness[userOs];
  const ignored = [
    ...(project?.os !== undefined && strictness[project.os] < strictness[userOs] ? ["sandbox.os"] : []),
    ...(project?.network === true && user?.network !== true ? ["sandbox.network"] : []),
    ...(project?.writable?.length ? ["sandbox.writable"] : []),
    ...(project?.env?.length ? ["sandbox.env"] : []),
  ];
  if (ignored.length) {
    warnings.push(
      `Ignored ${ignored.join(", ")} in .pincer/settings.json: project settings may only narrow the OS sandbox. Put widening settings in your own config.json.`,
    );
  }
  const os = narrowsOs ? project?.os : user?.os;
  const network = user?.network === true && project?.network !== false;
  // Hiding more narrows, so a project may add to the list; passing variables widens, so it may not.
  const hide = [...(user?.hide ?? []), ...(project?.hide ?? [])];
  return {
    ...(os ? { os } : {}),
    ...(network ? { network } : {}),
    ...(user?.writable ? { writable: user.writable } : {}),
    ...(hide.length ? { hide } : {}),
    ...(user?.env?.length ? { env: user.env } : {}),
  };
}

export function writeSettings(file: string, settings: Settings): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}
