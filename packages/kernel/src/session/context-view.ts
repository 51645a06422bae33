import type { Message, UserMessage } from "../messages.js";
import { isThinkingLevel } from "../thinking.js";
import { type HeldEntry, isLetGo, type LetGoEntry } from "./let-go.js";
import type { CompactionEntry, SessionContext, SessionEntry } from "./types.js";

/** Reads entries let go of back whole (see let-go.ts). */
export type Whole = (held: readonly HeldEntry[]) => SessionEntry[];

/** The user message that stands in for everything a compaction summarised. */
export function compactionSummaryMessage(summary: string, timestamp: number): UserMessage {
  return {
    role: "user",
    content: `<summary of earlier conversation>\n${summary}\n</summary of earlier conversation>`,
    timestamp,
  };
}

/**
 * The path root → leaf and what the model sees of it, kept in step with appends: a turn adds its
 * entries here one by one instead of walking the whole session again, so the cost of a step does
 * not grow with the session. Rebuilt from scratch only when the leaf moves elsewhere (a branch)
 * or a compaction changes where the context starts.
 */
export class ContextView {
  private constructor(
    /** The leaf this view ends at. */
    public leaf: string | null,
    private readonly path: HeldEntry[],
    private messages: Message[],
    private model: string | undefined,
    private thinking: SessionContext["thinking"],
    private readonly whole: Whole,
  ) {}

  /** The view of `path`, where entries let go of (only messages) are read back if the context needs them. */
  static of(path: HeldEntry[], whole: Whole): ContextView {
    const view = new ContextView(path.at(-1)?.id ?? null, path, [], undefined, undefined, whole);
    for (const entry of path) view.note(entry);
    view.messages = contextMessages(path, whole);
    return view;
  }

  /** Follows the leaf to `entry`, a child of it. */
  extend(entry: SessionEntry): void {
    this.path.push(entry);
    this.leaf = entry.id;
    this.note(entry);
    if (entry.type === "message") this.messages.push(entry.message);
    else if (entry.type === "compaction") this.messages = contextMessages(this.path, this.whole);
  }

  /** The path as held: entries let go of stand as such (see let-go.ts). */
  pathToLeaf(): HeldEntry[] {
    return this.path.slice();
  }

  /** Puts these stand-ins in the place of their entries (messages before what the context holds). */
  letGo(letGo: ReadonlyMap<string, LetGoEntry>): void {
    this.path.forEach((entry, index) => {
      const held = letGo.get(entry.id);
      if (held) this.path[index] = held;
    });
  }

  context(): SessionContext {
    return {
      messages: this.messages.slice(),
      ...(this.model === undefined ? {} : { model: this.model }),
      ...(this.thinking === undefined ? {} : { thinking: this.thinking }),
    };
  }

  private note(entry: HeldEntry): void {
    if (isLetGo(entry)) return;
    if (entry.type === "model_change") this.model = entry.model;
    // A hand-edited level that this Pincer does not know is ignored, not sent to a provider.
    if (entry.type === "thinking_change" && isThinkingLevel(entry.level)) this.thinking = entry.level;
  }
}

/** Where the context of a path starts: the last compaction's first kept entry, or the root. */
export function contextStart(held: readonly HeldEntry[]): { compaction?: CompactionEntry; start: number } {
  let compactionIndex = -1;
  held.forEach((entry, index) => {
    if (!isLetGo(entry) && entry.type === "compaction") compactionIndex = index;
  });
  if (compactionIndex < 0) return { start: 0 };
  const compaction = held[compactionIndex] as CompactionEntry;
  const keptIndex = held.findIndex((entry) => entry.id === compaction.firstKeptEntryId);
  // A kept entry off this path (hand-edited file) keeps nothing before the compaction.
  return { compaction, start: keptIndex >= 0 ? keptIndex : compactionIndex + 1 };
}

/**
 * What the model sees of a path: its messages, where the last compaction replaces everything
 * before its first kept entry with a summary message.
 */
function contextMessages(held: readonly HeldEntry[], whole: Whole): Message[] {
  const { compaction, start } = contextStart(held);
  const messages: Message[] = [];
  if (compaction) messages.push(compactionSummaryMessage(compaction.summary, Date.parse(compaction.timestamp)));
  // The session holds what the context needs (Session.holdFrom); read back should it not.
  for (const entry of whole(held.slice(start))) {
    if (entry.type === "message") messages.push(entry.message);
  }
  return messages;
}
