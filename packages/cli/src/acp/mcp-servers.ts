import type { McpServer } from "@agentclientprotocol/sdk";
import { type McpServerConfig, SERVER_NAME, serverProblem } from "@pincer/mcp";

/**
 * The MCP servers an editor passes in `session/new` or `session/load`, as Pincer entries. ACP
 * makes stdio servers mandatory for an agent and HTTP and SSE optional (Pincer advertises both).
 *
 * They start without the approval a project's `.mcp.json` needs: the editor is the user's own
 * client, configured by the user, and ACP says the agent connects to the servers its client
 * gives (a repository cannot put a server there; its `.mcp.json` still needs `pincer mcp approve`).
 * Their values are used as given, with no `${VAR}` expansion: the editor has already resolved them.
 * A name becomes part of tool names, so it is made to fit (`My Server` → `My_Server`), and a
 * clash gets a suffix. An entry that is still not valid is left out with a log line.
 */
export function editorServers(list: McpServer[], log: (line: string) => void): Record<string, McpServerConfig> {
  const out: Record<string, McpServerConfig> = {};
  for (const server of list) {
    const base = server.name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 36) || "server";
    let name = base;
    for (let n = 2; out[name]; n++) name = `${base}_${n}`;
    const entry = toEntry(server);
    const problem = SERVER_NAME.test(name) ? serverProblem(name, entry) : `the name "${server.name}" cannot be used`;
    if (problem) {
      log(`Left out the editor's MCP server "${server.name}": ${problem}.`);
      continue;
    }
    out[name] = entry;
  }
  return out;
}

function toEntry(server: McpServer): McpServerConfig {
  const pairs = (list: Array<{ name: string; value: string }> | undefined) =>
    list?.length ? Object.fromEntries(list.map((pair) => [pair.name, pair.value])) : undefined;
  if ("type" in server && (server.type === "http" || server.type === "sse")) {
    const headers = pairs(server.headers);
    return { type: server.type, url: server.url, ...(headers ? { headers } : {}) };
  }
  const stdio = server as Extract<McpServer, { command: string }>;
  const env = pairs(stdio.env);
  return { command: stdio.command, ...(stdio.args?.length ? { args: stdio.args } : {}), ...(env ? { env } : {}) };
}
