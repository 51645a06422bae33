import type { ModelCatalog } from "./catalog.js";
import {
  buildSummaryRequest,
  estimateTokens,
  planCompaction,
  SUMMARY_SYSTEM_PROMPT,
  shouldCompact,
} from "./compaction.js";
import type { EventBus } from "./events.js";
import type { CompactionDone } from "./hooks.js";
import type { Message, Usage } from "./messages.js";
import { messageText } from "./messages.js";
import { callModel, type RetryPolicy } from "./model-call.js";
import type { Provider } from "./provider.js";
import type { Session } from "./session/session.js";
import type { CompactionEntry, MessageEntry } from "./session/types.js";

export interface CompactionSettings {
  /** Compact when the context reaches this fraction of the model's window. */
  threshold: number;
  /** Tokens of recent conversation kept verbatim. */
  keepRecentTokens: number;
  /** Tools whose latest result is the plan (the todo list): kept verbatim through every compaction. */
  planTools: string[];
}

export const DEFAULT_COMPACTION: CompactionSettings = { threshold: 0.8, keepRecentTokens: 20_000, planTools: ["todo"] };

/**
 * Summarises older turns into one compaction entry. The summary is written by the current
 * model; the kept tail always starts at a prompt, so a tool call is never split from its result.
 */
export async function compactSession(options: {
  session: Session;
  provider: Provider;
  modelRef: string;
  model: string;
  settings: CompactionSettings;
  retry: RetryPolicy;
  bus: EventBus;
  signal: AbortSignal;
  /**
   * What the summary call cost, priced: it is a model call like any other, so it counts in the
   * session's usage and against a budget. Called whether the summary was usable or not.
   */
  onUsage?: (usage: Usage) => Usage;
  /** Hooks' pins for this compaction (kept verbatim), asked once it is sure to happen. */
  pins?: (tokensBefore: number) => Promise<string[]>;
  /** Told of the compaction once it is recorded (the afterCompaction hooks). */
  after?: (done: CompactionDone) => Promise<void>;
}): Promise<boolean> {
  const { session, settings, bus } = options;
  const { entries, previousSummary } = entriesInContext(session);
  const plan = planCompaction(
    entries.map((entry) => ({ id: entry.id, message: entry.message })),
    { keepRecentTokens: settings.keepRecentTokens },
  );
  if (!plan) return false;
  const tokensBefore = estimateTokens(session.buildContext().messages);
  const hookPins = (await options.pins?.(tokensBefore)) ?? [];
  const result = await callModel({
    provider: options.provider,
    modelRef: options.modelRef,
    request: {
      model: options.model,
      systemPrompt: SUMMARY_SYSTEM_PROMPT,
      messages: buildSummaryRequest(
        plan.toSummarize.map((entry) => entry.message),
        previousSummary,
      ),
      tools: [],
      oneOff: true,
    },
    signal: options.signal,
    retry: options.retry,
  });
  const usage = options.onUsage?.(result.message.usage);
  const modelSummary = messageText(result.message).trim();
  if (result.error || !modelSummary) {
    bus.emit({
      type: "warning",
      message: `Compaction failed (${result.error?.message ?? "the model returned an empty summary"}); the conversation continues uncompacted.`,
    });
    return false;
  }
  // The task and the plan are what a long run must never lose, and a summary may paraphrase or
  // drop them: they go in verbatim, above the model's summary, at every compaction.
  const pinned = pinnedEntries(session, settings.planTools);
  const summary = [...pinnedSections(pinned), ...hookPins.map(clip), modelSummary].join("\n\n");
  session.append({
    type: "compaction",
    summary,
    firstKeptEntryId: plan.firstKeptEntryId,
    tokensBefore,
    ...(usage ? { usage } : {}),
  });
  // What was summarised stays in the file (resume, `sessions show`, a fork read it there); the
  // process holds on only to the pins, which the next compaction looks for again.
  const keep = new Set<unknown>([pinned.task, pinned.plan]);
  session.letGoBefore(plan.firstKeptEntryId, (entry) => keep.has(entry));
  const tokensAfter = estimateTokens(session.buildContext().messages);
  bus.emit({ type: "compaction", summary, tokensBefore, tokensAfter });
  await options.after?.({ summary, tokensBefore, tokensAfter });
  return true;
}

export function needsCompaction(
  messages: Message[],
  systemPrompt: string,
  catalog: ModelCatalog,
  modelRef: string,
  settings: CompactionSettings,
): boolean {
  const contextTokens = estimateTokens(messages) + Math.ceil(systemPrompt.length / 4);
  return shouldCompact({
    contextTokens,
    contextWindow: catalog.resolve(modelRef).contextWindow,
    threshold: settings.threshold,
  });
}

const PINNED_CHARS = 12_000;

/**
 * The entries of the session's first prompt (the task) and of the latest result of a plan tool
 * (the todo list) on the whole path, so they are found again however many compactions came
 * before. Looked for among the entries in memory: a compaction lets go of the messages it
 * summarised except these two (compactSession), so the first prompt and the latest plan of the
 * whole path are always among them, and no compaction reads the file.
 */
export function pinnedEntries(
  session: Session,
  planTools: readonly string[],
): { task?: MessageEntry | undefined; plan?: MessageEntry | undefined } {
  let task: MessageEntry | undefined;
  let plan: MessageEntry | undefined;
  for (const entry of session.pathInMemory()) {
    if (entry.type !== "message") continue;
    const message = entry.message;
    if (!task && message.role === "user") task = entry;
    if (message.role === "toolResult" && !message.isError && planTools.includes(message.toolName)) plan = entry;
  }
  return { task, plan };
}

/** The pinned task and plan (pinnedEntries) as the sections a compaction summary starts with. */
export function pinnedSections(pinned: { task?: MessageEntry | undefined; plan?: MessageEntry | undefined }): string[] {
  const sections: string[] = [];
  if (pinned.task)
    sections.push(`TASK (the user's first prompt, verbatim):\n${clip(messageText(pinned.task.message))}`);
  if (pinned.plan)
    sections.push(`CURRENT PLAN (the latest todo list, verbatim):\n${clip(messageText(pinned.plan.message))}`);
  return sections;
}

function clip(text: string): string {
  if (text.length <= PINNED_CHARS) return text;
  return `${text.slice(0, PINNED_CHARS)}\n[… ${text.length - PINNED_CHARS} more characters are in the session file]`;
}

/** Message entries currently sent to the model (after the last compaction), plus that compaction's summary. */
function entriesInContext(session: Session): { entries: MessageEntry[]; previousSummary?: string } {
  // In memory: compactions and what the context holds are never let go of.
  const path = session.pathInMemory();
  let lastCompaction: CompactionEntry | undefined;
  for (const entry of path) if (entry.type === "compaction") lastCompaction = entry;
  let keeping = !lastCompaction;
  const entries: MessageEntry[] = [];
  for (const entry of path) {
    if (lastCompaction && entry.id === lastCompaction.firstKeptEntryId) keeping = true;
    if (keeping && entry.type === "message") entries.push(entry);
  }
  return lastCompaction ? { entries, previousSummary: lastCompaction.summary } : { entries };
}
