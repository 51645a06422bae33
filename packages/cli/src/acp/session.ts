import type {
  AgentContext,
  ContentBlock,
  PromptResponse,
  SessionModeState,
  SessionUpdate,
} from "@agentclientprotocol/sdk";
import { RequestError } from "@agentclientprotocol/sdk";
import {
  type KernelEvent,
  PERMISSION_MODES,
  type PermissionMode,
  type PermissionResolver,
  type ThinkingLevel,
} from "@pincer/kernel";
import type { McpServerConfig } from "@pincer/mcp";
import { type PreparedSession, prepareSession } from "@pincer/runtime";
import { AcpCommands } from "./commands.js";
import { promptText, replayUpdates } from "./content.js";
import { askEditorForm } from "./elicitation.js";
import { askEditor } from "./permission.js";
import { PromptTurns } from "./prompt-turns.js";
import {
  planEntries,
  proposedContent,
  resultContent,
  textContent,
  toolKind,
  toolLocations,
  toolTitle,
} from "./tool-calls.js";

export interface AcpSessionOptions {
  cwd: string;
  home: string;
  env: NodeJS.ProcessEnv;
  model?: string;
  thinking?: ThinkingLevel;
  /** A Pincer session id to continue (`session/load`). */
  resume?: string;
  client: AgentContext;
  log: (line: string) => void;
  /** The MCP servers the editor gave this session (see mcp-servers.ts). */
  mcpServers?: Record<string, McpServerConfig>;
  /** Whether the editor shows forms (`clientCapabilities.elicitation.form`): MCP elicitation goes there. */
  elicitation?: boolean;
}

/** A tool call between tool_start and tool_end: what the editor was told about it. */
export interface OpenCall {
  name: string;
  args: Record<string, unknown>;
  /** pending until the permission engine (or the user) let it run. */
  status: "pending" | "in_progress";
  output: string;
}

const MODE_INFO: Record<PermissionMode, { name: string; description: string }> = {
  default: { name: "Default", description: "Ask before edits and commands that no rule allows" },
  acceptEdits: { name: "Accept edits", description: "Apply file edits without asking; ask for commands" },
  plan: { name: "Plan", description: "Read-only: explore and propose, change nothing" },
  bypassPermissions: { name: "Bypass permissions", description: "Run every tool call without asking" },
};

/** Streamed tool output shown in the editor: the tail, so a chatty command stays cheap to redraw. */
const SHOWN_OUTPUT_CHARS = 16_000;

/**
 * One ACP session: its own kernel (own plugins, rules and session file), whose events become
 * `session/update` notifications and whose permission questions go to the editor. Updates leave
 * in order through one queue, and a prompt answers only after its updates were written, as ACP
 * requires.
 */
export class AcpSession {
  private outbox: Promise<void> = Promise.resolve();
  readonly calls = new Map<string, OpenCall>();
  private readonly turns: PromptTurns;
  private readonly commands: AcpCommands;

  private constructor(
    private readonly prepared: PreparedSession,
    private readonly options: AcpSessionOptions,
  ) {
    this.turns = new PromptTurns(prepared.kernel, () => this.flushed());
    this.commands = new AcpCommands(prepared);
    prepared.kernel.subscribe((event) => {
      this.onEvent(event);
      this.turns.onEvent(event);
    });
    for (const warning of prepared.warnings) options.log(warning);
  }

  static async open(options: AcpSessionOptions): Promise<AcpSession> {
    let session: AcpSession | undefined;
    const resolver: PermissionResolver = (request, signal) =>
      session ? askEditor(session, request, signal) : Promise.resolve({ allow: false });
    session = new AcpSession(
      await prepareSession({
        cwd: options.cwd,
        home: options.home,
        env: options.env,
        resolver,
        writer: "pincer acp",
        ...(options.mcpServers ? { mcpServers: options.mcpServers } : {}),
        ...(options.elicitation
          ? { mcpElicit: (request, signal) => (session ? askEditorForm(session, request, signal) : decline()) }
          : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.thinking ? { thinking: options.thinking } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
      }),
      options,
    );
    return session;
  }

  get id(): string {
    return this.prepared.session.id;
  }

  get cwd(): string {
    return this.prepared.kernel.cwd;
  }

  get client(): AgentContext {
    return this.options.client;
  }

  log(line: string): void {
    this.options.log(line);
  }

  modes(): SessionModeState {
    return {
      currentModeId: this.prepared.kernel.permissionMode,
      availableModes: PERMISSION_MODES.map((id) => ({ id, ...MODE_INFO[id] })),
    };
  }

  setMode(modeId: string): void {
    if (!(PERMISSION_MODES as readonly string[]).includes(modeId)) {
      throw RequestError.invalidParams(
        { modeId },
        `Unknown mode "${modeId}". Use one of: ${PERMISSION_MODES.join(", ")}.`,
      );
    }
    this.prepared.kernel.setPermissionMode(modeId as PermissionMode);
  }

  /** The kind the tool declared, for plugin tools ACP has no name-based kind for. */
  declaredKind(name: string) {
    return this.prepared.kernel.listTools().find((tool) => tool.name === name)?.kind;
  }

  /** Replays the stored conversation (`session/load`); resolves once every update was written. */
  async replay(): Promise<void> {
    for (const update of replayUpdates(this.prepared.session.buildContext().messages, this.cwd)) this.send(update);
    await this.outbox;
  }

  /**
   * The session's slash commands, to the editor (`available_commands_update`); then, once the MCP
   * servers have started, again with their prompts.
   */
  announceCommands(): void {
    this.send({ sessionUpdate: "available_commands_update", availableCommands: this.commands.list() });
    this.commands.loadMcpPrompts().then(
      (grew) => {
        if (grew) this.send({ sessionUpdate: "available_commands_update", availableCommands: this.commands.list() });
      },
      (error: Error) => this.log(`MCP prompts not listed: ${error.message}`),
    );
  }

  /**
   * A prompt; one sent while another runs steers it (see prompt-turns.ts). A slash command is
   * run first: its reply is shown, and the prompt it comes to (if any) goes to the model.
   */
  async prompt(blocks: ContentBlock[], signal: AbortSignal): Promise<PromptResponse> {
    const text = promptText(blocks);
    let outcome: Awaited<ReturnType<AcpCommands["run"]>>;
    try {
      outcome = await this.commands.run(text, signal);
    } catch (error) {
      outcome = { reply: `${text.trim().split(/\s/)[0]}: ${(error as Error).message}` };
    }
    if (outcome?.reply)
      this.send({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: outcome.reply } });
    if (outcome && outcome.prompt === undefined) {
      await this.outbox;
      return { stopReason: signal.aborted ? "cancelled" : "end_turn" };
    }
    const turn = outcome?.turn;
    return this.turns.prompt(outcome?.prompt ?? text, signal, turn ? () => this.prepared.slash.run(turn) : undefined);
  }

  cancel(): void {
    this.prepared.kernel.abort("cancelled");
  }

  /** Stops a running turn and waits for it (its last entries reach the session file), then the plugins. */
  async close(): Promise<void> {
    this.cancel();
    await this.turns.running?.catch(() => {});
    await this.outbox;
    this.prepared.dispose();
  }

  /** Resolves once every update queued so far was written (a question must not overtake its call). */
  flushed(): Promise<void> {
    return this.outbox;
  }

  /** Queues one update; a failed write (the editor went away) is logged, never thrown into the kernel. */
  send(update: SessionUpdate): void {
    this.outbox = this.outbox
      .then(() => this.options.client.notify("session/update", { sessionId: this.id, update }))
      .catch((error: Error) => this.log(`session/update not delivered: ${error.message}`));
  }

  private onEvent(event: KernelEvent): void {
    switch (event.type) {
      case "stream":
        if (event.event.type === "text_delta" && event.event.text) {
          this.send({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: event.event.text } });
        } else if (event.event.type === "thinking_delta" && event.event.text) {
          this.send({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: event.event.text } });
        }
        return;
      case "tool_start": {
        this.calls.set(event.toolCallId, { name: event.name, args: event.args, status: "pending", output: "" });
        const plan = planEntries(event.name, event.args);
        if (plan) this.send({ sessionUpdate: "plan", entries: plan });
        this.send({
          sessionUpdate: "tool_call",
          toolCallId: event.toolCallId,
          title: toolTitle(event.name, event.args),
          kind: toolKind(event.name, this.declaredKind(event.name)),
          status: "pending",
          rawInput: event.args,
          locations: toolLocations(event.args, this.cwd),
          content: proposedContent(event.name, event.args, this.cwd),
        });
        return;
      }
      case "permission": {
        const call = this.calls.get(event.toolCallId);
        if (call?.status !== "pending" || !event.allowed) return;
        call.status = "in_progress";
        this.send({ sessionUpdate: "tool_call_update", toolCallId: event.toolCallId, status: "in_progress" });
        return;
      }
      case "tool_update": {
        const call = this.calls.get(event.toolCallId);
        if (!call) return;
        call.output = (call.output + event.partial).slice(-SHOWN_OUTPUT_CHARS);
        this.send({
          sessionUpdate: "tool_call_update",
          toolCallId: event.toolCallId,
          content: [textContent(call.output)],
        });
        return;
      }
      case "tool_end": {
        const call = this.calls.get(event.toolCallId);
        this.calls.delete(event.toolCallId);
        const args = call?.args ?? {};
        this.send({
          sessionUpdate: "tool_call_update",
          toolCallId: event.toolCallId,
          status: event.result.isError ? "failed" : "completed",
          content: resultContent(event.name, args, this.cwd, event.result),
          ...(event.result.details !== undefined ? { rawOutput: event.result.details } : {}),
        });
        return;
      }
      case "loop_guard":
        // The turn ends here; the user should read why in the thread, not only in a log.
        if (event.action === "stop") {
          this.send({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: `\n\n${event.message}` } });
        }
        return;
      case "warning":
        this.log(event.message);
        return;
      case "retry":
        this.log(`Retrying the model call (attempt ${event.attempt}) in ${event.delayMs} ms: ${event.error}`);
        // Chunks already sent cannot be taken back: the thread says the answer starts again.
        if (event.discarded) {
          this.send({
            sessionUpdate: "agent_message_chunk",
            content: { type: "text", text: "\n\n[The connection was cut; the answer starts again.]\n\n" },
          });
        }
        return;
      case "subscriber_error":
        this.log(`ACP event handler failed on ${event.eventType}: ${event.error}`);
        return;
      default:
        return;
    }
  }
}

function decline(): Promise<{ action: "decline" }> {
  return Promise.resolve({ action: "decline" });
}
