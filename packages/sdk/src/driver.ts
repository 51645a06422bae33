import type { PermissionMode, TurnStopReason } from "@pincer/kernel";
import type { ObservedEvent, UsageSummary } from "./hooks.js";

/**
 * What a driver's `onEvent` gets: the events observers get (a tool's end with its `details` too),
 * and what a person watching the run would see besides: a tool's output as it streams, a refused
 * call (with the permission engine's code: `budget_exceeded`…), a retry, the loop guard, a warning.
 */
export type DrivenEvent =
  | Exclude<ObservedEvent, { type: "tool_end" }>
  | (Extract<ObservedEvent, { type: "tool_end" }> & {
      /** The tool's structured result (for the UI and the session), when it gave one of at most 64 KB of JSON. */
      details?: unknown;
    })
  | { type: "tool_update"; toolCallId: string; text: string }
  | { type: "denied"; toolCallId: string; name: string; reason: string; code?: string }
  | { type: "retry"; attempt: number; delayMs: number; error: string }
  | { type: "loop_guard"; action: "correct" | "stop"; message: string }
  | { type: "warning"; message: string };

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
  resume(id: string, options?: Omit<DriveOptions, "agent">): Promise<DrivenSession>;
  /**
   * Whether a session could start with these options — the model (named, or the user's) known and
   * its provider's key set — without starting one: answers the model, or throws the usage error
   * `start` would (a CommandUsageError, exit code 2). Call it before starting anything costly.
   */
  check(options?: Pick<DriveOptions, "model">): Promise<{ model: string }>;
  /**
   * Adds a session to this machine's sessions, from JSONL as `transcript` gives it (a copy kept
   * elsewhere, brought back): checked line by line (a header, then entries each following one
   * before it; the first line that does not ends it), its folder set to the command's. When a
   * session with its id is here already, the local one is kept if it holds every entry (`kept`),
   * replaced if the copy extends it, and refused if they diverged. Then `resume(id)` goes on with it.
   */
  import(jsonl: string): Promise<{ id: string; entries: number; kept: boolean; warnings: string[] }>;
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
  /** Added to the system prompt (after a named agent's own). */
  instructions?: string;
  /**
   * Permission rules the session allows unasked, beyond the user's (`bash(python3:*)`,
   * `hf_upload_file`): each must be one the manifest declares under `capabilities.sessions.allow`
   * and the user granted; any other is refused. The user's deny and ask rules still win.
   */
  allow?: string[];
  /**
   * The folder the session works in instead of the command's: an absolute path to a folder that
   * exists inside the plugin's fs write grant (a scratch workspace under \${tmp}, say).
   */
  cwd?: string;
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
  /** The model it talks to, `provider/model`. */
  readonly model: string;
  /** Its file on this machine (JSONL). */
  readonly file: string;
  /** When it was created (ISO 8601): a resumed session keeps its first start. */
  readonly createdAt: string;
  /**
   * Runs one turn to its end and answers how it ended. `onEvent` gets the turn's events in order
   * as they happen (past a bound, a `dropped` event says how many were left out). Aborting the
   * command (the user cancels it) aborts the turn.
   */
  prompt(
    text: string,
    options?: {
      onEvent?(event: DrivenEvent): void;
      /**
       * Denial codes that end the turn at once (`budget_exceeded`): the refused call is the
       * turn's last, stopped by Pincer before the next model call (an onEvent answer would come too late).
       */
      stopOnDenied?: string[];
    },
  ): Promise<DrivenTurn>;
  /** Stops the turn running now (it ends with stopReason "aborted"); nothing when none runs. */
  abort(reason?: string): Promise<void>;
  /**
   * The session as written so far, from byte `offset` of its file (default 0): complete lines
   * only, secrets redacted. `next` is the offset to ask from next time. At most 32 MB a call (read
   * on from `next` for the rest).
   */
  transcript(offset?: number): Promise<{ text: string; next: number }>;
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
  /**
   * What the session has spent so far, by kind: its costed tool calls' estimates ("job",
   * "endpoint", "tool" …, in USD) beside the model. Absent where the front end keeps no tally.
   */
  spend?: { modelUsd: number; calls: Record<string, number> };
  error?: string;
}
