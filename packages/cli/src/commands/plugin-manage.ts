import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { type ClaudePlugin, isClaudePlugin, readClaudePlugin } from "@pincer/claude-code";
import { installClaudePlugin, installMarketplacePlugin, marketplaceNames } from "@pincer/claude-code/install";
import {
  type CapabilityId,
  capabilityIds,
  claudePluginDir,
  describeCapability,
  displayExact,
  displayLine,
  isDirectory,
  jsonForTerminal,
  type LockedClaudePlugin,
  type LockedPlugin,
  MAX_SHOWN_DESCRIPTION,
  parseCapabilityId,
  readClaudeLock,
  readLockfile,
} from "@pincer/host";
import {
  type ClaudeConsentRequest,
  type ClaudePluginSource,
  ConsentRefusedError,
  type ConsentRequest,
  PluginInstaller,
  removeClaudePlugin,
  setClaudePluginEnabled,
} from "@pincer/host/install";
import { builtinManifests, UsageError } from "@pincer/runtime";
import { createStyle } from "../output/style.js";
import { VERSION } from "../version.js";

import { claudeUpdateCommand } from "./plugin-claude-update.js";

export {
  marketplaceAddCommand,
  marketplaceListCommand,
  marketplaceRemoveCommand,
  marketplaceUpdateCommand,
  searchCommand,
} from "./plugin-marketplace.js";
export { claudeUpdateCommand };

export interface ManageOptions {
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  registry?: string;
  /** Grant what is asked without a prompt (headless). */
  yes?: boolean;
}

const stderr = process.stderr;
const style = createStyle(stderr);

export function createInstaller(options: ManageOptions): PluginInstaller {
  return new PluginInstaller({
    home: options.home,
    cwd: options.cwd,
    env: options.env,
    ...(options.registry ? { registry: options.registry } : {}),
    pincerVersion: VERSION,
    builtins: builtinManifests(),
    onProgress: (line) => stderr.write(`${style.dim(`… ${line}`)}\n`),
    consent: (request) => askConsent(request, options.yes ?? false),
  });
}

/**
 * Shows what a plugin asks for in plain words and gets a yes: from --yes, or from the user. What
 * it asks to do comes first, under a title made of the manifest's checked name and version, so
 * nothing the plugin wrote can push it off screen; its description follows as one capped line
 * of plain text (see displayLine), never able to move the cursor or hide what is above it.
 */
export async function askConsent(request: ConsentRequest, yes: boolean): Promise<boolean> {
  const title = style.bold(`${displayLine(request.name, 214)}@${displayLine(request.version, 64)}`);
  const description = displayLine(request.description, MAX_SHOWN_DESCRIPTION);
  const about = description ? `  Its manifest describes it as: ${description}\n` : "";
  stderr.write(`\n${title}\n`);
  const hooks = request.hooks ?? [];
  if (request.capabilities.length === 0 && hooks.length === 0) {
    stderr.write(
      `  asks for no capabilities: it can compute, but touch no files, network, commands or environment.\n${about}\n`,
    );
    return true;
  }
  stderr.write(
    request.updateFrom ? `  Since ${displayLine(request.updateFrom, 64)}, it also asks to:\n` : "  It asks to:\n",
  );
  // Hooks first: what it may see and steer in every session, whatever it may touch.
  for (const line of [...hooks, ...request.lines]) stderr.write(`    • ${displayLine(line, 1200)}\n`);
  stderr.write(`${about}\n`);
  if (yes) {
    stderr.write(`${style.green("✓")} granted (--yes)\n`);
    return true;
  }
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `${request.name} needs your consent for the capabilities above. Run again with --yes to grant them, or in a terminal to be asked.`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: stderr });
  try {
    const answer = await prompt.question(
      request.updateFrom ? "Update and grant these? [y/N] " : "Install and grant these? [y/N] ",
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

export async function installCommand(specs: string[], options: ManageOptions): Promise<void> {
  const installer = createInstaller(options);
  for (const spec of specs) {
    const claude = claudeSource(spec, options);
    if (claude) {
      await installClaude(claude, options);
      continue;
    }
    try {
      const result = await installer.install(spec);
      const verb = result.previousVersion ? `Reinstalled (was ${result.previousVersion})` : "Installed";
      process.stdout.write(`${verb} ${result.name}@${result.version}\n`);
    } catch (error) {
      if (error instanceof ConsentRefusedError) throw new UsageError(error.message);
      throw error;
    }
  }
}

export async function updateCommand(name: string | undefined, options: ManageOptions): Promise<void> {
  const claude = Object.keys(readClaudeLock(options.home).plugins);
  if (name && claude.includes(name)) {
    await claudeUpdateCommand([name], options);
    return;
  }
  const results = await createInstaller(options).update(name);
  if (results.length === 0 && (name || claude.length === 0)) process.stdout.write("No installed plugins to update.\n");
  for (const result of results) {
    const change =
      result.previousVersion === result.version
        ? `${result.name} is up to date (${result.version})`
        : `Updated ${result.name} ${result.previousVersion} → ${result.version}`;
    process.stdout.write(`${change}\n`);
  }
  if (!name && claude.length > 0) await claudeUpdateCommand(claude, options);
}

/**
 * `pincer plugin enable|disable <name>` (Claude Code's `/plugin enable|disable`, which also takes
 * `<name>@<marketplace>`): a disabled Claude Code plugin stays installed but is not loaded.
 */
export function enableCommand(spec: string, enabled: boolean, options: ManageOptions): void {
  const at = spec.lastIndexOf("@");
  const name = at > 0 ? spec.slice(0, at) : spec;
  if (!setClaudePluginEnabled(options.home, name, enabled)) {
    const known = Object.keys(readClaudeLock(options.home).plugins);
    throw new UsageError(
      `No Claude Code plugin named ${name} is installed${known.length ? ` (installed: ${known.join(", ")})` : ""}. Pincer plugins are narrowed with pincer plugin revoke.`,
    );
  }
  process.stdout.write(
    enabled
      ? `Enabled ${name}: new sessions load it.\n`
      : `Disabled ${name}: it stays installed; new sessions leave it out.\n`,
  );
}

export function removeCommand(name: string, options: ManageOptions): void {
  if (removeClaudePlugin(options.home, name)) {
    process.stdout.write(`Removed ${name} (Claude Code plugin)\n`);
    return;
  }
  createInstaller(options).remove(name);
  process.stdout.write(`Removed ${name}\n`);
}

export function grantCommand(name: string, capabilities: string[], options: ManageOptions, revoke = false): void {
  const ids: CapabilityId[] | "all" =
    capabilities.length === 1 && capabilities[0] === "all" ? "all" : capabilities.map(parseCapabilityId);
  const installer = createInstaller(options);
  const entry = revoke ? installer.revoke(name, ids) : installer.grant(name, ids);
  process.stdout.write(`${name} is granted: ${entry.granted.join(", ") || "nothing"}\n`);
}

interface ListedPlugin {
  name: string;
  version: string;
  /** "pincer": a sandboxed Pincer plugin; "claude-code": a Claude Code plugin (markdown, hooks, MCP). */
  kind: "pincer" | "claude-code";
  source: string;
  granted: CapabilityId[];
  withheld: CapabilityId[];
  /** For a Claude Code plugin: installed but not loaded. */
  disabled?: boolean;
  /** For a Claude Code plugin: what it brings. */
  brings?: { commands: number; agents: number; skills: number; hooks: string[]; mcpServers: string[] };
}

/** Built-ins first, then installed plugins; each with what it is granted and what it is not. */
export function listCommand(options: ManageOptions & { json?: boolean }): void {
  const lock = readLockfile(options.home);
  const listed: ListedPlugin[] = [];
  for (const manifest of builtinManifests()) {
    const declared = capabilityIds(manifest.capabilities);
    const granted = lock.plugins[manifest.name]?.granted ?? declared;
    listed.push(row(manifest.name, manifest.version, "built-in", declared, granted));
  }
  for (const [name, entry] of Object.entries(lock.plugins)) {
    if (entry.source.type === "builtin") continue;
    listed.push(row(name, entry.version, describeSource(entry), entry.declared, entry.granted));
  }
  for (const [name, entry] of Object.entries(readClaudeLock(options.home).plugins)) {
    listed.push(claudeRow(options.home, name, entry));
  }
  if (options.json) {
    process.stdout.write(`${jsonForTerminal(listed)}\n`);
    return;
  }
  // Names, paths and commands here come from manifests and plugin files: each is shown as plain text.
  for (const plugin of listed) {
    const off = plugin.disabled ? `  ${style.yellow("disabled")}` : "";
    process.stdout.write(
      `${displayLine(plugin.name, 214)}@${displayLine(plugin.version, 64)}  ${style.dim(displayLine(plugin.source, 400))}${off}\n`,
    );
    if (plugin.brings) {
      const { commands, agents, skills, hooks, mcpServers } = plugin.brings;
      process.stdout.write(`    ${commands} commands, ${agents} agents, ${skills} skills\n`);
      for (const hook of hooks) process.stdout.write(`    hook ${displayExact(hook)}\n`);
      for (const server of mcpServers) process.stdout.write(`    MCP server ${displayLine(server, 200)}\n`);
      continue;
    }
    if (plugin.granted.length === 0 && plugin.withheld.length === 0) process.stdout.write("    no capabilities\n");
    for (const id of plugin.granted)
      process.stdout.write(`    ${style.green("✓")} ${displayLine(id, 1200)}  ${style.dim(describeCapability(id))}\n`);
    for (const id of plugin.withheld)
      process.stdout.write(`    ${style.red("✗")} ${displayLine(id, 1200)}  ${style.dim("revoked")}\n`);
  }
}

function row(
  name: string,
  version: string,
  source: string,
  declared: CapabilityId[],
  granted: CapabilityId[],
): ListedPlugin {
  return {
    name,
    version,
    kind: "pincer",
    source,
    granted,
    withheld: declared.filter((id) => !granted.includes(id)),
  };
}

function claudeRow(home: string, name: string, entry: LockedClaudePlugin): ListedPlugin {
  const source = entry.source;
  const from =
    source.type === "marketplace"
      ? `claude-code from marketplace ${source.marketplace}${source.commit ? ` at ${source.commit.slice(0, 12)}` : ""}`
      : source.type === "git"
        ? `claude-code from ${source.marketplace ? `marketplace ${source.marketplace}, ` : ""}${source.url}${source.path ? ` ${source.path}` : ""} at ${source.commit.slice(0, 12)}`
        : `claude-code directory ${source.path}`;
  const listed: ListedPlugin = {
    name,
    version: entry.version,
    kind: "claude-code",
    source: from,
    granted: [],
    withheld: [],
    ...(entry.disabled ? { disabled: true } : {}),
  };
  try {
    const plugin = readClaudePlugin(claudePluginDir(home, name));
    listed.brings = {
      commands: plugin.commands.length,
      agents: plugin.agentFiles.length,
      skills: plugin.skillNames.length,
      hooks: plugin.hooks.map((hook) => `${hook.event}${hook.matcher ? ` (${hook.matcher})` : ""}: ${hook.command}`),
      mcpServers: Object.keys(plugin.mcpServers).map((server) => `plugin_${name}_${server}`),
    };
  } catch (error) {
    listed.source += ` (cannot be read: ${(error as Error).message})`;
  }
  return listed;
}

// ---- Claude Code plugins (marketplaces: plugin-marketplace.ts).

/**
 * A Claude Code plugin to install, when `spec` names one: a folder that is a Claude Code plugin
 * (and no Pincer plugin), or `<plugin>@<marketplace>` for an added marketplace.
 */
function claudeSource(
  spec: string,
  options: ManageOptions,
): { dir: string; source: ClaudePluginSource } | { plugin: string; marketplace: string } | undefined {
  const dir = resolve(options.cwd, spec);
  if (isDirectory(dir) && isClaudePlugin(dir)) return { dir, source: { type: "directory", path: dir } };
  const at = /^([A-Za-z0-9][A-Za-z0-9_.-]*)@([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(spec);
  if (!at || !marketplaceNames(options.home).includes(at[2]!)) return undefined;
  return { plugin: at[1]!, marketplace: at[2]! };
}

async function installClaude(
  what: { dir: string; source: ClaudePluginSource } | { plugin: string; marketplace: string },
  options: ManageOptions,
): Promise<void> {
  const consent = (request: ClaudeConsentRequest<ClaudePlugin>) => askClaudeConsent(request, options.yes ?? false);
  try {
    const result =
      "dir" in what
        ? await installClaudePlugin(what.dir, { home: options.home, source: what.source, consent })
        : await installMarketplacePlugin(options.home, what.plugin, what.marketplace, { consent });
    const verb = result.previousVersion ? `Reinstalled (was ${result.previousVersion})` : "Installed";
    const source: ClaudePluginSource | undefined =
      "source" in result ? (result.source as ClaudePluginSource) : undefined;
    const commit = source && "commit" in source ? source.commit : undefined;
    const at = commit ? ` at ${commit.slice(0, 12)}` : "";
    process.stdout.write(`${verb} ${result.name}@${result.version} (Claude Code plugin)${at}\n`);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Shows everything a Claude Code plugin brings (every hook's exact shell command) and what Pincer
 * will not honour, then gets a yes. A plugin that runs no command (no hooks, no MCP servers) needs none.
 */
export async function askClaudeConsent(request: ClaudeConsentRequest<ClaudePlugin>, yes: boolean): Promise<boolean> {
  const { plugin } = request;
  // What it brings first; every string is the plugin's, so shown as plain text, commands exactly.
  stderr.write(
    `\n${style.bold(`${displayLine(plugin.name, 214)}@${displayLine(plugin.version, 64)}`)} (Claude Code plugin)\n`,
  );
  if (request.updateFrom) stderr.write(`  Replaces the installed ${displayLine(request.updateFrom, 64)}.\n`);
  stderr.write("  It brings:\n");
  for (const line of request.lines) stderr.write(`    • ${displayExact(line)}\n`);
  for (const line of request.unsupported)
    stderr.write(`  ${style.yellow("!")} not supported: ${displayLine(line, 300)}\n`);
  const description = displayLine(plugin.description, MAX_SHOWN_DESCRIPTION);
  if (description) stderr.write(`  Its manifest describes it as: ${description}\n`);
  const runsCommands = plugin.hooks.length > 0 || Object.keys(plugin.mcpServers).length > 0;
  if (!runsCommands) {
    stderr.write("  It runs no commands of its own: its commands, agents and skills are prompts.\n\n");
    return true;
  }
  stderr.write(
    "  Hook and MCP server commands run as your processes (hooks in the OS sandbox where there is one), not in the plugin sandbox.\n\n",
  );
  if (yes) {
    stderr.write(`${style.green("✓")} accepted (--yes)\n`);
    return true;
  }
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `${plugin.name} runs the commands above. Run again with --yes to accept them, or in a terminal to be asked. Nothing was installed.`,
    );
  }
  const prompt = createInterface({ input: process.stdin, output: stderr });
  try {
    const answer = await prompt.question("Install and let it run these commands? [y/N] ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

function describeSource(entry: LockedPlugin): string {
  switch (entry.source.type) {
    case "registry":
      return `from ${entry.source.registry}`;
    case "builtin":
      return "built-in";
    default:
      return `${entry.source.type} ${entry.source.path}`;
  }
}
