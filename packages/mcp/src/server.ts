import { resolve } from "node:path";
import { clientCapabilities, installClientHandlers, type McpClientHost } from "./client-features.js";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
  expandVariables,
  isStdio,
  type McpServerConfig,
} from "./config.js";
import type { McpPromptInfo } from "./prompts.js";
import type { McpResourceContents, McpResourceInfo, McpResourceTemplateInfo } from "./resources.js";
import { type Client, loadSdk, type McpTool, type Sdk } from "./sdk.js";

const STDERR_KEEP = 2_000;
/** Resources and templates listed per server (the rest are still readable by URI). */
const MAX_LISTED = 1_000;

/**
 * Ties a stdio server to this process's life (the host's lifeline): the command to spawn instead,
 * `release` to call once the server is closed (on purpose or not), and `started` with the pid of
 * the process spawned, so the host can note it until it ends (PINCER_HOME/run/processes).
 */
export type McpProcessGuard = (
  command: string,
  args: string[],
  server: string,
) => { command: string; args: string[]; release(): void; started?(pid: number): void };

/** What a server's connection needs from the manager (the manager's options, less the servers). */
export interface McpServerOptions {
  /** The session's directory: stdio servers run there (an entry's `cwd` is relative to it). */
  cwd: string;
  /**
   * The user's environment: `${VAR}` in entries expands from it, and a stdio server gets PATH
   * and HOME from it. Nothing else of it reaches the server.
   */
  env: NodeJS.ProcessEnv;
  /**
   * What a stdio server's environment starts from, before its entry's `env`: the host's minimal
   * base (locale, terminal, paths, proxies and certificate authorities; no keys or tokens).
   * Default: PATH and HOME from `env`.
   */
  baseEnv?: Record<string, string>;
  /** Ties a stdio server to this process's life and notes it while it runs. */
  guard?: McpProcessGuard;
  startTimeoutMs?: number;
  callTimeoutMs?: number;
  clientInfo?: { name: string; version: string };
  /** The client features offered to servers: roots, sampling, elicitation (see client-features.ts). */
  host?: McpClientHost;
  /** Servers whose entries are used as given, with no `${VAR}` expansion (an editor's, over ACP). */
  literal?: string[];
  /** An OAuth client provider for an HTTP server, by name and URL (see oauth.ts); none: no OAuth. */
  authProvider?: (name: string, url: URL) => unknown;
}

/** One configured server: its connection (started again after a crash) and what it offers. */
export class McpServer {
  tools: McpTool[] = [];
  resources: McpResourceInfo[] = [];
  templates: McpResourceTemplateInfo[] = [];
  prompts: McpPromptInfo[] = [];
  /** The `instructions` the server sent at initialize, if any. */
  instructions: string | undefined;
  /** Told when the server's tools change (`notifications/tools/list_changed`), with the new list. */
  onToolsChanged: ((tools: McpTool[]) => void) | undefined;
  private client: Client | undefined;
  /** A tools/list after the server said its tools changed, while it runs. */
  private relisting: Promise<void> | undefined;
  private connecting: Promise<Client> | undefined;
  private stderr = "";

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly options: McpServerOptions,
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
    this.instructions = client.getInstructions();
    const capabilities = client.getServerCapabilities();
    if (capabilities?.prompts) {
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
    if (capabilities?.resources) {
      const resources: McpResourceInfo[] = [];
      let next: string | undefined;
      do {
        const page = await client.listResources(next ? { cursor: next } : {}, { timeout: this.startTimeout });
        resources.push(...page.resources);
        next = page.nextCursor;
      } while (next && resources.length < MAX_LISTED);
      this.resources = resources;
      // Templates (RFC 6570 URIs such as `demo://text/{id}`): a server without the method still
      // has its plain resources.
      const templates: McpResourceTemplateInfo[] = [];
      let after: string | undefined;
      try {
        do {
          const page = await client.listResourceTemplates(after ? { cursor: after } : {}, {
            timeout: this.startTimeout,
          });
          templates.push(...page.resourceTemplates);
          after = page.nextCursor;
        } while (after && templates.length < MAX_LISTED);
      } catch {
        // Method not found: no templates.
      }
      this.templates = templates;
    }
  }

  async getPrompt(name: string, args: Record<string, string>, signal?: AbortSignal) {
    const client = this.client ?? (await this.connect());
    const result = await client.getPrompt(
      { name, arguments: args },
      { ...(signal ? { signal } : {}), timeout: this.callTimeout },
    );
    return result.messages;
  }

  async readResource(uri: string, signal: AbortSignal) {
    const client = this.client ?? (await this.connect());
    const result = await client.readResource({ uri }, { signal, timeout: this.callTimeout });
    return result.contents as McpResourceContents[];
  }

  get startTimeout(): number {
    return this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  }

  get callTimeout(): number {
    return this.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  /**
   * A crashed stdio server is started again here, once per call. Progress the server reports
   * (`notifications/progress`) goes to `onProgress` and restarts the call's clock: a long job
   * that keeps reporting is not cut off, a silent one is.
   */
  async call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    timeout: number,
    onProgress?: (progress: { progress: number; total?: number; message?: string }) => void,
  ) {
    const client = this.client ?? (await this.connect());
    const result = await client.callTool({ name: tool, arguments: args }, undefined, {
      signal,
      timeout,
      ...(onProgress ? { onprogress: onProgress, resetTimeoutOnProgress: true } : {}),
    });
    await this.relisting;
    return result;
  }

  private relistTools(client: Client): void {
    const listing = (async () => {
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, { timeout: this.startTimeout });
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      if (this.client !== client) return;
      this.tools = tools;
      this.onToolsChanged?.(tools);
    })().catch(() => {
      // The old list stays; the server is asked again the next time it says its tools changed.
    });
    this.relisting = listing;
    void listing.finally(() => {
      if (this.relisting === listing) this.relisting = undefined;
    });
  }

  /** Tells a connected server that the workspace changed (`notifications/roots/list_changed`). */
  async rootsChanged(): Promise<void> {
    await this.client?.sendRootsListChanged();
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
    const sdk = await loadSdk();
    const { Client } = sdk;
    const { transport, release, started } = this.transport(sdk);
    const client = new Client(this.options.clientInfo ?? { name: "pincer", version: "0.1.0" }, {
      capabilities: clientCapabilities(this.options.host),
      // A server that says its tools changed is listed again at once; a call that was running
      // when it said so answers only once the new list is in (its next step may use them).
      listChanged: {
        tools: { autoRefresh: false, debounceMs: 0, onChanged: () => this.relistTools(client) },
      },
    });
    installClientHandlers(client, sdk, this.name, this.options.host);
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
    // The spawned process (for stdio): noted by the host until it ends.
    const pid = (transport as { pid?: number | null }).pid;
    if (started && pid) started(pid);
    this.client = client;
    return client;
  }

  private transport(sdk: Sdk): {
    transport: Parameters<Client["connect"]>[0];
    release?: () => void;
    started?: (pid: number) => void;
  } {
    const { StdioClientTransport, StreamableHTTPClientTransport, SSEClientTransport } = sdk;
    const env = this.options.env;
    const config = this.config;
    this.stderr = "";
    const literal = this.options.literal?.includes(this.name);
    const expand = (text: string) => (literal ? text : expandVariables(text, env));
    if (isStdio(config)) {
      const serverEnv: Record<string, string> = { ...this.options.baseEnv };
      if (!this.options.baseEnv) for (const name of ["PATH", "HOME"]) if (env[name]) serverEnv[name] = env[name];
      for (const [key, value] of Object.entries(config.env ?? {})) serverEnv[key] = expand(value);
      let command = expand(config.command);
      let args = (config.args ?? []).map(expand);
      let release: (() => void) | undefined;
      let started: ((pid: number) => void) | undefined;
      if (this.options.guard) ({ command, args, release, started } = this.options.guard(command, args, this.name));
      const stdio = new StdioClientTransport({
        command,
        args,
        env: serverEnv,
        cwd: resolve(this.options.cwd, config.cwd ? expand(config.cwd) : "."),
        stderr: "pipe",
      });
      // Kept for error messages; a server's log never reaches the user's terminal or output.
      stdio.stderr?.on("data", (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_KEEP);
      });
      return { transport: stdio, ...(release ? { release } : {}), ...(started ? { started } : {}) };
    }
    const url = new URL(expand(config.url));
    const headers = Object.fromEntries(
      Object.entries(config.headers ?? {}).map(([key, value]) => [key, expand(value)]),
    );
    // An entry that sends its own Authorization header manages its auth; the others may use OAuth.
    const ownAuth = Object.keys(headers).some((key) => key.toLowerCase() === "authorization");
    const authProvider = ownAuth ? undefined : (this.options.authProvider?.(this.name, url) as never);
    const options = { requestInit: { headers }, ...(authProvider ? { authProvider } : {}) };
    return {
      transport:
        config.type === "sse" ? new SSEClientTransport(url, options) : new StreamableHTTPClientTransport(url, options),
    };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}
