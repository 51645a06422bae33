import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Message } from "@pincer/kernel";
import { claudeToolName, toClaudeInput } from "../tool-names.js";

/**
 * The session as a Claude Code transcript, for hooks that read `transcript_path`: one JSON object
 * per line, as Claude Code writes `~/.claude/projects/<project>/<session>.jsonl` — `user` lines
 * (prompts, and tool results as `tool_result` blocks with `toolUseResult`), `assistant` lines
 * (`text`, `thinking` and `tool_use` blocks with Claude Code's tool and argument names, usage),
 * each with `uuid`/`parentUuid`, `sessionId`, `cwd`, `timestamp`. Kept in
 * `PINCER_HOME/claude-transcripts/` (never in Claude Code's own folder), 0600, written whole at
 * start (a resumed session's messages included) and appended as messages are recorded.
 */
export class ClaudeTranscript {
  readonly path: string;
  private parent: string | null = null;

  constructor(
    private readonly options: {
      dir: string;
      sessionId: string;
      cwd: string;
      version: string;
      /**
       * A subagent's transcript, as Claude Code keeps them: `<session>/subagents/agent-<id>.jsonl`
       * beside the session's, each line `isSidechain: true` with its `agentId`.
       */
      agentId?: string;
    },
    messages: readonly Message[],
  ) {
    const project = join(options.dir, options.cwd.replace(/[^A-Za-z0-9]/g, "-"));
    const folder = options.agentId ? join(project, options.sessionId, "subagents") : project;
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    this.path = join(folder, options.agentId ? `agent-${options.agentId}.jsonl` : `${options.sessionId}.jsonl`);
    writeFileSync(this.path, messages.map((message) => this.line(message)).join(""), { mode: 0o600 });
  }

  append(message: Message): void {
    appendFileSync(this.path, this.line(message));
  }

  private line(message: Message): string {
    const uuid = randomUUID();
    const common = {
      parentUuid: this.parent,
      isSidechain: this.options.agentId !== undefined,
      ...(this.options.agentId ? { agentId: this.options.agentId } : {}),
      userType: "external",
      cwd: this.options.cwd,
      sessionId: this.options.sessionId,
      version: this.options.version,
      gitBranch: "",
      uuid,
      timestamp: new Date(message.timestamp ?? Date.now()).toISOString(),
    };
    this.parent = uuid;
    return `${JSON.stringify({ ...common, ...this.body(message) })}\n`;
  }

  private body(message: Message): Record<string, unknown> {
    if (message.role === "user") {
      const content =
        typeof message.content === "string"
          ? message.content
          : message.content.map((block) =>
              block.type === "text" ? { type: "text", text: block.text } : { type: block.type },
            );
      return { type: "user", message: { role: "user", content } };
    }
    if (message.role === "toolResult") {
      const text = message.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
      return {
        type: "user",
        message: {
          role: "user",
          content: [{ tool_use_id: message.toolCallId, type: "tool_result", content: text, is_error: message.isError }],
        },
        toolUseResult: message.isError ? `Error: ${text}` : text,
      };
    }
    const content = message.content.map((block) => {
      if (block.type === "text") return { type: "text", text: block.text };
      if (block.type === "thinking") return { type: "thinking", thinking: block.thinking };
      return {
        type: "tool_use",
        id: block.id,
        name: claudeToolName(block.name),
        input: toClaudeInput(block.name, block.arguments, this.options.cwd),
      };
    });
    const usage = message.usage;
    return {
      type: "assistant",
      message: {
        id: `msg_${this.parent?.replace(/-/g, "").slice(0, 24)}`,
        type: "message",
        role: "assistant",
        model: message.model ?? "",
        content,
        stop_reason: message.stopReason === "toolUse" ? "tool_use" : message.stopReason === "stop" ? "end_turn" : null,
        usage: {
          input_tokens: usage?.input ?? 0,
          output_tokens: usage?.output ?? 0,
          cache_read_input_tokens: usage?.cacheRead ?? 0,
          cache_creation_input_tokens: usage?.cacheWrite ?? 0,
        },
      },
    };
  }
}
