import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { settingsProblems } from "./schema-errors.js";
import type { Settings } from "./types.js";

/**
 * A project's local settings, `.pincer/settings.local.json`: where "Yes, and don't ask again"
 * remembers a rule, for this project only, out of git (`.pincer/.gitignore` names it).
 *
 * A repository could ship a settings.local.json of its own, so its allow rules count only if the
 * user's own Pincer wrote the file as it is now: each write records the file's SHA-256 in
 * `PINCER_HOME/local-settings.json` (which only the user can write), and a file whose hash is not
 * recorded — shipped in a clone or a tarball, tracked by git, or edited since — is treated as
 * project settings: narrowed, its allow rules ignored with a warning.
 */

export const LOCAL_SETTINGS = "settings.local.json";

export function localSettingsPath(cwd: string): string {
  return join(cwd, ".pincer", LOCAL_SETTINGS);
}

/** Where the fingerprints of the local settings files Pincer wrote are kept. */
function trustFile(home: string): string {
  return join(home, "local-settings.json");
}

type TrustRecord = Record<string, string>;

function readTrust(home: string): TrustRecord {
  try {
    const parsed = JSON.parse(readFileSync(trustFile(home), "utf8")) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as TrustRecord) : {};
  } catch {
    return {};
  }
}

function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface LocalSettings {
  settings: Settings;
  /** Whether the user's own Pincer wrote the file as it is: only then do its allow rules count. */
  trusted: boolean;
  /** The JSON could not be read or does not match the schema: a reason to show, and nothing applies. */
  problem?: string;
}

/** Reads the local settings file, if any, and whether it can be trusted. Never throws. */
export function readLocalSettings(cwd: string, home: string): LocalSettings | undefined {
  const file = localSettingsPath(cwd);
  if (!existsSync(file)) return undefined;
  let text: string;
  let json: unknown;
  try {
    text = readFileSync(file, "utf8");
    json = JSON.parse(text);
  } catch (error) {
    return { settings: {}, trusted: false, problem: `cannot read it (${(error as Error).message})` };
  }
  const problems = settingsProblems(json);
  if (problems.length > 0) return { settings: {}, trusted: false, problem: problems.join("; ") };
  const trusted = !isLink(join(cwd, ".pincer")) && readTrust(home)[resolve(file)] === fingerprint(text);
  return { settings: json as Settings, trusted };
}

/**
 * Adds an allow rule to the project's local settings (creating the file and its `.gitignore`
 * entry) and records the new file as written by Pincer. Refuses to write through a symlink: a
 * repository's `.pincer` pointing at `~/.pincer` would otherwise turn a project rule into a global one.
 */
export function rememberLocalAllowRule(cwd: string, home: string, rule: string): string {
  const dir = join(cwd, ".pincer");
  if (isLink(dir)) throw new Error(`${dir} is a symbolic link; not writing settings through it`);
  mkdirSync(dir, { recursive: true });
  ensureGitIgnored(dir);
  const file = localSettingsPath(cwd);
  const current = readLocalSettings(cwd, home);
  // A file Pincer did not write starts over: its own rules never gain trust by being rewritten.
  const base: Settings = current?.trusted ? current.settings : {};
  const allow = base.permissions?.allow ?? [];
  const next: Settings = allow.includes(rule)
    ? base
    : { ...base, permissions: { ...base.permissions, allow: [...allow, rule] } };
  const text = `${JSON.stringify(next, null, 2)}\n`;
  writeReplacing(file, text);
  const trust = readTrust(home);
  trust[resolve(file)] = fingerprint(text);
  mkdirSync(home, { recursive: true });
  writeReplacing(trustFile(home), `${JSON.stringify(trust, null, 2)}\n`, 0o600);
  return file;
}

/** `.pincer/.gitignore` lists settings.local.json, so the rules stay on this machine. */
function ensureGitIgnored(dir: string): void {
  const file = join(dir, ".gitignore");
  if (isLink(file)) return;
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (current.split(/\r?\n/).some((line) => line.trim() === LOCAL_SETTINGS || line.trim() === `/${LOCAL_SETTINGS}`))
    return;
  const separator = current && !current.endsWith("\n") ? "\n" : "";
  writeReplacing(file, `${current}${separator}${LOCAL_SETTINGS}\n`);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Writes a file by creating a fresh temporary file beside it (never following a link) and renaming
 * it over the target: a symlink planted at the target is replaced, not written through.
 */
function writeReplacing(file: string, text: string, mode = 0o644): void {
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
