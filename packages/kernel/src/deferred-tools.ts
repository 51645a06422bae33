import type { Message } from "./messages.js";
import type { AnyTool } from "./tool.js";

/**
 * Which deferred tools (`Tool.deferred`) a session offers the model. A deferred tool's schema is
 * sent only once the conversation names it — a tool result saying "read its output with
 * bash_output", the user asking for it, or the model calling it — and from then on for the rest of
 * the session (taking it back would change the request prefix providers cache). Until then it
 * costs the first request nothing. It stays registered throughout: a call to it runs, validated and
 * authorized like any other.
 *
 * Each message is read once: the scan resumes where the last one ended, and starts over only when
 * the context got shorter (a compaction or a branch), so the cost stays flat as a session grows.
 */
export class DeferredOffers {
  private readonly offered = new Set<string>();
  private scanned = 0;

  /** The tools to send with the next request, in registration order. */
  select(tools: ReadonlyMap<string, AnyTool>, messages: readonly Message[]): AnyTool[] {
    const waiting = [...tools.values()].filter((tool) => tool.deferred && !this.offered.has(tool.name));
    if (waiting.length > 0) this.scan(waiting, messages);
    else this.scanned = messages.length;
    return [...tools.values()].filter((tool) => !tool.deferred || this.offered.has(tool.name));
  }

  private scan(waiting: AnyTool[], messages: readonly Message[]): void {
    if (messages.length < this.scanned) this.scanned = 0;
    const patterns = waiting.map((tool) => ({
      name: tool.name,
      pattern: new RegExp(`\\b${escapeRegExp(tool.name)}\\b`),
    }));
    for (let i = this.scanned; i < messages.length; i++) {
      const text = textOf(messages[i] as Message);
      for (const { name, pattern } of patterns)
        if (!this.offered.has(name) && pattern.test(text)) this.offered.add(name);
    }
    this.scanned = messages.length;
  }
}

/** What of a message can name a tool: its text, and the names of the tools it calls. */
function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  let text = "";
  for (const block of message.content) {
    if (block.type === "text") text += `${block.text}\n`;
    else if (block.type === "toolCall") text += `${block.name}\n`;
  }
  return text;
}

function escapeRegExp(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
