import type { Message, StopReason, TokenUsage } from "./messages.js";

/** A tool as the model sees it: name, description and JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Everything a provider needs for one model call. Providers must not mutate it. */
export interface ModelRequest {
  /** Model id without the provider prefix (`gpt-5`, not `openai/gpt-5`). */
  model: string;
  systemPrompt: string;
  messages: Message[];
  tools: ToolSpec[];
  maxOutputTokens?: number;
  /** Reasoning effort where the model supports it. */
  reasoning?: "low" | "medium" | "high";
  /**
   * A request no later one continues (a compaction's summary): whoever carries it need keep
   * nothing of its messages for the next call.
   */
  oneOff?: boolean;
}

/**
 * The one stream-event union every provider emits. Failures travel inside the stream as an
 * `error` event; a provider never throws across this boundary. The kernel assembles the
 * assistant message from these deltas, so providers stay thin translators.
 */
export type ProviderEvent =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; text: string; signature?: string }
  | { type: "toolcall_start"; index: number; id: string; name: string }
  | { type: "toolcall_delta"; index: number; argumentsDelta: string }
  | { type: "toolcall_end"; index: number }
  | { type: "usage"; usage: Partial<TokenUsage> }
  | { type: "stop"; reason: StopReason }
  | {
      type: "error";
      message: string;
      /** True for failures worth retrying (429, 5xx, overloaded, connection reset). */
      retryable: boolean;
      status?: number;
      /** From `retry-after`, when the server sent one. */
      retryAfterMs?: number;
    };

export interface Provider {
  /** The prefix in `provider/model`, e.g. `openai`. */
  id: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ProviderEvent>;
}

/** Split `openai/gpt-5` into provider and model. The model part may itself contain slashes (`hf/org/model`). */
export function parseModelRef(ref: string): { provider: string; model: string } {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    throw new Error(`Model "${ref}" is not of the form provider/model (for example openai/gpt-5).`);
  }
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}
