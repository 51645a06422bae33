import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { settingsProblems } from "./settings/schema-errors.js";
import type { Settings } from "./settings/types.js";

/** A user-facing failure of configuration or usage: exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type { PermissionSettings, Settings } from "./settings/types.js";

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

/**
 * Checks a settings object against the one settings schema (settings/settings.schema.json), at
 * every depth; errors name the file, the JSON path and the nearest valid key.
 */
export function validateSettings(json: unknown, file: string): Settings {
  const problems = settingsProblems(json);
  if (problems.length === 1) throw new UsageError(`${file}: ${problems[0]}${/[?.]$/.test(problems[0]!) ? "" : "."}`);
  if (problems.length > 1) {
    throw new UsageError(`${file} has ${problems.length} problems:\n${problems.map((line) => `  ${line}`).join("\n")}`);
  }
  return json as Settings;
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
