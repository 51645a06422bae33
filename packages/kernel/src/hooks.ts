import type { TurnResult } from "./events.js";
import type { ToolCall } from "./messages.js";
import type { ToolResult } from "./tool.js";

/**
 * Hooks are how hosts and plugins steer the loop. Each returns a typed verdict instead of
 * mutating its input; `reason` and `context` are shown to the model.
 */
export interface BeforeToolCallVerdict {
  /** Refuse the call; the model receives `reason` as the tool's error. */
  block?: { reason: string };
  /** Replace the arguments (validated again against the tool's schema). */
  args?: Record<string, unknown>;
  /** Extra text appended to the tool result the model sees. */
  context?: string;
}

export interface AfterToolCallVerdict {
  /** Replace the result the model sees. */
  result?: ToolResult;
  context?: string;
}

export interface PromptVerdict {
  block?: { reason: string };
  /** Added to the prompt as extra context for the model. */
  context?: string;
}

export interface StopVerdict {
  /** Keep the turn going with this message to the model (e.g. "tests still fail; fix them"). */
  continueWith?: string;
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
}

export type HookName = keyof Hooks;

/** Registered hooks run in registration order; the first block wins, rewrites chain. */
export class HookRegistry {
  private readonly hooks: Hooks[] = [];

  add(hooks: Hooks): () => void {
    this.hooks.push(hooks);
    return () => {
      const index = this.hooks.indexOf(hooks);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  /** All handlers for one hook, in order. */
  handlers<N extends HookName>(name: N): Array<NonNullable<Hooks[N]>> {
    return this.hooks.map((hooks) => hooks[name]).filter((handler): handler is NonNullable<Hooks[N]> => !!handler);
  }
}
