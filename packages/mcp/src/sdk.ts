// The SDK is loaded when the first server starts: a session without MCP servers never pays for it.
export type Sdk = {
  Client: typeof import("@modelcontextprotocol/sdk/client/index.js").Client;
  StdioClientTransport: typeof import("@modelcontextprotocol/sdk/client/stdio.js").StdioClientTransport;
  StreamableHTTPClientTransport: typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js").StreamableHTTPClientTransport;
  SSEClientTransport: typeof import("@modelcontextprotocol/sdk/client/sse.js").SSEClientTransport;
  types: typeof import("@modelcontextprotocol/sdk/types.js");
};
export type Client = InstanceType<Sdk["Client"]>;
export type McpTool = Awaited<ReturnType<Client["listTools"]>>["tools"][number];
export type McpContent = Extract<Awaited<ReturnType<Client["callTool"]>>, { content: unknown }>["content"][number];
export type McpCallResult = Awaited<ReturnType<Client["callTool"]>>;

let sdk: Promise<Sdk> | undefined;

export function loadSdk(): Promise<Sdk> {
  sdk ??= import("./sdk-modules.js").then((modules) => ({
    Client: modules.Client,
    StdioClientTransport: modules.StdioClientTransport,
    StreamableHTTPClientTransport: modules.StreamableHTTPClientTransport,
    SSEClientTransport: modules.SSEClientTransport,
    types: modules.types,
  }));
  sdk.catch(() => {
    sdk = undefined;
  });
  return sdk;
}

/** JSON-RPC error codes the SDK raises for its own failures. */
export const CONNECTION_CLOSED = -32000;
export const REQUEST_TIMEOUT = -32001;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
