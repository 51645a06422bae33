import type { AnyTool, Hooks } from "@pincer/kernel";
import { DEFAULT_CALL_TIMEOUT_MS, type McpServerConfig } from "./config.js";
import { instructionsSection } from "./instructions.js";
import { type McpPromptInfo, promptArguments, promptText } from "./prompts.js";
import { resourceTool } from "./resources.js";
import { errorMessage, type McpTool } from "./sdk.js";
import { McpServer, type McpServerOptions } from "./server.js";
import { withoutControls } from "./text.js";
import { callFailure, toToolResult } from "./tool-result.js";

export interface McpManagerOptions extends McpServerOptions {
  servers: Record<string, McpServerConfig>;
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
  private startedNames = new Set<string>();

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
      this.startedNames.add(server.name);
      const serverTools = server.tools.map((tool) => this.toKernelTool(server, tool));
      if (server.resources.length > 0 || server.templates.length > 0) {
        serverTools.push(
          resourceTool(server.name, server.resources, server.templates, (uri, signal) =>
            server.readResource(uri, signal),
          ),
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
   * Hooks that start the servers and register their tools when the session's first prompt
   * arrives (before the first model call, so their tools and instructions are part of it): a
   * session that sends no prompt starts no server. Start failures become kernel warnings.
   */
  hooks(register: (tool: AnyTool) => (() => void) | undefined, warn: (message: string) => void): Hooks {
    let done = false;
    /** Kernel tool name → how to take it away again (a server that drops a tool). */
    const registered = new Map<string, () => void>();
    const add = (tool: AnyTool) => {
      try {
        const remove = register(tool);
        if (remove) registered.set(tool.name, remove);
      } catch (error) {
        warn(`MCP tool ${tool.name} was not added: ${errorMessage(error)}`);
      }
    };
    return {
      sessionStart: async () => {
        if (done || this.servers.length === 0) return;
        done = true;
        const report = await this.start();
        for (const message of report.warnings) warn(message);
        for (const tool of report.tools) add(tool);
        // From now on a server's changed tools are added and removed as it says.
        for (const server of this.servers.filter((candidate) => this.startedNames.has(candidate.name))) {
          server.onToolsChanged = (tools) => {
            const next = new Map(tools.map((tool) => [this.toolName(server, tool), tool]));
            const prefix = `mcp__${server.name}__`;
            const gone = [...registered.keys()].filter(
              (name) => name.startsWith(prefix) && name !== `${prefix}read_resource`.slice(0, 64) && !next.has(name),
            );
            const fresh = [...next.entries()].filter(([name]) => !registered.has(name));
            for (const name of gone) {
              registered.get(name)?.();
              registered.delete(name);
            }
            for (const [, tool] of fresh) add(this.toKernelTool(server, tool));
            if (gone.length || fresh.length) {
              warn(
                `MCP server "${server.name}" changed its tools: ${[...fresh.map(([name]) => `+${name}`), ...gone.map((name) => `-${name}`)].join(", ")}.`,
              );
            }
          };
        }
      },
    };
  }

  /**
   * The servers' `instructions`, for the system prompt (attributed and capped, see
   * instructions.ts); undefined before the servers started or when none sent any.
   */
  instructions(): string | undefined {
    return instructionsSection(
      this.servers
        .filter((server) => this.startedNames.has(server.name) && server.instructions)
        .map((server) => ({ server: server.name, instructions: server.instructions! })),
    );
  }

  /** Tells every running server that the workspace roots changed; they ask for the new list. */
  async rootsChanged(): Promise<void> {
    await Promise.allSettled(this.servers.map((server) => server.rootsChanged()));
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

  private toolName(server: McpServer, tool: McpTool): string {
    return `mcp__${server.name}__${tool.name.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 64);
  }

  private toKernelTool(server: McpServer, tool: McpTool): AnyTool {
    const name = this.toolName(server, tool);
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
          const result = await server.call(tool.name, args ?? {}, ctx.signal, callTimeoutMs, (progress) =>
            ctx.onUpdate(progressLine(progress)),
          );
          return toToolResult(server.name, tool.name, result);
        } catch (error) {
          return { content: callFailure(server, tool.name, error, ctx.signal, callTimeoutMs), isError: true };
        }
      },
    };
  }
}

/** `[progress 2/5] Downloading…`: one line per notifications/progress, shown as the call's live output. */
export function progressLine(progress: { progress: number; total?: number; message?: string }): string {
  const amount = progress.total !== undefined ? `${progress.progress}/${progress.total}` : String(progress.progress);
  const message = progress.message ? ` ${withoutControls(progress.message, false).slice(0, 300)}` : "";
  return `[progress ${amount}]${message}\n`;
}
