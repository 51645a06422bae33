import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { isRuntimeCache } from "@pincer/host";
import type { ClaudePlugin } from "./claude-plugin-read.js";

/**
 * What an update of a Claude Code plugin changes, for the user to see before it replaces the
 * installed one. Its commands, agents and skills are prompts; its hooks and MCP servers run
 * commands on this machine, and so do the files they run. An update that adds or changes a hook or
 * a server, or changes any file besides Markdown, needs the user's consent again; one that only
 * edits prompts or removes things does not.
 */

export interface PluginChange {
  /** "command /x", "agent x", "skill x", "hook …", "MCP server …" lines, new in the update. */
  added: string[];
  removed: string[];
  /** Files whose bytes differ (added, removed or edited), relative to the plugin's folder. */
  files: string[];
  /** Whether it runs something the user has not accepted: a new or changed hook or server, or a changed non-Markdown file. */
  needsConsent: boolean;
}

export function diffClaudePlugins(before: ClaudePlugin | undefined, after: ClaudePlugin): PluginChange {
  const was = new Set(before ? items(before) : []);
  const now = new Set(items(after));
  const added = [...now].filter((item) => !was.has(item));
  const removed = [...was].filter((item) => !now.has(item));
  const old = before ? fileDigests(before.root) : new Map<string, string>();
  const fresh = fileDigests(after.root);
  const files = [...new Set([...old.keys(), ...fresh.keys()])]
    .filter((file) => old.get(file) !== fresh.get(file))
    .sort();
  const runs = (item: string) => item.startsWith("hook ") || item.startsWith("MCP server ");
  const needsConsent = !before || added.some(runs) || files.some((file) => fresh.has(file) && !/\.md$/i.test(file));
  return { added, removed, files, needsConsent };
}

function items(plugin: ClaudePlugin): string[] {
  return [
    ...plugin.commands.map((command) => `command /${command.name}`),
    ...plugin.agentFiles.map((file) => `agent file ${relative(plugin.root, file)}`),
    ...plugin.skillNames.map((skill) => `skill ${skill}`),
    ...plugin.hooks.map(
      (hook) => `hook ${hook.event}${hook.matcher ? ` on ${hook.matcher}` : ""} runs: ${hook.command}`,
    ),
    ...Object.entries(plugin.mcpServers).map(
      ([name, server]) =>
        `MCP server ${name} runs: ${server.command ? [server.command, ...(server.args ?? [])].join(" ") : server.url}`,
    ),
  ];
}

/** sha256 of every file under `root` but git's folder, node_modules, runtime caches and plugin.json. */
function fileDigests(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join("/");
      if (entry.name === ".git" || entry.name === "node_modules" || isRuntimeCache(rel)) continue;
      // A marketplace entry may write the installed plugin.json; what it brings is compared above.
      if (rel === ".claude-plugin/plugin.json") continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.set(rel, createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk(root);
  return out;
}
