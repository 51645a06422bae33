import { type KernelEvent, messageText } from "@pincer/kernel";
import type { DrivenEvent } from "@pincer/sdk";
import { cut, observedEvent } from "../hooks/observed-events.js";

/** The most of one streamed piece of a tool's output a driver is handed. */
const MAX_UPDATE_TEXT = 16 * 1024;
/** A tool's details are handed over when their JSON is at most this long. */
const MAX_DETAILS_JSON = 64 * 1024;

/**
 * A kernel event as a driver sees it (see DrivenEvent): what observers see, a tool's end with its
 * details, and what a person watching the run would see besides. A refused call keeps the permission
 * engine's reason and code: the driver started the session, under the user's rules and its own.
 */
export function drivenEvent(event: KernelEvent): DrivenEvent | undefined {
  switch (event.type) {
    case "tool_end": {
      const details = plainDetails(event.result.details);
      return {
        type: "tool_end",
        toolCallId: event.toolCallId,
        name: event.name,
        isError: event.result.isError,
        durationMs: event.durationMs,
        text: cut(messageText(event.result)),
        ...(details !== undefined ? { details } : {}),
      };
    }
    case "tool_update":
      return { type: "tool_update", toolCallId: event.toolCallId, text: cut(event.partial, MAX_UPDATE_TEXT) };
    case "permission":
      if (event.allowed) return undefined;
      return {
        type: "denied",
        toolCallId: event.toolCallId,
        name: event.name,
        reason: cut(event.decision.reason, 4096),
        ...(event.denial?.code ? { code: event.denial.code } : {}),
      };
    case "retry":
      return { type: "retry", attempt: event.attempt, delayMs: event.delayMs, error: cut(event.error, 4096) };
    case "loop_guard":
      return { type: "loop_guard", action: event.action, message: cut(event.message, 4096) };
    case "warning":
      return { type: "warning", message: cut(event.message, 4096) };
    default:
      return observedEvent(event);
  }
}

/** Details as plain JSON data within the cap, or nothing. */
function plainDetails(details: unknown): unknown {
  if (details === undefined) return undefined;
  try {
    const json = JSON.stringify(details);
    return json !== undefined && json.length <= MAX_DETAILS_JSON ? (JSON.parse(json) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
