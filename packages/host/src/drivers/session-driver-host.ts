import type { KernelEvent, PermissionMode, TurnResult } from "@pincer/kernel";

/**
 * What a front end (through the runtime, which implements it) lends a plugin's command so it can
 * drive sessions. The host cannot make sessions itself (the runtime composes them, and the host
 * may not depend on it), so the runtime injects this; the host wraps it per command call
 * (command-driver.ts), checks every argument the plugin sends, keys the ledger to the plugin, and
 * closes what the command left open.
 *
 * An implementation must give driven sessions the user's settings, rules and permission mode, and
 * the front end's way of asking (or none): an agent or a request may narrow them, never widen them.
 */
export interface SessionDriverHost {
  start(request: DriverStartRequest): Promise<DrivenSessionHost>;
  /** An existing session by id or unique prefix; throws when there is none or another process writes it. */
  resume(id: string, request: Omit<DriverStartRequest, "agent">): Promise<DrivenSessionHost>;
  /**
   * Whether a session could start with this model (or the user's): answers the model, or throws
   * the error starting one would (an Error named "UsageError" for a missing key or an unknown
   * provider), with nothing written or started. Absent: the host answers as if it could.
   */
  check?(request: { model?: string }): Promise<{ model: string }>;
  /**
   * Adds a session from JSONL (a copy kept elsewhere, brought back), checked line by line, in the
   * command's folder; see SessionDriver.import. Absent: the front end offers no such thing.
   */
  import?(jsonl: string): Promise<{ id: string; entries: number; kept: boolean; warnings: string[] }>;
}

export interface DriverStartRequest {
  /** A named agent, or one given inline (its prompt added, its tools and mode only narrowing). */
  agent?: string | { prompt?: string; tools?: string[]; mode?: PermissionMode };
  model?: string;
  maxTurns?: number;
  /** Added to the system prompt. */
  instructions?: string;
  /** Allow rules beyond the user's: the host has checked them against the plugin's grants. */
  allow?: string[];
  /** The session's folder instead of the command's: an absolute path the host found inside the plugin's write grant. */
  cwd?: string;
}

export interface DrivenSessionHost {
  readonly id: string;
  readonly model?: string;
  /** Its file on this machine. */
  readonly file?: string;
  /** Its header's createdAt. */
  readonly createdAt?: string;
  /** The session file from byte `offset`: complete lines, at most `max` bytes, redacted; `next` to read on from. */
  transcript?(offset: number, max: number): Promise<{ text: string; next: number }>;
  /** Stops the running turn, if one runs. */
  abort?(reason: string): void;
  /** One turn to its end; every kernel event of it goes to `onEvent` as it happens. */
  prompt(text: string, onEvent: (event: KernelEvent) => void, signal: AbortSignal): Promise<TurnResult>;
  /** The session's spending so far: the model's cost and its costed tool calls' estimates by kind. */
  spend?(): { modelUsd: number; calls: Record<string, number> };
  /** A new session copied from this one at its leaf. */
  fork(): Promise<DrivenSessionHost>;
  /** The data of this session's `custom` entries of one type, oldest first, along its current path. */
  readCustom(customType: string): unknown[];
  appendCustom(customType: string, data: unknown): void;
  /** Lets go of it (its lock, its plugins); the file stays. */
  close(): void;
}
