import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { isDirectory, isFile } from "../fs-probe.js";
import { MANIFEST_FILE } from "../manifest.js";
import { sha512 } from "./integrity.js";

/**
 * Claude Code plugins: a folder with `.claude-plugin/plugin.json` and conventional folders
 * (`commands/`, `agents/`, `skills/`, `hooks/hooks.json`, `.mcp.json`). Pincer copies one into
 * `PINCER_HOME/claude-plugins/<name>/` after the user has seen, in plain words, everything it
 * brings, above all the shell commands its hooks run. These run as the user's processes (in
 * the OS sandbox where there is one), not in the plugin isolate: consent is the gate.
 *
 * This file is light (no tar, no esbuild): sessions read installed plugins through it.
 */

export const CLAUDE_PLUGIN_MANIFEST = join(".claude-plugin", "plugin.json");

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

export interface ClaudeMcpServer {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  type?: string;
  url?: string;
  headers?: Record<string, string>;
}

/** What one Claude Code plugin folder holds, read without running anything. */
export interface ClaudePlugin {
  name: string;
  version: string;
  description?: string;
  author?: string;
  /** The plugin's folder (its `${CLAUDE_PLUGIN_ROOT}`). */
  root: string;
  /** `commands/*.md` and any the manifest adds. */
  commandFiles: string[];
  /** Folders of `<name>.md` subagents. */
  agentDirs: string[];
  agentFiles: string[];
  /** Folders of `<skill>/SKILL.md`. */
  skillDirs: string[];
  skillNames: string[];
  hooks: ClaudeHookCommand[];
  mcpServers: Record<string, ClaudeMcpServer>;
  /** What the plugin asks for that Pincer does not do: said at install, never silently dropped. */
  unsupported: string[];
}

export class ClaudePluginError extends Error {
  override name = "ClaudePluginError";
}

const KNOWN_FIELDS = [
  "name",
  "version",
  "description",
  "author",
  "homepage",
  "repository",
  "license",
  "keywords",
  "commands",
  "agents",
  "hooks",
  "mcpServers",
];
/** Fields Claude Code knows that Pincer cannot honour yet. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  outputStyles: "output styles (outputStyles)",
  lspServers: "LSP servers (lspServers)",
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isClaudePlugin(dir: string): boolean {
  return existsSync(join(dir, CLAUDE_PLUGIN_MANIFEST)) && !existsSync(join(dir, MANIFEST_FILE));
}

/** Reads a plugin folder; a broken manifest, hooks file or .mcp.json is a ClaudePluginError naming the file. */
export function readClaudePlugin(root: string): ClaudePlugin {
  const manifestFile = join(root, CLAUDE_PLUGIN_MANIFEST);
  const manifest = readJsonObject(manifestFile);
  const fail = (why: string): never => {
    throw new ClaudePluginError(`${manifestFile}: ${why}`);
  };
  const name = manifest.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    fail(
      `"name" must be letters, digits, - or _ (kebab-case, e.g. "code-review"), got ${JSON.stringify(name ?? null)}`,
    );
  }
  const text = (field: string): string | undefined => {
    const value = manifest[field];
    if (value === undefined) return undefined;
    if (typeof value !== "string") fail(`"${field}" must be a string`);
    return value as string;
  };
  const version = text("version") ?? "0.0.0";
  const description = text("description");
  const author = describeAuthor(manifest.author);
  const unsupported: string[] = [];
  for (const key of Object.keys(manifest)) {
    if (UNSUPPORTED_FIELDS[key]) unsupported.push(UNSUPPORTED_FIELDS[key]!);
    else if (!KNOWN_FIELDS.includes(key)) unsupported.push(`the plugin.json field "${key}" (unknown to Pincer)`);
  }
  // Path overrides add to the conventional folders, as in Claude Code; each must stay inside.
  const paths = (field: string): string[] => {
    const value = manifest[field];
    if (value === undefined) return [];
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
      return fail(`"${field}" must be a path or a list of paths`);
    }
    return (list as string[]).map((item) => inside(root, item, `${manifestFile}: "${field}"`));
  };

  const commandFiles = new Set<string>(mdFiles(join(root, "commands")));
  for (const path of paths("commands")) {
    if (isDirectory(path)) for (const file of mdFiles(path)) commandFiles.add(file);
    else if (isFile(path)) commandFiles.add(path);
    else unsupported.push(`the commands path ${relative(root, path)} (it does not exist)`);
  }
  const agentDirs = [join(root, "agents")].filter(isDirectory);
  const agentFiles = new Set<string>(agentDirs.flatMap(mdFiles));
  for (const path of paths("agents")) {
    if (isDirectory(path)) {
      agentDirs.push(path);
      for (const file of mdFiles(path)) agentFiles.add(file);
    } else if (isFile(path)) {
      agentDirs.push(dirname(path));
      agentFiles.add(path);
    } else unsupported.push(`the agents path ${relative(root, path)} (it does not exist)`);
  }
  const skillDirs = [join(root, "skills")].filter(isDirectory);
  const skillNames = skillDirs.flatMap((dir) =>
    listDirs(dir).filter((folder) => isFile(join(dir, folder, "SKILL.md"))),
  );

  const hooks: ClaudeHookCommand[] = [];
  const hookSources: Array<{ where: string; value: unknown }> = [];
  const hooksFile = join(root, "hooks", "hooks.json");
  if (isFile(hooksFile)) hookSources.push({ where: hooksFile, value: readJsonObject(hooksFile) });
  const hooksField = manifest.hooks;
  if (typeof hooksField === "string" || Array.isArray(hooksField)) {
    for (const path of paths("hooks")) {
      if (path !== hooksFile) hookSources.push({ where: path, value: readJsonObject(path) });
    }
  } else if (hooksField !== undefined) {
    hookSources.push({ where: `${manifestFile} "hooks"`, value: hooksField });
  }
  for (const source of hookSources) parseHooks(source.value, source.where, hooks, unsupported);

  const mcpServers: Record<string, ClaudeMcpServer> = {};
  const mcpSources: Array<{ where: string; value: unknown }> = [];
  const mcpFile = join(root, ".mcp.json");
  if (isFile(mcpFile)) mcpSources.push({ where: mcpFile, value: readJsonObject(mcpFile) });
  const mcpField = manifest.mcpServers;
  if (typeof mcpField === "string" || Array.isArray(mcpField)) {
    for (const path of paths("mcpServers")) {
      if (path !== mcpFile) mcpSources.push({ where: path, value: readJsonObject(path) });
    }
  } else if (mcpField !== undefined) {
    mcpSources.push({ where: `${manifestFile} "mcpServers"`, value: { mcpServers: mcpField } });
  }
  for (const source of mcpSources) parseMcp(source.value, source.where, mcpServers);

  return {
    name: name as string,
    version,
    ...(description ? { description } : {}),
    ...(author ? { author } : {}),
    root,
    commandFiles: [...commandFiles],
    agentDirs,
    agentFiles: [...agentFiles],
    skillDirs,
    skillNames,
    hooks,
    mcpServers,
    unsupported,
  };
}

function describeAuthor(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string") {
    const { name, email } = value as { name: string; email?: unknown };
    return typeof email === "string" ? `${name} <${email}>` : name;
  }
  return undefined;
}

function parseHooks(value: unknown, where: string, out: ClaudeHookCommand[], unsupported: string[]): void {
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

function parseMcp(value: unknown, where: string, out: Record<string, ClaudeMcpServer>): void {
  const object = value as Record<string, unknown>;
  // `.mcp.json` is `{ "mcpServers": { … } }`; a bare map of servers is accepted too.
  const servers = (object.mcpServers ?? object) as unknown;
  if (!servers || typeof servers !== "object" || Array.isArray(servers)) {
    throw new ClaudePluginError(`${where}: expected { "mcpServers": { "<name>": { "command": … } } }`);
  }
  for (const [name, entry] of Object.entries(servers as Record<string, unknown>)) {
    const server = entry as ClaudeMcpServer | null;
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) {
      throw new ClaudePluginError(`${where}: MCP server name "${name}" must be letters, digits, _ or -`);
    }
    if (
      !server ||
      typeof server !== "object" ||
      (typeof server.command !== "string" && typeof server.url !== "string")
    ) {
      throw new ClaudePluginError(`${where}: MCP server "${name}" needs a "command" (or a "url")`);
    }
    out[name] = server;
  }
}

/** Plain-words lines for the consent prompt: everything the plugin brings, hooks' exact commands included. */
export function describeClaudePlugin(plugin: ClaudePlugin): string[] {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const lines = [
    `${count(plugin.commandFiles.length, "command")}, ${count(plugin.agentFiles.length, "agent")}, ${count(plugin.skillNames.length, "skill")}`,
  ];
  for (const hook of plugin.hooks) {
    const on = hook.event === "PreToolUse" || hook.event === "PostToolUse" ? ` on ${hook.matcher ?? "every tool"}` : "";
    lines.push(`hook ${hook.event}${on} runs the shell command: ${hook.command}`);
  }
  for (const [name, server] of Object.entries(plugin.mcpServers)) {
    const what = server.command ? [server.command, ...(server.args ?? [])].join(" ") : `${server.url}`;
    lines.push(`MCP server ${name} runs: ${what}`);
  }
  return lines;
}

// ---- Installed plugins: PINCER_HOME/claude-plugins/<name>/, recorded in claude-plugins/lock.json.

export type ClaudePluginSource =
  | { type: "directory"; path: string }
  | { type: "marketplace"; marketplace: string; path: string };

export interface LockedClaudePlugin {
  version: string;
  source: ClaudePluginSource;
  /** sha512 over every file (path and bytes): checked at each session start. */
  integrity: string;
  installedAt: string;
}

export interface ClaudeLockfile {
  lockfileVersion: 1;
  plugins: Record<string, LockedClaudePlugin>;
}

export function claudePluginsDir(home: string): string {
  return join(home, "claude-plugins");
}

/** Plugin names have no dots, so `lock.json` never clashes with a plugin's folder. */
export function claudeLockPath(home: string): string {
  return join(claudePluginsDir(home), "lock.json");
}

export function claudePluginDir(home: string, name: string): string {
  return join(claudePluginsDir(home), name);
}

export function readClaudeLock(home: string): ClaudeLockfile {
  const file = claudeLockPath(home);
  if (!existsSync(file)) return { lockfileVersion: 1, plugins: {} };
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as ClaudeLockfile;
    if (json.lockfileVersion === 1 && json.plugins && typeof json.plugins === "object") return json;
  } catch {
    // Reported below.
  }
  throw new Error(`${file} is not a Claude Code plugin lockfile. Delete it and reinstall your Claude Code plugins.`);
}

function writeClaudeLock(home: string, lock: ClaudeLockfile): void {
  const file = claudeLockPath(home);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(lock, null, 2)}\n`);
  renameSync(temp, file);
}

/** sha512 of a folder: every file's relative path and bytes, in sorted order. */
export function folderIntegrity(root: string): string {
  const parts: Buffer[] = [];
  for (const file of walk(root)) {
    parts.push(Buffer.from(`${relative(root, file).split(sep).join("/")}\0`), readFileSync(file), Buffer.from("\0"));
  }
  return sha512(Buffer.concat(parts));
}

export interface ClaudeConsentRequest {
  plugin: ClaudePlugin;
  /** Set when this replaces an installed version. */
  updateFrom?: string;
  lines: string[];
  unsupported: string[];
}

export interface ClaudeInstallResult {
  name: string;
  version: string;
  previousVersion?: string;
  unsupported: string[];
}

/**
 * Copies a Claude Code plugin folder into PINCER_HOME after consent; refused or failed, nothing
 * changes. The copy skips `.git` and `node_modules`.
 */
export async function installClaudePlugin(
  folder: string,
  options: {
    home: string;
    source?: ClaudePluginSource;
    consent(request: ClaudeConsentRequest): Promise<boolean>;
  },
): Promise<ClaudeInstallResult> {
  const from = resolve(folder);
  const plugin = readClaudePlugin(from);
  const root = claudePluginsDir(options.home);
  mkdirSync(root, { recursive: true });
  const staging = join(root, `.staging-${process.pid}-${Date.now()}`);
  try {
    cpSync(from, staging, {
      recursive: true,
      dereference: true,
      filter: (path) => !/(^|[\\/])(\.git|node_modules)$/.test(relative(from, path)),
    });
    // What is consented to is the copy: read it again from there.
    const copy = readClaudePlugin(staging);
    const lock = readClaudeLock(options.home);
    const previous = lock.plugins[plugin.name];
    const consented = await options.consent({
      plugin: { ...copy, root: claudePluginDir(options.home, plugin.name) },
      ...(previous ? { updateFrom: previous.version } : {}),
      lines: describeClaudePlugin(copy),
      unsupported: copy.unsupported,
    });
    if (!consented) throw new ClaudeConsentRefusedError(`Nothing was installed: ${plugin.name} was not accepted.`);
    const integrity = folderIntegrity(staging);
    const target = claudePluginDir(options.home, plugin.name);
    const trash = `${staging}-old`;
    if (existsSync(target)) renameSync(target, trash);
    renameSync(staging, target);
    rmSync(trash, { recursive: true, force: true });
    lock.plugins[plugin.name] = {
      version: plugin.version,
      source: options.source ?? { type: "directory", path: from },
      integrity,
      installedAt: new Date().toISOString(),
    };
    writeClaudeLock(options.home, lock);
    return {
      name: plugin.name,
      version: plugin.version,
      ...(previous ? { previousVersion: previous.version } : {}),
      unsupported: copy.unsupported,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export class ClaudeConsentRefusedError extends Error {
  override name = "ConsentRefusedError";
}

/** Removes an installed Claude Code plugin; false when none has that name. */
export function removeClaudePlugin(home: string, name: string): boolean {
  const lock = readClaudeLock(home);
  if (!lock.plugins[name]) return false;
  delete lock.plugins[name];
  writeClaudeLock(home, lock);
  rmSync(claudePluginDir(home, name), { recursive: true, force: true });
  return true;
}

/**
 * The installed plugins a session uses. One whose files changed since the user consented (its
 * integrity no longer matches) or that cannot be read is left out with a warning.
 */
export function loadClaudePlugins(home: string, warnings: string[]): ClaudePlugin[] {
  let lock: ClaudeLockfile;
  try {
    lock = readClaudeLock(home);
  } catch (error) {
    warnings.push((error as Error).message);
    return [];
  }
  const plugins: ClaudePlugin[] = [];
  for (const [name, entry] of Object.entries(lock.plugins)) {
    const dir = claudePluginDir(home, name);
    try {
      if (folderIntegrity(dir) !== entry.integrity) {
        warnings.push(
          `Claude Code plugin ${name} was not loaded: its files in ${dir} changed since you installed it. Reinstall it (pincer plugin install) to review and accept it again.`,
        );
        continue;
      }
      plugins.push(readClaudePlugin(dir));
    } catch (error) {
      warnings.push(`Claude Code plugin ${name} was not loaded: ${(error as Error).message}`);
    }
  }
  return plugins;
}

// ---- Small file helpers.

function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ClaudePluginError(
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ClaudePluginError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new ClaudePluginError(`${file} must hold a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** A manifest path (`./x`) resolved under the plugin root; one that leaves it is an error. */
function inside(root: string, path: string, where: string): string {
  const full = resolve(root, path);
  if (isAbsolute(path) || (full !== root && !full.startsWith(root + sep))) {
    throw new ClaudePluginError(`${where}: ${path} points outside the plugin folder`);
  }
  return full;
}

function mdFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".md") && isFile(join(dir, name)))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => isDirectory(join(dir, name)))
      .sort();
  } catch {
    return [];
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
