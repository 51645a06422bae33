import type { Message, ProviderEvent } from "@pincer/sdk";
import type { CassetteCall } from "./cassette.js";

/**
 * Captures: a recorded call may take values out of the tool result it was answering (a job id, a
 * commit) with `capture: { name: "regex" }` (the first group, else the whole match), and any later
 * call uses them as `{{name}}` in its text or tool arguments. The ids a live run gets are never the
 * ones of the recording, so a cassette written by hand needs this to wait on the job it started.
 * Everything is derived from the conversation, so a resumed session replays the same.
 */

/** The text of a tool result message. */
export function toolResultText(message: Message): string {
  return message.role === "toolResult"
    ? message.content.map((block) => (block.type === "text" ? block.text : "")).join("")
    : "";
}

/** What the model had last been told before each of its turns: index k is before the k-th assistant message; the last is now. */
function lastResultBeforeEachCall(messages: Message[]): string[] {
  const seen: string[] = [];
  let last = "";
  for (const message of messages) {
    if (message.role === "assistant") seen.push(last);
    else if (message.role === "toolResult") last = toolResultText(message);
  }
  seen.push(last);
  return seen;
}

/** The values captured by calls 1…position+1 (the current one included), or why a capture found nothing. */
export function capturedValues(
  calls: CassetteCall[],
  messages: Message[],
  position: number,
): { values: Record<string, string> } | { error: string } {
  const seen = lastResultBeforeEachCall(messages);
  const values: Record<string, string> = {};
  for (let index = 0; index <= position && index < calls.length; index++) {
    for (const [name, pattern] of Object.entries(calls[index]?.capture ?? {})) {
      const text = seen[index] ?? "";
      const match = new RegExp(pattern).exec(text);
      if (!match) {
        return {
          error: `replay diverged at call ${index + 1}: capture "${name}" (/${pattern}/) matched nothing in the last tool result ${JSON.stringify(text.slice(0, 300))}.`,
        };
      }
      values[name] = match[1] ?? match[0];
    }
  }
  return { values };
}

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/** The event with its `{{name}}` placeholders filled (JSON-escaped inside tool arguments), or the name nothing captured. */
export function fillPlaceholders(
  event: ProviderEvent,
  values: Record<string, string>,
): { event: ProviderEvent } | { missing: string } {
  if (event.type !== "text_delta" && event.type !== "toolcall_delta") return { event };
  const source = event.type === "text_delta" ? event.text : event.argumentsDelta;
  let missing: string | undefined;
  const filled = source.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing ??= name;
      return whole;
    }
    return event.type === "text_delta" ? value : JSON.stringify(value).slice(1, -1);
  });
  if (missing) return { missing };
  return { event: event.type === "text_delta" ? { ...event, text: filled } : { ...event, argumentsDelta: filled } };
}
