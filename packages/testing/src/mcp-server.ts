import { fileURLToPath } from "node:url";

/**
 * A small MCP server written with the MCP SDK's server side (mcp-test-server.mjs): run this file
 * with node for stdio (`--hang`, `--exit` to misbehave), or serve it over streamable HTTP.
 */
export const MCP_TEST_SERVER: string = fileURLToPath(new URL("./mcp-test-server.mjs", import.meta.url));

/** The same tools over streamable HTTP on loopback. */
export async function serveMcpHttp(): Promise<{ url: string; close(): Promise<void> }> {
  const server = (await import(MCP_TEST_SERVER)) as { serveHttp(): Promise<{ url: string; close(): Promise<void> }> };
  return server.serveHttp();
}
