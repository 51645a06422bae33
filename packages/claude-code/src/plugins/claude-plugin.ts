import { claudePluginDataDir, loadConsentedClaudePlugins } from "@pincer/host";
import { type ClaudePlugin, readClaudePlugin } from "./claude-plugin-read.js";

/**
 * Claude Code plugins: a folder with `.claude-plugin/plugin.json` and conventional folders
 * (`commands/`, `agents/`, `skills/`, `hooks/hooks.json`, `.mcp.json`), read here without running
 * anything. The host installs them (consent, lockfile, integrity); sessions use the installed ones.
 */

/** Plain-words lines for the consent prompt: everything the plugin brings, hooks' exact commands included. */
export function describeClaudePlugin(plugin: ClaudePlugin): string[] {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const lines = [
    `${count(plugin.commands.length, "command")}, ${count(plugin.agentFiles.length, "agent")}, ${count(plugin.skillNames.length, "skill")}`,
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

/**
 * The installed plugins a session uses. One whose files changed since the user consented (its
 * integrity no longer matches) or that cannot be read is left out with a warning.
 */
export function loadClaudePlugins(home: string, warnings: string[]): ClaudePlugin[] {
  return loadConsentedClaudePlugins(home, warnings, (dir, entry) => ({
    ...readClaudePlugin(dir, { version: entry.version }),
    dataDir: claudePluginDataDir(home, entry.name),
  }));
}
