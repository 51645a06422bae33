import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import {
  type ClaudeLockfile,
  type ClaudePluginSource,
  claudeIntegrityMatches,
  claudePluginDir,
  claudePluginsDir,
  folderIntegrity,
  isRuntimeCache,
  type LockedClaudePlugin,
  readClaudeLock,
  writeClaudeLock,
} from "./claude-plugin-lock.js";

/**
 * Installing Claude Code plugins: Pincer copies a plugin folder into
 * `PINCER_HOME/claude-plugins/<name>/` after the user has seen, in plain words, everything it
 * brings, above all the shell commands its hooks run. These run as the user's processes (in
 * the OS sandbox where there is one), not in the plugin isolate: consent is the gate, and the
 * lockfile's integrity keeps what was consented to. Reading the folder (its manifest, commands,
 * agents, skills, hooks, MCP servers) is @pincer/claude-code's, which passes its reader in.
 *
 * This file is light (no tar, no esbuild): sessions find the installed plugins through it.
 */

export {
  type ClaudeLockfile,
  type ClaudePluginSource,
  claudeIntegrityMatches,
  claudeLockPath,
  claudePluginDataDir,
  claudePluginDir,
  claudePluginsDir,
  folderIntegrity,
  isRuntimeCache,
  type LockedClaudePlugin,
  readClaudeLock,
} from "./claude-plugin-lock.js";

/** What the installer needs of a read plugin folder (@pincer/claude-code's ClaudePlugin has more). */
export interface ClaudePluginIdentity {
  name: string;
  version: string;
  /** The plugin's folder. */
  root: string;
  /** What the plugin asks for that Pincer does not do: said at install, never silently dropped. */
  unsupported: string[];
}

export interface ClaudeConsentRequest<P extends ClaudePluginIdentity = ClaudePluginIdentity> {
  plugin: P;
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
  /** Set when `unlessIntegrity` matched: the files are those already installed, nothing changed. */
  unchanged?: boolean;
}

/**
 * Copies a Claude Code plugin folder into PINCER_HOME after consent; refused or failed, nothing
 * changes. The copy skips `.git` and `node_modules`.
 */
export async function installClaudePluginFolder<P extends ClaudePluginIdentity>(
  folder: string,
  options: {
    home: string;
    source?: ClaudePluginSource;
    /** Reads a plugin folder; throws on one that is broken. */
    read(dir: string): P;
    /** Plain-words lines for the consent prompt: everything the plugin brings. */
    describe(plugin: P): string[];
    consent(request: ClaudeConsentRequest<P>): Promise<boolean>;
    /** An update: when the copy's integrity is this (the installed one's), nothing is asked or changed. */
    unlessIntegrity?: string;
    /**
     * A plugin.json to write into the copy (a marketplace entry that defines or adds to the
     * plugin's components, Claude Code's `strict`): what sessions then read is what was consented to.
     */
    manifest?: Record<string, unknown>;
  },
): Promise<ClaudeInstallResult> {
  const from = resolve(folder);
  // A broken folder is refused before anything is copied (unless the manifest to write makes it a plugin).
  if (!options.manifest) options.read(from);
  const root = claudePluginsDir(options.home);
  mkdirSync(root, { recursive: true });
  const staging = join(root, `.staging-${process.pid}-${Date.now()}`);
  try {
    cpSync(from, staging, {
      recursive: true,
      dereference: true,
      filter: (path) => {
        const rel = relative(from, path);
        return !/(^|[\\/])(\.git|node_modules)$/.test(rel) && !isRuntimeCache(rel);
      },
    });
    if (options.manifest) {
      mkdirSync(join(staging, ".claude-plugin"), { recursive: true });
      writeFileSync(join(staging, ".claude-plugin", "plugin.json"), `${JSON.stringify(options.manifest, null, 2)}\n`);
    }
    // What is consented to is the copy: read it from there.
    const copy = options.read(staging);
    const plugin = copy;
    if (options.unlessIntegrity && folderIntegrity(staging) === options.unlessIntegrity) {
      return { name: copy.name, version: copy.version, unsupported: copy.unsupported, unchanged: true };
    }
    const lock = readClaudeLock(options.home);
    const previous = lock.plugins[plugin.name];
    const consented = await options.consent({
      plugin: { ...copy, root: claudePluginDir(options.home, plugin.name) },
      ...(previous ? { updateFrom: previous.version } : {}),
      lines: options.describe(copy),
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
      ...(previous?.disabled ? { disabled: true } : {}),
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
 * Claude Code's `/plugin enable|disable`: a disabled plugin stays installed (files, consent,
 * integrity) but no session loads it. False when none has that name.
 */
export function setClaudePluginEnabled(home: string, name: string, enabled: boolean): boolean {
  const lock = readClaudeLock(home);
  const entry = lock.plugins[name];
  if (!entry) return false;
  if (enabled) delete entry.disabled;
  else entry.disabled = true;
  writeClaudeLock(home, lock);
  return true;
}

/**
 * The installed plugins a session may use, read by `read` (@pincer/claude-code's reader), but
 * the disabled ones. One whose files changed since the user consented (its integrity no longer matches) or that cannot
 * be read is left out with a warning.
 */
export function loadConsentedClaudePlugins<P>(
  home: string,
  warnings: string[],
  read: (dir: string, entry: LockedClaudePlugin & { name: string }) => P,
): P[] {
  let lock: ClaudeLockfile;
  try {
    lock = readClaudeLock(home);
  } catch (error) {
    warnings.push((error as Error).message);
    return [];
  }
  const plugins: P[] = [];
  for (const [name, entry] of Object.entries(lock.plugins)) {
    if (entry.disabled) continue;
    const dir = claudePluginDir(home, name);
    try {
      if (!claudeIntegrityMatches(dir, entry.integrity)) {
        warnings.push(
          `Claude Code plugin ${name} was not loaded: its files in ${dir} changed since you installed it. Reinstall it (pincer plugin install) to review and accept it again.`,
        );
        continue;
      }
      plugins.push(read(dir, { ...entry, name }));
    } catch (error) {
      warnings.push(`Claude Code plugin ${name} was not loaded: ${(error as Error).message}`);
    }
  }
  return plugins;
}
