import type { PermissionMode, TurnStopReason } from "@pincer/kernel";
import type { ObservedEvent, UsageSummary } from "./hooks.js";

/**
 * How a plugin's command drives sessions (`ctx.sessions`): start one or resume one, prompt it
 * turn after turn, fork it, keep its own ledger in it. A driven session is an ordinary session —
 * written to PINCER_HOME like any other, resumable with `pincer --resume` — and its tool calls
 * pass the same permission engine with the user's rules and mode: a driver can narrow what a
 * session may do, never widen it. Sessions a command opens are closed when it returns.
 */
export interface SessionDriver {
  /** A new session in the command's working folder. */
  start(options?: DriveOptions): Promise<DrivenSession>;
  /** An existing session (an id, or a unique prefix of one), to go on with. */
  resume(id: string, options?: Pick<DriveOptions, "maxTurns">): Promise<DrivenSession>;
}

export interface DriveOptions {
  /**
   * Run as an agent: the name of one the session knows (`.pincer/agents`, a plugin's), or one
   * defined here. Its permission mode may only narrow the user's; its tools only narrow the session's.
   */
  agent?: string | InlineAgent;
  /** `provider/model`; default: the user's. */
  model?: string;
  /** Most model calls per prompt (default: the user's setting). */
  maxTurns?: number;
}

export interface InlineAgent {
  /** Added to the system prompt. */
  prompt?: string;
  /** Only these tools (names); default: every tool of the session. */
  tools?: string[];
  /** Narrows the user's permission mode (`plan` is the narrowest); a wider one is ignored. */
  mode?: PermissionMode;
}

export interface DrivenSession {
  readonly id: string;
  /**
   * Runs one turn to its end and answers how it ended. `onEvent` gets the turn's events in order
   * as they happen (past a bound, a `dropped` event says how many were left out). Aborting the
   * command (the user cancels it) aborts the turn.
   */
  prompt(text: string, options?: { onEvent?(event: ObservedEvent): void }): Promise<DrivenTurn>;
  /** A new session that starts as a copy of this one (its file stays as it is). */
  fork(): Promise<DrivenSession>;
  /** This plugin's own entries in the session (never sent to the model); other plugins' are not visible. */
  readonly ledger: SessionLedger;
  /** Lets go of the session now (its file stays; it can be resumed). */
  close(): Promise<void>;
}

export interface SessionLedger {
  /** What this plugin appended, oldest first, along the session's current path. */
  read(): Promise<unknown[]>;
  /** Appends plain data (JSON, at most 256 KB an entry). */
  append(data: unknown): Promise<void>;
}

export interface DrivenTurn {
  sessionId: string;
  stopReason: TurnStopReason;
  /** Model calls made. */
  steps: number;
  /** The turn's final answer. */
  text: string;
  usage: UsageSummary;
  error?: string;
}
