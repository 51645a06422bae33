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
  resume(id: string, request: { maxTurns?: number }): Promise<DrivenSessionHost>;
}

export interface DriverStartRequest {
  /** A named agent, or one given inline (its prompt added, its tools and mode only narrowing). */
  agent?: string | { prompt?: string; tools?: string[]; mode?: PermissionMode };
  model?: string;
  maxTurns?: number;
}

export interface DrivenSessionHost {
  readonly id: string;
  /** One turn to its end; every kernel event of it goes to `onEvent` as it happens. */
  prompt(text: string, onEvent: (event: KernelEvent) => void, signal: AbortSignal): Promise<TurnResult>;
  /** A new session copied from this one at its leaf. */
  fork(): Promise<DrivenSessionHost>;
  /** The data of this session's `custom` entries of one type, oldest first, along its current path. */
  readCustom(customType: string): unknown[];
  appendCustom(customType: string, data: unknown): void;
  /** Lets go of it (its lock, its plugins); the file stays. */
  close(): void;
}
