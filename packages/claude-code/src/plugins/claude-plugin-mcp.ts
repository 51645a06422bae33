import { ClaudePluginError } from "./claude-plugin-files.js";

/** A Claude Code plugin's MCP servers (`.mcp.json` or the manifest's "mcpServers"). */

export interface ClaudeMcpServer {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  type?: string;
  url?: string;
  headers?: Record<string, string>;
}

export function parseMcp(value: unknown, where: string, out: Record<string, ClaudeMcpServer>): void {
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
