import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  type ClaudeLockfile,
  type ClaudePluginSource,
  claudePluginDir,
  claudePluginsDir,
  folderIntegrity,
  readClaudeLock,
  writeClaudeLock,
} from "./claude-plugin-lock.js";
import { type ClaudePlugin, readClaudePlugin } from "./claude-plugin-read.js";

/**
 * Claude Code plugins: a folder with `.claude-plugin/plugin.json` and conventional folders
 * (`commands/`, `agents/`, `skills/`, `hooks/hooks.json`, `.mcp.json`). Pincer copies one into
 * `PINCER_HOME/claude-plugins/<name>/` after the user has seen, in plain words, everything it
 * brings, above all the shell commands its hooks run. These run as the user's processes (in
 * the OS sandbox where there is one), not in the plugin isolate: consent is the gate.
 *
 * This file is light (no tar, no esbuild): sessions read installed plugins through it.
 */

// The pieces this entry composes, still exported from here: the host's index, install/index.ts
// and marketplace.ts import them from this file.
export { ClaudePluginError } from "./claude-plugin-files.js";
export { CLAUDE_HOOK_EVENTS, type ClaudeHookCommand, type ClaudeHookEvent } from "./claude-plugin-hooks.js";
export {
  type ClaudeLockfile,
  type ClaudePluginSource,
  claudeLockPath,
  claudePluginDir,
  claudePluginsDir,
  folderIntegrity,
  type LockedClaudePlugin,
  readClaudeLock,
} from "./claude-plugin-lock.js";
export type { ClaudeMcpServer } from "./claude-plugin-mcp.js";
export { CLAUDE_PLUGIN_MANIFEST, type ClaudePlugin, isClaudePlugin, readClaudePlugin } from "./claude-plugin-read.js";

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
