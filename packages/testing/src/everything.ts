import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The official MCP reference server (`@modelcontextprotocol/server-everything` from npm, as
 * published): it asks for roots, sampling and elicitation when the client declares them, reports
 * progress, sends instructions and has resource templates. Run over stdio with node.
 */
export function everythingServer(): { command: string; args: string[] } {
  const pkg = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/package.json");
  return { command: process.execPath, args: [join(dirname(pkg), "dist", "index.js"), "stdio"] };
}
