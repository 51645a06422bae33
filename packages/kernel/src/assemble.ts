import { attachPieces } from "./long-text.js";
import type { AssistantMessage, StopReason, TextContent, ThinkingContent, TokenUsage, ToolCall } from "./messages.js";
import { emptyUsage } from "./messages.js";
import type { ProviderEvent } from "./provider.js";
import { TextPieces } from "./text-pieces.js";

interface OpenToolCall {
  id: string;
  name: string;
  argumentsText: TextPieces;
  ended: boolean;
}

/**
 * Builds one assistant message from a provider's delta stream. Providers only translate
 * wire chunks into ProviderEvents; joining them lives here once, for all providers.
 */
export class MessageAssembler {
  private readonly blocks: Array<TextContent | ThinkingContent | { type: "toolCallRef"; index: number }> = [];
  /** The streamed text of each text or thinking block, joined into the block when the message is finished. */
  private readonly texts = new Map<TextContent | ThinkingContent, TextPieces>();
  private readonly signatures = new Map<ThinkingContent, TextPieces>();
  private readonly toolCalls = new Map<number, OpenToolCall>();
  private readonly tokens: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private stopReason: StopReason | undefined;
  private error: { message: string; retryable: boolean; status?: number; retryAfterMs?: number } | undefined;
  /** Arguments that were not valid JSON, by tool call id: the runner reports them to the model. */
  readonly argumentErrors = new Map<string, string>();

  constructor(
    private readonly model: string,
    private readonly providerId: string,
  ) {}

  push(event: ProviderEvent): void {
    switch (event.type) {
      case "text_delta": {
        const last = this.blocks.at(-1);
        if (last?.type === "text") this.texts.get(last)?.append(event.text);
        else this.startBlock({ type: "text", text: "" }, event.text);
        break;
      }
      case "thinking_delta": {
        const last = this.blocks.at(-1);
        if (last?.type === "thinking") {
          this.texts.get(last)?.append(event.text);
          if (event.signature) this.signatureOf(last).append(event.signature);
        } else {
          const block: ThinkingContent = { type: "thinking", thinking: "", provider: this.providerId };
          this.startBlock(block, event.text);
          if (event.signature) this.signatureOf(block).append(event.signature);
        }
        break;
      }
      case "toolcall_start":
        this.toolCalls.set(event.index, {
          id: event.id,
          name: event.name,
          argumentsText: new TextPieces(),
          ended: false,
        });
        this.blocks.push({ type: "toolCallRef", index: event.index });
        break;
      case "toolcall_delta": {
        const call = this.toolCalls.get(event.index);
        if (call) call.argumentsText.append(event.argumentsDelta);
        break;
      }
      case "toolcall_end": {
        const call = this.toolCalls.get(event.index);
        if (call) call.ended = true;
        break;
      }
      case "usage":
        // Providers report cumulative counts; the latest report wins per field.
        for (const key of ["input", "output", "cacheRead", "cacheWrite"] as const) {
          const value = event.usage[key];
          if (typeof value === "number") this.tokens[key] = value;
        }
        break;
      case "stop":
        this.stopReason = event.reason;
        break;
      case "error":
        this.error = event;
        break;
    }
  }

  get failure() {
    return this.error;
  }

  /** Whether the provider said how the reply ended (a stop event). */
  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  get tokenUsage(): TokenUsage {
    return { ...this.tokens };
  }

  /**
   * The finished message. On error or abort, tool calls are dropped: a half-streamed call
   * must never reach the session, since its result could never be produced.
   */
  finish(aborted: boolean): AssistantMessage {
    const failed = aborted || this.error !== undefined;
    const content: AssistantMessage["content"] = [];
    let counter = 0;
    for (const block of this.blocks) {
      if (block.type !== "toolCallRef") {
        content.push(this.finished(block));
        continue;
      }
      if (failed) continue;
      const call = this.toolCalls.get(block.index);
      if (!call) continue;
      const id = call.id || `call_${Date.now().toString(36)}_${counter++}`;
      content.push(this.toToolCall(id, call));
    }
    const hasToolCalls = content.some((block) => block.type === "toolCall");
    let stopReason: StopReason = this.stopReason ?? (hasToolCalls ? "toolUse" : "stop");
    if (aborted) stopReason = "aborted";
    else if (this.error) stopReason = "error";
    else if (hasToolCalls) stopReason = "toolUse";
    return {
      role: "assistant",
      content,
      model: this.model,
      usage: { ...emptyUsage(), ...this.tokens },
      stopReason,
      ...(this.error ? { errorMessage: this.error.message } : {}),
      timestamp: Date.now(),
    };
  }

  private startBlock(block: TextContent | ThinkingContent, delta: string): void {
    const pieces = new TextPieces();
    pieces.append(delta);
    this.texts.set(block, pieces);
    this.blocks.push(block);
  }

  private signatureOf(block: ThinkingContent): TextPieces {
    const known = this.signatures.get(block);
    if (known) return known;
    const pieces = new TextPieces();
    this.signatures.set(block, pieces);
    return pieces;
  }

  /** A text or thinking block with its streamed text in place. */
  private finished(block: TextContent | ThinkingContent): TextContent | ThinkingContent {
    const pieces = this.texts.get(block);
    const text = pieces?.text() ?? "";
    if (block.type === "text") {
      const done: TextContent = { ...block, text };
      attachPieces(done, "text", pieces?.pieces());
      return done;
    }
    const signature = this.signatures.get(block)?.text();
    const done: ThinkingContent = { ...block, thinking: text, ...(signature ? { signature } : {}) };
    attachPieces(done, "thinking", pieces?.pieces());
    return done;
  }

  private toToolCall(id: string, call: OpenToolCall): ToolCall {
    const text = call.argumentsText.text().trim();
    if (text === "") return { type: "toolCall", id, name: call.name, arguments: {} };
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        return { type: "toolCall", id, name: call.name, arguments: parsed as Record<string, unknown> };
      }
      this.argumentErrors.set(id, `the arguments must be a JSON object, got ${text.slice(0, 200)}`);
    } catch (error) {
      this.argumentErrors.set(
        id,
        `the arguments were not valid JSON (${(error as Error).message}): ${text.slice(0, 200)}`,
      );
    }
    return { type: "toolCall", id, name: call.name, arguments: {} };
  }
}
