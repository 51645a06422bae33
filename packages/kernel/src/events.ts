import type { AssistantMessage, Message, ToolResultMessage, Usage } from "./messages.js";
import type { PermissionDecision, PermissionMode } from "./permissions/types.js";
import type { QueueDropReason, QueuedPrompt } from "./prompt-queue.js";
import type { ProviderEvent } from "./provider.js";
import type { PermissionDenial, TurnStop } from "./stop-codes.js";
import type { ThinkingLevel } from "./thinking.js";

export type TurnStopReason = "end_turn" | "max_turns" | "aborted" | "error" | "loop_guard" | "blocked";

export interface TurnResult {
  stopReason: TurnStopReason;
  /** Model calls made in this turn. */
  steps: number;
  usage: Usage;
  /** The final assistant text of the turn (may be empty). */
  text: string;
  /** Set when stopReason is error, max_turns, loop_guard or blocked; names no front end's controls. */
  error?: string;
  /** Why the turn stopped, as a code with its data (absent for end_turn and aborted). */
  stop?: TurnStop;
}

/**
 * Every step of a turn, in order. Hosts (CLI, TUI, server) render these; nothing in the
 * kernel depends on who listens.
 */
export type KernelEvent =
  | { type: "session_start"; sessionId: string; model: string; cwd: string; tools: string[]; resumed: boolean }
  /** `queued`: the turn delivers a message that waited in the queue (a follow-up, or a steer the last turn missed). */
  | { type: "turn_start"; prompt: string; queued?: QueuedPrompt }
  | { type: "request_start"; step: number; model: string }
  | { type: "stream"; event: ProviderEvent }
  /** A model call is tried again; `discarded`: the failed attempt had streamed output, now dropped. */
  | { type: "retry"; attempt: number; delayMs: number; error: string; discarded?: boolean }
  | { type: "assistant_message"; message: AssistantMessage }
  | { type: "tool_start"; toolCallId: string; name: string; args: Record<string, unknown> }
  | { type: "tool_update"; toolCallId: string; partial: string }
  /** durationMs: the tool's own time — hooks, checks and execution, not the wait for a person's answer. */
  | { type: "tool_end"; toolCallId: string; name: string; result: ToolResultMessage; durationMs: number }
  | {
      type: "permission";
      toolCallId: string;
      name: string;
      decision: PermissionDecision;
      asked: boolean;
      allowed: boolean;
      /** Why it was refused, as a code with its data (when allowed is false). */
      denial?: PermissionDenial;
    }
  | { type: "message_appended"; message: Message }
  | { type: "compaction"; summary: string; tokensBefore: number; tokensAfter: number }
  | { type: "loop_guard"; action: "correct" | "stop"; kind: string; message: string }
  | { type: "model_change"; model: string }
  | { type: "thinking_change"; level: ThinkingLevel }
  | { type: "permission_mode_change"; mode: PermissionMode }
  | { type: "turn_end"; result: TurnResult; sessionUsage: Usage }
  /** Usage changed (a model call, a subagent's, a compaction): the session's and the turn's totals so far. */
  | { type: "usage"; session: Usage; turn: Usage }
  | { type: "warning"; message: string }
  /** A message sent while a turn runs waits for the loop (kernel.steer, kernel.followUp). */
  | { type: "prompt_queued"; queued: QueuedPrompt }
  /** Queued messages reached the model: steering ones as user messages mid-turn, a follow-up as a new turn. */
  | { type: "queue_delivered"; delivered: QueuedPrompt[] }
  /** Queued messages that will not be delivered, and why; a front end gives their text back to the user. */
  | { type: "queue_dropped"; dropped: QueuedPrompt[]; reason: QueueDropReason }
  | { type: "subscriber_error"; eventType: string; error: string };

export type KernelEventType = KernelEvent["type"];
export type EventOf<T extends KernelEventType> = Extract<KernelEvent, { type: T }>;
type Listener = (event: KernelEvent) => void;

/**
 * Synchronous, typed fan-out. A listener that throws is reported as a `subscriber_error`
 * event and never breaks the loop; listeners must not block (hand slow work to a queue).
 */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<T extends KernelEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === type) listener(event as EventOf<T>);
    });
  }

  emit(event: KernelEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // Reporting a failure of a subscriber_error listener would recurse forever.
        if (event.type === "subscriber_error") continue;
        this.emit({ type: "subscriber_error", eventType: event.type, error: errorText(error) });
      }
    }
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
