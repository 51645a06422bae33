import { resolve } from "node:path";
import type { AnyTool, Hooks, ImageContent, TextContent, ToolResult } from "@pincer/kernel";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
  expandVariables,
  isStdio,
  type McpServerConfig,
} from "./config.js";
import { type McpPromptInfo, promptArguments, promptText } from "./prompts.js";
import { type McpResourceContents, type McpResourceInfo, resourceTool } from "./resources.js";

// The SDK is loaded when the first server starts: a session without MCP servers never pays for it.
type Sdk = {
  Client: typeof import("@modelcontextprotocol/sdk/client/index.js").Client;
  StdioClientTransport: typeof import("@modelcontextprotocol/sdk/client/stdio.js").StdioClientTransport;
  StreamableHTTPClientTransport: typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js").StreamableHTTPClientTransport;
  SSEClientTransport: typeof import("@modelcontextprotocol/sdk/client/sse.js").SSEClientTransport;
};
type Client = InstanceType<Sdk["Client"]>;
type McpTool = Awaited<ReturnType<Client["listTools"]>>["tools"][number];
type McpContent = Extract<Awaited<ReturnType<Client["callTool"]>>, { content: unknown }>["content"][number];

let sdk: Promise<Sdk> | undefined;
function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/stdio.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/client/sse.js"),
  ]).then(([client, stdio, http, sse]) => ({
    Client: client.Client,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    SSEClientTransport: sse.SSEClientTransport,
  }));
  sdk.catch(() => {
    sdk = undefined;
  });
  return sdk;
}

/** JSON-RPC error codes the SDK raises for its own failures. */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;
const STDERR_KEEP = 2_000;

export interface McpManagerOptions {
  servers: Record<string, McpServerConfig>;
  /** The session's directory: stdio servers run there (an entry's `cwd` is relative to it). */
  cwd: string;
  /**
   * The user's environment: `${VAR}` in entries expands from it, and a stdio server gets PATH
   * and HOME from it. Nothing else of it reaches the server.
   */
  env: NodeJS.ProcessEnv;
  /**
   * What a stdio server's environment starts from, before its entry's `env`: the host's minimal
   * base (locale, terminal, paths; no keys or tokens). Default: PATH and HOME from `env`.
   */
  baseEnv?: Record<string, string>;
  /**
   * Ties a stdio server to this process's life (the host's lifeline): the command to spawn
   * instead, and `release` to call once the server is closed on purpose.
   */
  guard?: (command: string, args: string[]) => { command: string; args: string[]; release(): void };
  startTimeoutMs?: number;
  callTimeoutMs?: number;
  clientInfo?: { name: string; version: string };
}

export interface McpStartReport {
  tools: AnyTool[];
  /** One line per server that did not start, naming it and saying why. */
  warnings: string[];
}

/** Turns configured MCP servers into kernel tools named `mcp__<server>__<tool>`. */
export class McpManager {
  private readonly servers: McpServer[];
  private started: Promise<McpStartReport> | undefined;

  constructor(private readonly options: McpManagerOptions) {
    this.servers = Object.entries(options.servers).map(([name, config]) => new McpServer(name, config, options));
  }

  get serverNames(): string[] {
    return this.servers.map((server) => server.name);
  }

  /** Starts every server (in parallel, once) and lists their tools; a server that fails is left out with a warning. */
  start(): Promise<McpStartReport> {
    this.started ??= this.startAll();
    return this.started;
  }

  private async startAll(): Promise<McpStartReport> {
    const outcomes = await Promise.allSettled(this.servers.map((server) => server.start()));
    const tools: AnyTool[] = [];
    const warnings: string[] = [];
    const names = new Set<string>();
    outcomes.forEach((outcome, index) => {
      const server = this.servers[index]!;
      if (outcome.status === "rejected") {
        warnings.push(
          `MCP server "${server.name}" did not start: ${errorMessage(outcome.reason)}${server.stderrTail()} Its tools are not available in this session; check the entry with \`pincer mcp list\`.`,
        );
        return;
      }
      const serverTools = server.tools.map((tool) => this.toKernelTool(server, tool));
      if (server.resources.length > 0) {
        serverTools.push(
          resourceTool(server.name, server.resources, (uri, signal) => server.readResource(uri, signal)),
        );
      }
      for (const kernelTool of serverTools) {
        if (names.has(kernelTool.name)) {
          warnings.push(
            `MCP server "${server.name}": skipped tool "${kernelTool.name}", its name clashes with another tool.`,
          );
          continue;
        }
        names.add(kernelTool.name);
        tools.push(kernelTool);
      }
    });
    return { tools, warnings };
  }

  /**
   * Hooks that register the servers' tools just before the first prompt reaches the model, so a
   * session that sends no prompt starts no server. Start failures become kernel warnings.
   */
  hooks(register: (tool: AnyTool) => void, warn: (message: string) => void): Hooks {
    let done = false;
    return {
      promptSubmit: async () => {
        if (done || this.servers.length === 0) return;
        done = true;
        const report = await this.start();
        for (const message of report.warnings) warn(message);
        for (const tool of report.tools) {
          try {
            register(tool);
          } catch (error) {
            warn(`MCP tool ${tool.name} was not added: ${errorMessage(error)}`);
          }
        }
      },
    };
  }

  /** Prompts of the servers that started (starting them if needed), as `/mcp__<server>__<prompt>`. */
  async prompts(): Promise<McpPromptInfo[]> {
    await this.start();
    return this.servers.flatMap((server) => server.prompts);
  }

  /** Fills a prompt with what was typed after its command; the text is the user's next prompt. */
  async getPrompt(command: string, words: string[], signal?: AbortSignal): Promise<string> {
    const prompt = (await this.prompts()).find((candidate) => candidate.command === command);
    if (!prompt) throw new Error(`No MCP prompt /${command}.`);
    const server = this.servers.find((candidate) => candidate.name === prompt.server)!;
    return promptText(await server.getPrompt(prompt.name, promptArguments(prompt, words), signal));
  }

  /** Stops every server (stdio processes are killed). */
  async close(): Promise<void> {
    await Promise.allSettled(this.servers.map((server) => server.close()));
  }

  private toKernelTool(server: McpServer, tool: McpTool): AnyTool {
    const name = `mcp__${server.name}__${tool.name.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 64);
    const { $schema: _ignored, ...schema } = (tool.inputSchema ?? {}) as Record<string, unknown>;
    const callTimeoutMs = this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    return {
      name,
      description: tool.description || tool.title || `${tool.name} (from the MCP server ${server.name})`,
      parameters: { ...schema, type: "object" },
      // A server's tool can do anything: default mode asks, rules like mcp__server__* decide.
      kind: "other",
      async execute(args, ctx) {
        try {
          const result = await server.call(tool.name, args ?? {}, ctx.signal, callTimeoutMs);
          return toToolResult(server.name, tool.name, result);
        } catch (error) {
          return { content: callFailure(server, tool.name, error, ctx.signal, callTimeoutMs), isError: true };
        }
      },
    };
  }
}

class McpServer {
  tools: McpTool[] = [];
  resources: McpResourceInfo[] = [];
  prompts: McpPromptInfo[] = [];
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private stderr = "";

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly options: McpManagerOptions,
  ) {}

  async start(): Promise<void> {
    const client = await this.connect();
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.startTimeout });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    this.tools = tools;
    if (client.getServerCapabilities()?.prompts) {
      const page = await client.listPrompts({}, { timeout: this.startTimeout });
      this.prompts = page.prompts.map((prompt) => ({
        command: `mcp__${this.name}__${prompt.name.replace(/[^A-Za-z0-9_-]/g, "_")}`,
        server: this.name,
        name: prompt.name,
        ...(prompt.description ? { description: prompt.description } : {}),
        arguments: prompt.arguments ?? [],
      }));
    }
    // Resources are optional in MCP: only a server that says it has some is asked.
    if (client.getServerCapabilities()?.resources) {
      const resources: McpResourceInfo[] = [];
      let next: string | undefined;
      do {
        const page = await client.listResources(next ? { cursor: next } : {}, { timeout: this.startTimeout });
        resources.push(...page.resources);
        next = page.nextCursor;
      } while (next && resources.length < 1_000);
      this.resources = resources;
    }
  }

  async getPrompt(name: string, args: Record<string, string>, signal?: AbortSignal) {
    const client = this.client ?? (await this.connect());
    const result = await client.getPrompt(
      { name, arguments: args },
      { ...(signal ? { signal } : {}), timeout: this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS },
    );
    return result.messages;
  }

  async readResource(uri: string, signal: AbortSignal) {
    const client = this.client ?? (await this.connect());
    const result = await client.readResource(
      { uri },
      { signal, timeout: this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS },
    );
    return result.contents as McpResourceContents[];
  }

  get startTimeout(): number {
    return this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  }

  /** A crashed stdio server is started again here, once per call. */
  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal, timeout: number) {
    const client = this.client ?? (await this.connect());
    return client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout });
  }

  stderrTail(): string {
    const text = this.stderr.trim();
    return text ? ` (its stderr: ${text.slice(-500)})` : "";
  }

  private connect(): Promise<Client> {
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const { Client, StdioClientTransport, StreamableHTTPClientTransport, SSEClientTransport } = await loadSdk();
    const env = this.options.env;
    const config = this.config;
    this.stderr = "";
    let transport: InstanceType<
      typeof StdioClientTransport | typeof StreamableHTTPClientTransport | typeof SSEClientTransport
    >;
    let release: (() => void) | undefined;
    if (isStdio(config)) {
      const serverEnv: Record<string, string> = { ...this.options.baseEnv };
      if (!this.options.baseEnv) for (const name of ["PATH", "HOME"]) if (env[name]) serverEnv[name] = env[name];
      for (const [key, value] of Object.entries(config.env ?? {})) serverEnv[key] = expandVariables(value, env);
      let command = expandVariables(config.command, env);
      let args = (config.args ?? []).map((arg) => expandVariables(arg, env));
      if (this.options.guard) {
        const guarded = this.options.guard(command, args);
        ({ command, args, release } = guarded);
      }
      const stdio = new StdioClientTransport({
        command,
        args,
        env: serverEnv,
        cwd: resolve(this.options.cwd, config.cwd ? expandVariables(config.cwd, env) : "."),
        stderr: "pipe",
      });
      // Kept for error messages; a server's log never reaches the user's terminal or output.
      stdio.stderr?.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
      });
      transport = stdio;
    } else {
      const url = new URL(expandVariables(config.url, env));
      const headers = Object.fromEntries(
        Object.entries(config.headers ?? {}).map(([key, value]) => [key, expandVariables(value, env)]),
      );
      transport =
        config.type === "sse"
          ? new SSEClientTransport(url, { requestInit: { headers } })
          : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
    }
    const client = new Client(this.options.clientInfo ?? { name: "pincer", version: "0.1.0" }, { capabilities: {} });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
      release?.();
    };
    // Errors also surface on the request that meets them; without a handler the SDK would log them.
    client.onerror = () => {};
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(transport, { timeout: this.startTimeout }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`it did not answer within ${this.startTimeout} ms (mcp.startTimeoutMs)`)),
            this.startTimeout,
          );
        }),
      ]);
    } catch (error) {
      await client.close().catch(() => {});
      release?.();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
    return client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}

function toToolResult(server: string, tool: string, result: Awaited<ReturnType<Client["callTool"]>>): ToolResult {
  if (!("content" in result) || !Array.isArray(result.content)) {
    const legacy = (result as { toolResult?: unknown }).toolResult;
    return { content: JSON.stringify(legacy ?? result) };
  }
  const content: Array<TextContent | ImageContent> = result.content.map(toContent);
  if (content.length === 0 && result.structuredContent !== undefined) {
    content.push({ type: "text", text: JSON.stringify(result.structuredContent) });
  }
  if (content.length === 0) content.push({ type: "text", text: "(no output)" });
  return {
    content,
    details: {
      mcp: { server, tool },
      ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
    },
    ...(result.isError ? { isError: true } : {}),
  };
}

function toContent(block: McpContent): TextContent | ImageContent {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "image":
      return { type: "image", data: block.data, mimeType: block.mimeType };
    case "audio":
      return { type: "text", text: `[audio ${block.mimeType}, ${Math.round((block.data.length * 3) / 4)} bytes]` };
    case "resource_link":
      return {
        type: "text",
        text: `[resource ${block.name}: ${block.uri}${block.mimeType ? ` (${block.mimeType})` : ""}${block.description ? ` — ${block.description}` : ""}]`,
      };
    case "resource": {
      const resource = block.resource;
      if ("text" in resource && typeof resource.text === "string") {
        return { type: "text", text: `[resource ${resource.uri}]\n${resource.text}` };
      }
      if (resource.mimeType?.startsWith("image/") && "blob" in resource && typeof resource.blob === "string") {
        return { type: "image", data: resource.blob, mimeType: resource.mimeType };
      }
      return {
        type: "text",
        text: `[binary resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ""}]`,
      };
    }
    default:
      return { type: "text", text: JSON.stringify(block) };
  }
}

function callFailure(server: McpServer, tool: string, error: unknown, signal: AbortSignal, timeout: number): string {
  const where = `MCP tool ${tool} on server "${server.name}"`;
  if (signal.aborted) return `${where} was aborted.`;
  const code = (error as { code?: unknown }).code;
  if (code === REQUEST_TIMEOUT) {
    return `${where} timed out after ${timeout} ms (mcp.callTimeoutMs); the call was cancelled.`;
  }
  if (code === CONNECTION_CLOSED) {
    return `${where} failed: the server closed the connection during the call (did it crash?)${server.stderrTail()}. It is started again on the next call.`;
  }
  if ((error as { name?: unknown }).name === "ZodError" || /invalid_|Expected|Invalid/.test(errorMessage(error))) {
    return `${where} returned a result that is not valid MCP: ${errorMessage(error).slice(0, 400)}`;
  }
  return `${where} failed: ${errorMessage(error).slice(0, 1_000)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
