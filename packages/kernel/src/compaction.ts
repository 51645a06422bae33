import type { Message, UserMessage } from "./messages.js";

const IMAGE_TOKENS = 1_200;
const RESULT_CHARS_IN_SUMMARY = 2_000;

/** A cheap, provider-neutral estimate: about four characters a token. */
export function estimateTokens(messages: Message[]): number {
  let chars = 0;
  let images = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    chars += size.chars;
    images += size.images;
  }
  return Math.ceil(chars / 4) + images * IMAGE_TOKENS;
}

/**
 * A message's size, measured once: messages in a session are not changed after they are appended,
 * and the context is estimated before every model call, so measuring each anew made a step's cost
 * grow with the session (tool-call arguments were stringified again every time).
 */
const sizes = new WeakMap<Message, { chars: number; images: number }>();
function sizeOf(message: Message): { chars: number; images: number } {
  const known = sizes.get(message);
  if (known) return known;
  let chars = 0;
  let images = 0;
  if (typeof message.content === "string") chars = message.content.length;
  else {
    for (const block of message.content) {
      if (block.type === "text") chars += block.text.length;
      else if (block.type === "thinking") chars += block.thinking.length;
      else if (block.type === "toolCall") chars += block.name.length + JSON.stringify(block.arguments).length;
      else if (block.type === "image") images++;
    }
  }
  const size = { chars, images };
  sizes.set(message, size);
  return size;
}

export function shouldCompact(options: {
  contextTokens: number;
  contextWindow: number;
  threshold?: number;
  reserveTokens?: number;
}): boolean {
  const threshold = options.threshold ?? 0.8;
  const budget = options.contextWindow * threshold - (options.reserveTokens ?? 0);
  return options.contextTokens >= budget;
}

export interface CompactionPlan<Entry extends { id: string; message: Message }> {
  toSummarize: Entry[];
  firstKeptEntryId: string;
}

/**
 * Chooses where the verbatim tail begins: about `keepRecentTokens` from the end, moved back to
 * the start of a step — a user prompt or an assistant message, never a tool result — so a tool
 * call is never separated from its result. A step boundary (not only a prompt) is needed because
 * an unattended run is one prompt followed by hundreds of model calls. Undefined when there is
 * too little before that point to be worth a summary.
 */
export function planCompaction<Entry extends { id: string; message: Message }>(
  entries: Entry[],
  options: { keepRecentTokens: number },
): CompactionPlan<Entry> | undefined {
  let kept = 0;
  let cut = entries.length;
  for (let index = entries.length - 1; index >= 0; index--) {
    kept += estimateTokens([entries[index]!.message]);
    cut = index;
    if (kept >= options.keepRecentTokens) break;
  }
  // Walk back over tool results to the message that made their calls (or a prompt).
  while (cut > 0 && entries[cut]?.message.role === "toolResult") cut--;
  if (cut < 2 || entries[cut]?.message.role === "toolResult") return undefined;
  return { toSummarize: entries.slice(0, cut), firstKeptEntryId: entries[cut]!.id };
}

export const SUMMARY_SYSTEM_PROMPT = [
  "You summarise a conversation between a user and a coding agent so the agent can continue the work with only your summary.",
  "Write plain text with these sections:",
  "TASK: the user's goal, quoted verbatim where possible.",
  "PLAN: the current plan or todo list and the status of each item.",
  "DECISIONS: choices made and why.",
  "FILES: files read, created or changed, with what changed.",
  "ERRORS: errors seen and what fixed them (or that they are unresolved).",
  "NEXT: the next concrete steps.",
  "Be complete about facts and terse in wording. Never invent progress.",
].join("\n");

/**
 * The transcript as one plain-text user message: any provider accepts it, and no tool call
 * is left without its result.
 */
export function buildSummaryRequest(toSummarize: Message[], previousSummary?: string): Message[] {
  const lines: string[] = [];
  if (previousSummary) lines.push("Summary of the conversation before this part:", previousSummary, "");
  lines.push("Conversation to summarise:");
  for (const message of toSummarize) lines.push(renderMessage(message));
  const request: UserMessage = {
    role: "user",
    content: `${lines.join("\n")}\n\nWrite the summary now, with the TASK, PLAN, DECISIONS, FILES, ERRORS and NEXT sections.`,
    timestamp: Date.now(),
  };
  return [request];
}

function renderMessage(message: Message): string {
  if (message.role === "user") {
    const text =
      typeof message.content === "string"
        ? message.content
        : message.content.map((block) => (block.type === "text" ? block.text : "[image]")).join("");
    return `[user] ${text}`;
  }
  if (message.role === "toolResult") {
    const text = message.content.map((block) => (block.type === "text" ? block.text : "[image]")).join("");
    const clipped = text.length > RESULT_CHARS_IN_SUMMARY ? `${text.slice(0, RESULT_CHARS_IN_SUMMARY)} […]` : text;
    return `[tool result: ${message.toolName}${message.isError ? ", error" : ""}] ${clipped}`;
  }
  return message.content
    .map((block) => {
      if (block.type === "text") return `[assistant] ${block.text}`;
      if (block.type === "thinking") return `[assistant thinking] ${block.thinking}`;
      return `[assistant calls ${block.name}] ${JSON.stringify(block.arguments)}`;
    })
    .join("\n");
}
