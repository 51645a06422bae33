import { existsSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { isDirectory, isFile, MANIFEST_FILE } from "@pincer/host";
import { ClaudePluginError, inside, listDirs, readJsonObject } from "./claude-plugin-files.js";
import { type ClaudeHookCommand, parseHooks } from "./claude-plugin-hooks.js";
import { type ClaudeMcpServer, parseMcp } from "./claude-plugin-mcp.js";
import { markdownTree } from "./markdown-tree.js";

/**
 * Reading a Claude Code plugin folder, per Claude Code's plugins reference: an optional
 * `.claude-plugin/plugin.json` and the conventional folders (`commands/`, `agents/`, `skills/`,
 * a root `SKILL.md`, `hooks/hooks.json`, `.mcp.json`), into what it brings. Nothing runs.
 */

export const CLAUDE_PLUGIN_MANIFEST = join(".claude-plugin", "plugin.json");

/** What one Claude Code plugin folder holds, read without running anything. */
export interface ClaudePlugin {
  name: string;
  version: string;
  description?: string;
  author?: string;
  /** The plugin's folder (its `${CLAUDE_PLUGIN_ROOT}`). */
  root: string;
  /**
   * Its persistent data folder (`${CLAUDE_PLUGIN_DATA}`), outside `root`, for an installed plugin:
   * where its hooks and servers keep state and caches (Python's bytecode included).
   */
  dataDir?: string;
  /** Markdown commands, each named `<plugin>:<subfolder>:…:<file>` as Claude Code names them. */
  commands: Array<{ name: string; file: string }>;
  /** Subagent files; each agent is named `<plugin>:<agent>`. */
  agentFiles: string[];
  /** Folders of `<skill>/SKILL.md` folders, or the plugin root when its skill is a root SKILL.md. */
  skillRoots: string[];
  skillNames: string[];
  hooks: ClaudeHookCommand[];
  mcpServers: Record<string, ClaudeMcpServer>;
  /** What the plugin asks for that Pincer does not do: said at install, never silently dropped. */
  unsupported: string[];
}

const KNOWN_FIELDS = [
  "$schema",
  "name",
  "displayName",
  "version",
  "description",
  "author",
  "homepage",
  "repository",
  "license",
  "keywords",
  "metadata",
  "commands",
  "agents",
  "skills",
  "hooks",
  "mcpServers",
];

/** Fields Claude Code knows that Pincer cannot honour yet. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  outputStyles: "output styles (outputStyles)",
  lspServers: "LSP servers (lspServers)",
  experimental: "experimental components (themes, monitors)",
  dependencies: "plugin dependencies (dependencies): install them yourself",
  userConfig: "user configuration (userConfig)",
  channels: "channels",
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Folders and files a plugin may consist of when it has no manifest. */
const CONVENTIONAL = ["commands", "agents", "skills", join("hooks", "hooks.json"), ".mcp.json", "SKILL.md"];

/**
 * Whether a folder is a Claude Code plugin: a `.claude-plugin/plugin.json`, or (the manifest is
 * optional) any of the conventional folders, and not a Pincer plugin.
 */
export function isClaudePlugin(dir: string): boolean {
  if (existsSync(join(dir, MANIFEST_FILE))) return false;
  return existsSync(join(dir, CLAUDE_PLUGIN_MANIFEST)) || CONVENTIONAL.some((entry) => existsSync(join(dir, entry)));
}

export interface ReadPluginOptions {
  /**
   * The name to use when plugin.json gives none or there is no plugin.json (a marketplace
   * entry's name); default: the folder's name, as Claude Code derives it.
   */
  name?: string;
  /** The version to use when plugin.json gives none (a marketplace entry's, or the commit installed). */
  version?: string;
  /** The manifest to use instead of the folder's plugin.json (a marketplace entry's components merged in). */
  manifest?: Record<string, unknown>;
}

/** Reads a plugin folder; a broken manifest, hooks file or .mcp.json is a ClaudePluginError naming the file. */
export function readClaudePlugin(root: string, options: ReadPluginOptions = {}): ClaudePlugin {
  const manifestFile = join(root, CLAUDE_PLUGIN_MANIFEST);
  const hasManifest = options.manifest !== undefined || isFile(manifestFile);
  if (!hasManifest && !isClaudePlugin(root)) {
    throw new ClaudePluginError(
      `${root} is not a Claude Code plugin: it has no ${CLAUDE_PLUGIN_MANIFEST} and none of ${CONVENTIONAL.join(", ")}`,
    );
  }
  const manifest = options.manifest ?? (hasManifest ? readJsonObject(manifestFile) : {});
  const where = hasManifest ? manifestFile : root;
  const fail = (why: string): never => {
    throw new ClaudePluginError(`${where}: ${why}`);
  };
  const name = manifest.name ?? options.name ?? basename(root);
  if (typeof name !== "string" || !NAME.test(name)) {
    fail(
      `"name" must be letters, digits, -, _ or . (kebab-case, e.g. "code-review"), got ${JSON.stringify(name ?? null)}`,
    );
  }
  const text = (field: string): string | undefined => {
    const value = manifest[field];
    if (value === undefined) return undefined;
    if (typeof value !== "string") fail(`"${field}" must be a string`);
    return value as string;
  };
  const version = text("version") ?? options.version ?? "0.0.0";
  const description = text("description");
  const author = describeAuthor(manifest.author);
  const unsupported: string[] = [];
  for (const key of Object.keys(manifest)) {
    if (UNSUPPORTED_FIELDS[key]) unsupported.push(UNSUPPORTED_FIELDS[key]!);
    else if (!KNOWN_FIELDS.includes(key)) unsupported.push(`the plugin.json field "${key}" (unknown to Pincer)`);
  }
  const paths = (field: string): string[] | undefined => {
    const value = manifest[field];
    if (value === undefined) return undefined;
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
      return fail(`"${field}" must be a path or a list of paths`);
    }
    return (list as string[]).map((item) => inside(root, item, `${manifestFile}: "${field}"`));
  };
  const missing = (field: string, path: string) =>
    unsupported.push(`the ${field} path ${relative(root, path) || "."} (it does not exist)`);

  // Commands and agents: a manifest path replaces the default folder (Claude Code's path rules).
  const commands: ClaudePlugin["commands"] = [];
  const addCommands = (dir: string) => {
    for (const entry of markdownTree(dir)) commands.push({ name: `${name}:${entry.name}`, file: entry.file });
  };
  const commandPaths = paths("commands");
  if (!commandPaths) addCommands(join(root, "commands"));
  for (const path of commandPaths ?? []) {
    if (isDirectory(path)) addCommands(path);
    else if (isFile(path) && path.endsWith(".md"))
      commands.push({ name: `${name}:${basename(path, ".md")}`, file: path });
    else missing("commands", path);
  }
  const agentFiles: string[] = [];
  const agentPaths = paths("agents");
  for (const path of agentPaths ?? [join(root, "agents")]) {
    if (isDirectory(path)) agentFiles.push(...markdownTree(path).map((entry) => entry.file));
    else if (isFile(path)) agentFiles.push(path);
    else if (agentPaths) missing("agents", path);
  }

  // Skills: the default folder always, plus manifest paths; a root SKILL.md is a single-skill plugin.
  const skillRoots = [join(root, "skills")].filter(isDirectory);
  for (const path of paths("skills") ?? []) {
    if (isDirectory(path)) skillRoots.push(path);
    else missing("skills", path);
  }
  if (skillRoots.length === 0 && isFile(join(root, "SKILL.md"))) skillRoots.push(root);
  const skillNames = skillRoots.flatMap((dir) =>
    isFile(join(dir, "SKILL.md"))
      ? [basename(dir)]
      : listDirs(dir).filter((folder) => isFile(join(dir, folder, "SKILL.md"))),
  );

  const hooks: ClaudeHookCommand[] = [];
  for (const source of componentSources(manifest, "hooks", join(root, "hooks", "hooks.json"), paths, manifestFile)) {
    parseHooks(source.value, source.where, hooks, unsupported);
  }
  const mcpServers: Record<string, ClaudeMcpServer> = {};
  for (const source of componentSources(manifest, "mcpServers", join(root, ".mcp.json"), paths, manifestFile)) {
    parseMcp(source.value, source.where, mcpServers);
  }
  return {
    name: name as string,
    version,
    ...(description ? { description } : {}),
    ...(author ? { author } : {}),
    root,
    commands,
    agentFiles: [...new Set(agentFiles)],
    skillRoots,
    skillNames,
    hooks,
    mcpServers,
    unsupported,
  };
}

/** Hooks and MCP servers: the default file, plus a manifest path (or list of paths) or an inline object. */
function componentSources(
  manifest: Record<string, unknown>,
  field: "hooks" | "mcpServers",
  defaultFile: string,
  paths: (field: string) => string[] | undefined,
  manifestFile: string,
): Array<{ where: string; value: unknown }> {
  const sources: Array<{ where: string; value: unknown }> = [];
  if (isFile(defaultFile)) sources.push({ where: defaultFile, value: readJsonObject(defaultFile) });
  const value = manifest[field];
  if (typeof value === "string" || Array.isArray(value)) {
    for (const path of paths(field) ?? []) {
      if (path !== defaultFile) sources.push({ where: path, value: readJsonObject(path) });
    }
  } else if (value !== undefined) {
    const inline = field === "mcpServers" ? { mcpServers: value } : value;
    sources.push({ where: `${manifestFile} "${field}"`, value: inline });
  }
  return sources;
}

function describeAuthor(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string") {
    const { name, email } = value as { name: string; email?: unknown };
    return typeof email === "string" ? `${name} <${email}>` : name;
  }
  return undefined;
}
