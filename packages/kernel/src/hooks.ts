import type { TurnResult } from "./events.js";
import type { ToolCall } from "./messages.js";
import type { ToolResult } from "./tool.js";

/**
 * Hooks are how hosts and plugins steer the loop. Each returns a typed verdict instead of
 * mutating its input; `reason` and `context` are shown to the model. Returning nothing (or `{}`)
 * means "no objection": the call, prompt or stop goes on as it would without the hook.
 *
 * A hook can raise the permission gate: `block` refuses a tool call outright and `ask` makes a
 * person approve it (whatever the mode, allow rules or budget say; with nobody to ask it is
 * refused). Lowering it is narrow: `allow` (Claude Code's PreToolUse `permissionDecision:
 * "allow"`, which only the Claude Code hook adapter answers — sandboxed plugins' verdicts may not
 * carry it) skips the question the permission *mode* would ask, nothing else: deny rules, ask
 * rules, another hook's ask, a call that must be asked (one that would run without an OS sandbox)
 * and recurring spending still stand, as Claude Code's "deny and ask rules are still evaluated
 * regardless of what the hook returns". A capability a plugin was not granted stays refused
 * whatever a hook says.
 *
 * Any verdict may carry `halt` (Claude Code's `continue: false`): the turn ends after this hook,
 * with the reason, as a `blocked` stop.
 */
export interface BeforeToolCallVerdict {
  /** Refuse the call; the model receives `reason` as the tool's error. */
  block?: { reason: string };
  /** A person must approve the call, told `reason`; deny rules still deny first. */
  ask?: { reason: string };
  /** Replace the arguments (validated again against the tool's schema, then judged by the permission engine). */
  args?: Record<string, unknown>;
  /** Extra text appended to the tool result the model sees. */
  context?: string;
  /** Skip the question the permission mode would ask (see above: rules, asks and must-ask still stand). */
  allow?: { reason: string };
  halt?: { reason: string };
}

export interface AfterToolCallVerdict {
  /** Replace the result the model sees. */
  result?: ToolResult;
  context?: string;
  halt?: { reason: string };
}

export interface PromptVerdict {
  block?: { reason: string };
  /** Added to the prompt as extra context for the model. */
  context?: string;
  halt?: { reason: string };
}

export interface StopVerdict {
  /** Keep the turn going with this message to the model (e.g. "tests still fail; fix them"). */
  continueWith?: string;
  halt?: { reason: string };
}

/** What a compaction is about to summarise: `manual` when asked for (kernel.compact), else automatic. */
export interface CompactionInfo {
  tokensBefore: number;
  manual: boolean;
}

export interface BeforeCompactionVerdict {
  /** Text kept verbatim above the summary (the model never paraphrases or drops it). */
  pins?: string[];
}

/** A compaction that was recorded. */
export interface CompactionDone {
  summary: string;
  tokensBefore: number;
  tokensAfter: number;
}

type MaybePromise<T> = T | Promise<T>;

export interface Hooks {
  beforeToolCall?: (call: ToolCall, info: { cwd: string }) => MaybePromise<BeforeToolCallVerdict | undefined | void>;
  afterToolCall?: (
    call: ToolCall,
    result: ToolResult & { isError: boolean },
  ) => MaybePromise<AfterToolCallVerdict | undefined | void>;
  promptSubmit?: (prompt: string) => MaybePromise<PromptVerdict | undefined | void>;
  sessionStart?: (info: {
    sessionId: string;
    resumed: boolean;
  }) => MaybePromise<{ context?: string } | undefined | void>;
  stop?: (result: TurnResult) => MaybePromise<StopVerdict | undefined | void>;
  beforeCompaction?: (info: CompactionInfo) => MaybePromise<BeforeCompactionVerdict | undefined | void>;
  /** Told once the compaction is recorded; nothing to answer. */
  afterCompaction?: (done: CompactionDone) => MaybePromise<undefined | void>;
}

export type HookName = keyof Hooks;

/**
 * Who registered a set of hooks, for the warnings about it. A `guard`'s beforeToolCall fails
 * closed: when it throws (or its host reports it stopped), the call is refused rather than run
 * unchecked. Every other hook that fails is reported once and treated as having said nothing.
 */
export interface HookSource {
  /** Shown in warnings, e.g. `plugin veto-hook` or `Claude Code plugin lint (hooks.json)`. */
  name: string;
  guard?: boolean;
}

export interface RegisteredHooks {
  hooks: Hooks;
  source: HookSource;
}

/** Registered hooks run in registration order; the first block wins, rewrites chain (see hook-dispatch.ts). */
export class HookRegistry {
  private readonly entries: RegisteredHooks[] = [];
  private anonymous = 0;

  add(hooks: Hooks, source?: HookSource): () => void {
    const entry = { hooks, source: source ?? { name: `host hooks #${++this.anonymous}` } };
    this.entries.push(entry);
    return () => {
      const index = this.entries.indexOf(entry);
      if (index >= 0) this.entries.splice(index, 1);
    };
  }

  /** Every registered set that has a handler for `name`, in order, with its source. */
  registered(name: HookName): RegisteredHooks[] {
    return this.entries.filter((entry) => !!entry.hooks[name]);
  }

  /** All handlers for one hook, in order. */
  handlers<N extends HookName>(name: N): Array<NonNullable<Hooks[N]>> {
    return this.registered(name).map((entry) => entry.hooks[name] as NonNullable<Hooks[N]>);
  }
}
