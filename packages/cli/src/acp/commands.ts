import type { AvailableCommand } from "@agentclientprotocol/sdk";
import type { MarkdownCommand } from "@pincer/claude-code";
import { promptUsage } from "@pincer/mcp";
import type { CommandTurn, PreparedSession } from "@pincer/runtime";

/** What a slash command typed in the editor comes to: a prompt for the model, a reply, or both. */
export interface CommandOutcome {
  prompt?: string;
  reply?: string;
  /** A markdown command's turn: its prompt runs with its tools and model (PreparedSession.slash.run). */
  turn?: CommandTurn;
}

/** Commands of Pincer's own that mean something in an editor (the rest are the editor's own UI). */
const BUILT_IN: Array<AvailableCommand & { run(prepared: PreparedSession, signal: AbortSignal): Promise<string> }> = [
  {
    name: "compact",
    description: "Summarise older turns to free context",
    run: async (prepared, signal) =>
      (await prepared.kernel.compact(signal)) ? "Compacted the conversation." : "Nothing to compact yet.",
  },
];

/**
 * The session's slash commands for the editor (`available_commands_update`): Pincer's own, the
 * plugins', markdown commands (project, user and Claude Code plugins) and the MCP servers'
 * prompts; and what each does when typed as a prompt.
 */
export class AcpCommands {
  private readonly markdown: MarkdownCommand[];
  private mcp: AvailableCommand[] = [];

  constructor(private readonly prepared: PreparedSession) {
    this.markdown = prepared.slash.list();
  }

  list(): AvailableCommand[] {
    const plugin = this.prepared.registry.listCommands().map((command) => ({
      name: command.name,
      description: command.description,
      ...(command.args ? { input: { hint: command.args } } : {}),
    }));
    const taken = new Set([...BUILT_IN, ...plugin].map((command) => command.name));
    const markdown = this.markdown
      .filter((command) => !taken.has(command.name))
      .map((command) => ({
        name: command.name,
        description: command.description ?? "A prompt template",
        ...(command.argumentHint ? { input: { hint: command.argumentHint } } : {}),
      }));
    const own = BUILT_IN.map(({ name, description }) => ({ name, description }));
    return [...own, ...plugin, ...markdown, ...this.mcp];
  }

  /** Starts the MCP servers to learn their prompts; resolves with whether the list grew. */
  async loadMcpPrompts(): Promise<boolean> {
    const prompts = await this.prepared.mcpPrompts();
    this.mcp = prompts.map((prompt) => ({
      name: prompt.command,
      description: prompt.description ?? `A prompt of the MCP server ${prompt.server}`,
      ...(prompt.arguments.length ? { input: { hint: promptUsage(prompt) } } : {}),
    }));
    return this.mcp.length > 0;
  }

  /** `/name args` → what it comes to, or undefined when the text names no command (sent as it is). */
  async run(text: string, signal: AbortSignal): Promise<CommandOutcome | undefined> {
    const match = /^\/([A-Za-z0-9_.:-]+)(?:\s+([\s\S]*))?$/.exec(text.trim());
    if (!match) return undefined;
    const [, name = "", args = ""] = match;
    const own = BUILT_IN.find((command) => command.name === name);
    if (own) return { reply: await own.run(this.prepared, signal) };
    if (this.prepared.registry.listCommands().some((command) => command.name === name)) {
      const output = await this.prepared.registry.runCommand(name, args, {
        cwd: this.prepared.kernel.cwd,
        sessionId: this.prepared.session.id,
        model: this.prepared.kernel.model,
        signal,
      });
      return {
        ...(output.text ? { reply: output.text } : {}),
        ...(output.prompt ? { prompt: output.prompt } : {}),
        ...(!output.text && !output.prompt ? { reply: `/${name} done.` } : {}),
      };
    }
    if (name.startsWith("mcp__")) {
      const prompt = await this.prepared.expandMcpPrompt(text);
      if (prompt !== undefined) return { prompt };
    }
    // A markdown command or skill: its `!` lines and `@files` are resolved now; an unknown name is
    // answered with the close matches and never reaches the model.
    const known = [...BUILT_IN.map((command) => command.name), ...this.mcp.map((command) => command.name)];
    const slash = await this.prepared.slash.expand(text, { signal, known });
    if (slash.kind === "unknown") return { reply: slash.message };
    if (slash.kind === "turn") {
      return {
        prompt: slash.turn.prompt,
        turn: slash.turn,
        ...(slash.turn.notes.length ? { reply: slash.turn.notes.join("\n") } : {}),
      };
    }
    return undefined;
  }
}
