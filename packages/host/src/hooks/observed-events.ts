import { type KernelEvent, messageText, type ToolResult, type Usage } from "@pincer/kernel";
import type { ObservedEvent, ObservedEventType, UsageSummary } from "@pincer/sdk";

/** The most text of one event (a prompt, an answer, a tool's output) a plugin is handed. */
export const MAX_EVENT_TEXT = 64 * 1024;
/** The most a tool call's arguments may be, as JSON, to be handed over whole (else `{ truncated: true }`). */
const MAX_ARGS_JSON = 64 * 1024;

/**
 * A kernel event as plugins see it (an observer's `observe`, a driver's `onEvent`): plain data, each
 * text cut at 64 KB, or undefined for the events plugins are not shown (stream deltas, permission
 * answers, warnings, which may quote what a person typed or what a secret-holding tool printed).
 */
export function observedEvent(event: KernelEvent): ObservedEvent | undefined {
  switch (event.type) {
    case "turn_start":
      return { type: "turn_start", prompt: cut(event.prompt) };
    case "turn_end":
      return {
        type: "turn_end",
        stopReason: event.result.stopReason,
        steps: event.result.steps,
        text: cut(event.result.text),
        usage: usageSummary(event.result.usage),
        ...(event.result.error ? { error: cut(event.result.error) } : {}),
      };
    case "tool_start": {
      const json = JSON.stringify(event.args) ?? "{}";
      return {
        type: "tool_start",
        toolCallId: event.toolCallId,
        name: event.name,
        args: json.length <= MAX_ARGS_JSON ? (JSON.parse(json) as Record<string, unknown>) : { truncated: true },
      };
    }
    case "tool_end":
      return {
        type: "tool_end",
        toolCallId: event.toolCallId,
        name: event.name,
        isError: event.result.isError,
        durationMs: event.durationMs,
        text: cut(messageText(event.result)),
      };
    case "assistant_message": {
      const text = messageText(event.message);
      return text ? { type: "text", text: cut(text) } : undefined;
    }
    case "compaction":
      return { type: "compaction", tokensBefore: event.tokensBefore, tokensAfter: event.tokensAfter };
    default:
      return undefined;
  }
}

/**
 * The events one kernel event becomes for a plugin that observes `wanted`: an assistant message is
 * its text and its usage (the model call's and the session's so far, from `sessionUsage`).
 */
export function observedEvents(
  event: KernelEvent,
  wanted: ReadonlySet<ObservedEventType>,
  sessionUsage: () => Usage,
): ObservedEvent[] {
  const out: ObservedEvent[] = [];
  if (event.type === "assistant_message" && wanted.has("usage")) {
    out.push({
      type: "usage",
      model: event.message.model,
      usage: usageSummary(event.message.usage),
      session: usageSummary(sessionUsage()),
    });
  }
  const observed = observedEvent(event);
  if (observed && observed.type !== "dropped" && wanted.has(observed.type)) out.push(observed);
  return out;
}

export function usageSummary(usage: Usage): UsageSummary {
  return {
    input: usage.input,
    output: usage.output,
    cacheRead: usage.cacheRead,
    cacheWrite: usage.cacheWrite,
    costUsd: usage.cost.total,
  };
}

/** A tool result's text as hooks see it. */
export function resultText(result: ToolResult): string {
  const text =
    typeof result.content === "string"
      ? result.content
      : result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
  return cut(text);
}

export function cut(text: string, max = MAX_EVENT_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters]`;
}
