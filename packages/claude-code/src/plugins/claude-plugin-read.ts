import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { isDirectory, isFile, MANIFEST_FILE } from "@pincer/host";
import { ClaudePluginError, inside, listDirs, mdFiles, readJsonObject } from "./claude-plugin-files.js";
import { type ClaudeHookCommand, parseHooks } from "./claude-plugin-hooks.js";
import { type ClaudeMcpServer, parseMcp } from "./claude-plugin-mcp.js";

/**
 * Reading a Claude Code plugin folder: its `.claude-plugin/plugin.json` and conventional folders
 * (`commands/`, `agents/`, `skills/`, `hooks/hooks.json`, `.mcp.json`), into what it brings.
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
