import { resolve } from "node:path";
import { type ClaudePlugin, pluginDataEnv } from "@pincer/claude-code";
import { baseEnv, fifoLifeline, type ProcessRecords } from "@pincer/host";
import {
  type McpClientHost,
  McpManager,
  type McpServerConfig,
  oauthDir,
  oauthFile,
  StoredOAuthProvider,
  serverProblem,
  sessionServers,
} from "@pincer/mcp";
import type { Settings } from "./home.js";
import { pincerVersion } from "./version.js";

/**
 * The session's MCP servers (the user's plus approved project ones), or undefined when there are
 * none. Nothing starts here: the manager starts them at the first prompt.
 */
export function sessionMcp(options: {
  cwd: string;
  /** PINCER_HOME: OAuth tokens of HTTP servers are kept in its mcp-auth folder. */
  home: string;
  env: NodeJS.ProcessEnv;
  user: Settings;
  project: Settings;
  warnings: string[];
  /** Installed Claude Code plugins: their .mcp.json servers, consented at install. */
  claudePlugins?: ClaudePlugin[];
  /** Roots, sampling and elicitation for the servers (mcp-client-host.ts). */
  host?: McpClientHost;
  /**
   * Servers the front end's own client gives this session (an editor's, over ACP): used as
   * given (no `${VAR}` expansion), without the approval a project's `.mcp.json` needs, and
   * over any configured server of the same name.
   */
  sessionServers?: Record<string, McpServerConfig>;
  /** Where stdio servers are noted while they run (PINCER_HOME/run/processes), like other children. */
  records?: ProcessRecords;
}): McpManager | undefined {
  if (options.project.mcpServers || options.project.mcp) {
    options.warnings.push(
      "Ignored mcpServers/mcp in .pincer/settings.json: a project declares servers in .mcp.json, and each needs your approval (pincer mcp approve <name>).",
    );
  }
  const servers = sessionServers({
    cwd: options.cwd,
    user: options.user.mcpServers,
    settings: options.user.mcp,
    warnings: options.warnings,
  });
  Object.assign(servers, claudePluginServers(options.claudePlugins ?? [], options.warnings));
  Object.assign(servers, options.sessionServers);
  if (Object.keys(servers).length === 0) return undefined;
  return new McpManager({
    servers,
    cwd: options.cwd,
    env: options.env,
    // The minimal environment every spawned command starts from, and tied to Pincer's life.
    baseEnv: baseEnv(options.env),
    guard: (command, args, server) => {
      const records = options.records;
      // The program only: its arguments may hold a token expanded from ${VAR}, and the note is
      // shown to the user when it outlives a session.
      const label = `MCP server ${server}: ${command}`;
      return fifoLifeline(command, args, records ? { records, label } : undefined);
    },
    ...(options.user.mcp?.startTimeoutMs ? { startTimeoutMs: options.user.mcp.startTimeoutMs } : {}),
    ...(options.user.mcp?.callTimeoutMs ? { callTimeoutMs: options.user.mcp.callTimeoutMs } : {}),
    clientInfo: { name: "pincer", version: pincerVersion() },
    ...(options.host ? { host: options.host } : {}),
    ...(options.sessionServers ? { literal: Object.keys(options.sessionServers) } : {}),
    // OAuth for HTTP servers: the tokens `pincer mcp login` got, refreshed when they expire.
    authProvider: (name, url) => new StoredOAuthProvider(oauthFile(oauthDir(options.home), name, url.href), { name }),
  });
}

/**
 * A Claude Code plugin's MCP servers, named `plugin_<plugin>_<server>` (Claude Code's own naming),
 * so their tools are `mcp__plugin_<plugin>_<server>__<tool>` and never clash with the user's.
 * The user accepted them at install, so they need no approval. `${CLAUDE_PLUGIN_ROOT}` expands
 * to the plugin's folder; other `${VAR}` expand from the environment when the server starts.
 */
export function claudePluginServers(plugins: ClaudePlugin[], warnings: string[]): Record<string, McpServerConfig> {
  const servers: Record<string, McpServerConfig> = {};
  for (const plugin of plugins) {
    const data = pluginDataEnv(plugin);
    const root = (text: string) =>
      text
        .replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, () => plugin.root)
        .replace(/\$\{CLAUDE_PLUGIN_DATA\}/g, () => data.CLAUDE_PLUGIN_DATA ?? "${CLAUDE_PLUGIN_DATA}");
    for (const [server, entry] of Object.entries(plugin.mcpServers)) {
      const name = `plugin_${plugin.name}_${server}`;
      const expanded: Record<string, unknown> = JSON.parse(JSON.stringify(entry), (_key, value) =>
        typeof value === "string" ? root(value) : value,
      );
      // Its data folder, and Python's bytecode kept there rather than beside the consented code.
      if (expanded.command !== undefined) expanded.env = { ...data, ...(expanded.env as Record<string, string>) };
      // A relative cwd is the plugin's folder's, not the session's.
      if (typeof expanded.cwd === "string" && !expanded.cwd.startsWith("/")) {
        expanded.cwd = resolve(plugin.root, expanded.cwd);
      }
      const problem = serverProblem(name, expanded);
      if (problem) {
        warnings.push(`MCP server ${server} of the Claude Code plugin ${plugin.name} was not started: ${problem}.`);
        continue;
      }
      servers[name] = expanded as unknown as McpServerConfig;
    }
  }
  return servers;
}
