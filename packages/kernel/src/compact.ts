import type { ModelCatalog } from "./catalog.js";
import {
  buildSummaryRequest,
  estimateTokens,
  planCompaction,
  SUMMARY_SYSTEM_PROMPT,
  shouldCompact,
} from "./compaction.js";
import type { EventBus } from "./events.js";
import type { Message } from "./messages.js";
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
}

export const DEFAULT_COMPACTION: CompactionSettings = { threshold: 0.8, keepRecentTokens: 20_000 };

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
}): Promise<boolean> {
  const { session, settings, bus } = options;
  const { entries, previousSummary } = entriesInContext(session);
  const plan = planCompaction(
    entries.map((entry) => ({ id: entry.id, message: entry.message })),
    { keepRecentTokens: settings.keepRecentTokens },
  );
  if (!plan) return false;
  const tokensBefore = estimateTokens(session.buildContext().messages);
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
    },
    signal: options.signal,
    retry: options.retry,
  });
  const summary = messageText(result.message).trim();
  if (result.error || !summary) {
    bus.emit({
      type: "warning",
      message: `Compaction failed (${result.error?.message ?? "the model returned an empty summary"}); the conversation continues uncompacted.`,
    });
    return false;
  }
  session.append({ type: "compaction", summary, firstKeptEntryId: plan.firstKeptEntryId, tokensBefore });
  const tokensAfter = estimateTokens(session.buildContext().messages);
  bus.emit({ type: "compaction", summary, tokensBefore, tokensAfter });
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

/** Message entries currently sent to the model (after the last compaction), plus that compaction's summary. */
function entriesInContext(session: Session): { entries: MessageEntry[]; previousSummary?: string } {
  const path = session.pathToLeaf();
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
