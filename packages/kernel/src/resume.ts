import type { ToolCall } from "./messages.js";
import type { Session } from "./session/session.js";
import { interrupted } from "./turn.js";

/**
 * A process killed while tools ran leaves an assistant message whose calls have no results.
 * Providers reject such a conversation, so on resume each missing result is filled in with
 * an error telling the model the call may have run partially.
 */
export function repairInterruptedToolCalls(session: Session): number {
  const path = session.pathToLeaf();
  let lastAssistant = -1;
  for (let index = path.length - 1; index >= 0; index--) {
    const entry = path[index]!;
    if (entry.type === "message" && entry.message.role === "assistant") {
      lastAssistant = index;
      break;
    }
  }
  if (lastAssistant < 0) return 0;
  const assistant = path[lastAssistant]!;
  if (assistant.type !== "message" || assistant.message.role !== "assistant") return 0;
  const answered = new Set<string>();
  for (const entry of path.slice(lastAssistant + 1)) {
    if (entry.type === "message" && entry.message.role === "toolResult") answered.add(entry.message.toolCallId);
  }
  let repaired = 0;
  for (const block of assistant.message.content) {
    if (block.type !== "toolCall" || answered.has(block.id)) continue;
    session.append({
      type: "message",
      message: interrupted(
        block as ToolCall,
        "the previous Pincer process stopped while this tool was running, so it may have run partially; check its effects before retrying",
      ),
    });
    repaired++;
  }
  return repaired;
}
