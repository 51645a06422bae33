import type {
  AfterToolCallVerdict,
  BeforeCompactionVerdict,
  BeforeToolCallVerdict,
  CompactionDone,
  CompactionInfo,
  PromptVerdict,
  StopVerdict,
  TurnStopReason,
} from "@pincer/kernel";
import type { EnvCapability, FsCapability } from "./capabilities.js";

/**
 * Hooks a plugin adds to every session it is loaded in. Each runs in the plugin's sandbox, under
 * its limits (a few seconds and a second of CPU per hook by default), with what the session is as
 * plain data and the plugin's granted fs and env. A hook answers with a typed verdict, or nothing
 * for "no objection". A hook that throws, runs past its limits or answers something malformed is
 * stopped, reported once, and the session goes on as if it had said nothing (a `guard`'s
 * beforeToolCall refuses the call instead; see ManifestHook).
 *
 * List every hook in the manifest's `contributes.hooks`: the host starts a plugin only for the
 * events it declared, and only calls the handlers listed there.
 */
export interface HookDefinitions {
  /**
   * Before a tool runs: `block` refuses it, `ask` makes a person approve it, `args` rewrites its
   * input (only with `"rewrite": true` in the manifest; checked again against the tool's schema
   * and judged by the permission engine as rewritten), `context` is added to what the model reads.
   * No verdict lowers a gate: a call the user's rules ask about or deny is asked or denied whatever
   * a hook says.
   */
  beforeToolCall?(call: HookToolCall, ctx: HookContext): MaybePromise<BeforeToolCallVerdict | undefined | void>;
  /** After a tool ran: `result` replaces what the model reads, `context` is added to it. */
  afterToolCall?(
    call: HookToolCall,
    result: HookToolResult,
    ctx: HookContext,
  ): MaybePromise<AfterToolCallVerdict | undefined | void>;
  /** A prompt the user (or a driver) submitted: `block` refuses it, `context` is added to it. */
  promptSubmit?(prompt: string, ctx: HookContext): MaybePromise<PromptVerdict | undefined | void>;
  /** The model stopped: `continueWith` sends it back to work with that message. */
  stop?(turn: HookTurn, ctx: HookContext): MaybePromise<StopVerdict | undefined | void>;
  /** The session's first turn starts: `context` joins the first prompt. */
  sessionStart?(info: { resumed: boolean }, ctx: HookContext): MaybePromise<{ context?: string } | undefined | void>;
  /** Older turns are about to be summarised: `pins` are kept verbatim above the summary. */
  beforeCompaction?(info: CompactionInfo, ctx: HookContext): MaybePromise<BeforeCompactionVerdict | undefined | void>;
  afterCompaction?(done: CompactionDone, ctx: HookContext): MaybePromise<undefined | void>;
  /**
   * Read-only notifications of the events the manifest lists (`turn_start`, `tool_end`…), in
   * order, after the fact: the session never waits for them. Past a bound of waiting events the
   * oldest are dropped and a `dropped` event says how many.
   */
  observe?(event: ObservedEvent, ctx: HookContext): MaybePromise<undefined | void>;
}

type MaybePromise<T> = T | Promise<T>;

/** What every hook runs with. No exec: a hook answers, it does not act (a command or tool does). */
export interface HookContext {
  cwd: string;
  sessionId: string;
  fs: FsCapability;
  env: EnvCapability;
  /** Plugin-scoped key/value state that lives as long as the plugin's isolate (shared with its tools). */
  state: Map<string, unknown>;
}

export interface HookToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A tool's result as hooks see it: its text (cut at 64 KB) and whether it failed. */
export interface HookToolResult {
  text: string;
  isError: boolean;
}

/** How a turn ended, as the stop hook sees it. */
export interface HookTurn {
  stopReason: TurnStopReason;
  steps: number;
  text: string;
}

/** Token counts and dollars, as observers and drivers see them. */
export interface UsageSummary {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number;
}

/** The read-only events a plugin may observe; each names itself in `contributes.hooks`. */
export type ObservedEvent =
  | { type: "turn_start"; prompt: string }
  | { type: "turn_end"; stopReason: TurnStopReason; steps: number; text: string; usage: UsageSummary; error?: string }
  | { type: "tool_start"; toolCallId: string; name: string; args: Record<string, unknown> }
  | { type: "tool_end"; toolCallId: string; name: string; isError: boolean; durationMs: number; text: string }
  /** One model call's usage, and the session's so far. */
  | { type: "usage"; model: string; usage: UsageSummary; session: UsageSummary }
  | { type: "text"; text: string }
  | { type: "compaction"; tokensBefore: number; tokensAfter: number }
  /** Events dropped because the plugin fell behind (never one of the listed names). */
  | { type: "dropped"; count: number };

export type ObservedEventType = Exclude<ObservedEvent["type"], "dropped">;
export const OBSERVED_EVENTS: readonly ObservedEventType[] = [
  "turn_start",
  "turn_end",
  "tool_start",
  "tool_end",
  "usage",
  "text",
  "compaction",
];

/** The decision points a plugin hook may answer. */
export type DecisionHookName = Exclude<keyof HookDefinitions, "observe">;
export const DECISION_HOOKS: readonly DecisionHookName[] = [
  "beforeToolCall",
  "afterToolCall",
  "promptSubmit",
  "stop",
  "sessionStart",
  "beforeCompaction",
  "afterCompaction",
];

/** A hook the manifest lists: a decision point's name or an observed event's. */
export type HookEventName = DecisionHookName | ObservedEventType;

/**
 * One entry of `contributes.hooks`: a name, or an object naming it with options.
 * - `tools`: for beforeToolCall and afterToolCall, the tools it is called for (default: all);
 *   the plugin is not even asked about others, which keeps every other call fast.
 * - `guard`: a beforeToolCall that fails (throws, runs past its limits, answers nonsense) refuses
 *   the call instead of letting it through. It only ever refuses more.
 * - `rewrite`: a beforeToolCall may answer `args` (rewrite the call's input). What runs is then what
 *   the plugin says, with the tool's power, so it is shown to the user at install; without it, an
 *   `args` verdict is refused as a failure of the hook.
 */
export type ManifestHook =
  | HookEventName
  | { event: HookEventName; tools?: string[]; guard?: boolean; rewrite?: boolean };

/** Identity helper, for inference and one obvious import. */
export function defineHooks(hooks: HookDefinitions): HookDefinitions {
  return hooks;
}
