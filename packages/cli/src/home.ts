import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

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
  permissions?: PermissionSettings;
  providers?: Record<string, Record<string, unknown>>;
  maxTurns?: number;
  /** Limits for plugin isolates: memoryMb, cpuMsPerCall, wallMsPerCall, maxUpdateBytes. */
  sandbox?: { memoryMb?: number; cpuMsPerCall?: number; wallMsPerCall?: number; maxUpdateBytes?: number };
}

const SETTINGS_KEYS = new Set(["$schema", "model", "permissions", "providers", "maxTurns", "sandbox"]);

export function pincerHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PINCER_HOME || join(homedir(), ".pincer"));
}

export function configPath(home: string): string {
  return join(home, "config.json");
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
  if (settings.maxTurns !== undefined && (!Number.isInteger(settings.maxTurns) || settings.maxTurns < 1)) {
    throw new UsageError(`${file}: "maxTurns" must be a positive integer.`);
  }
  for (const list of ["allow", "ask", "deny"] as const) {
    const rules = settings.permissions?.[list];
    if (rules !== undefined && (!Array.isArray(rules) || rules.some((rule) => typeof rule !== "string"))) {
      throw new UsageError(`${file}: "permissions.${list}" must be a list of rule strings such as "bash(npm test:*)".`);
    }
  }
  return settings;
}

export function writeSettings(file: string, settings: Settings): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}
