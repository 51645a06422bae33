// The MCP SDK's modules the client uses, as one module that sdk.ts imports when the first server
// starts. The `-p` bundle keeps it in a file apart (scripts/bundle.mjs, PRINT_APART) with what it
// brings (zod, Ajv, the SSE parsers: ~0.5 MB of source that V8 would hold for the whole run),
// read only by a session that has MCP servers.
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
export { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
export { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
export { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
export * as types from "@modelcontextprotocol/sdk/types.js";
