import { type EventBus, errorText, type TurnResult } from "./events.js";
import type {
  CompactionDone,
  CompactionInfo,
  HookName,
  HookRegistry,
  HookSource,
  Hooks,
  RegisteredHooks,
} from "./hooks.js";
import type { ToolCall } from "./messages.js";
import type { ToolResult } from "./tool.js";

/** What the beforeToolCall hooks decided together. */
export interface ToolCallGate {
  /** The first block's reason: the call does not run. */
  blocked?: string;
  /** Every ask's reason: a person must approve the call (see PermissionRequest.mustAsk). */
  ask: string[];
  /** Every allow's reason: the mode's question is skipped (rules, asks and must-ask still stand). */
  allow: string[];
  args: Record<string, unknown>;
  context: string[];
}

/**
 * Calls the registered hooks for the loop, one source after another, and makes sure none of them
 * can break it: a hook that throws or answers something that is not a verdict is reported once
 * (per source and hook) as a warning and treated as having said nothing, except a guard's
 * beforeToolCall, which then refuses the call (fails closed). Limits on time and CPU are the
 * source's to apply (the plugin host stops a sandboxed hook that runs too long, and says so by
 * throwing); the loop waits for every hook it calls.
 */
export class HookDispatcher {
  private readonly reported = new Set<string>();
  /**
   * Why a hook stopped the session (a `halt` verdict, Claude Code's `continue: false`), until the
   * turn that saw it ends: the loop checks it after each step and ends the turn.
   */
  halted: string | undefined;

  /** Clears a halt once its turn has ended. */
  resetHalt(): void {
    this.halted = undefined;
  }

  private noteHalt(entry: RegisteredHooks, verdict: { halt?: { reason: string } }): void {
    if (verdict.halt && this.halted === undefined) {
      this.halted = verdict.halt.reason || `${entry.source.name} stopped the session`;
    }
  }

  constructor(
    private readonly registry: HookRegistry,
    private readonly bus: EventBus,
  ) {}

  /** Whether any source has a handler for `name` (the loop skips the work of asking otherwise). */
  has(name: HookName): boolean {
    return this.registry.registered(name).length > 0;
  }

  async beforeToolCall(call: ToolCall, cwd: string): Promise<ToolCallGate> {
    const gate: ToolCallGate = { ask: [], allow: [], args: call.arguments, context: [] };
    for (const entry of this.registry.registered("beforeToolCall")) {
      const handler = entry.hooks.beforeToolCall as NonNullable<Hooks["beforeToolCall"]>;
      const verdict = await this.ask(entry, "beforeToolCall", () =>
        handler({ ...call, arguments: gate.args }, { cwd }),
      );
      if (verdict === FAILED) {
        if (!entry.source.guard) continue;
        gate.blocked = `the guard hook of ${entry.source.name} failed, so the call is refused`;
        return gate;
      }
      if (!verdict) continue;
      this.noteHalt(entry, verdict);
      if (verdict.block) {
        gate.blocked = verdict.block.reason;
        return gate;
      }
      if (this.halted) {
        gate.blocked = `the session was stopped by ${entry.source.name}: ${this.halted}`;
        return gate;
      }
      if (verdict.ask) gate.ask.push(`${entry.source.name} asks: ${verdict.ask.reason}`);
      if (verdict.allow) gate.allow.push(`${entry.source.name} allowed it: ${verdict.allow.reason}`);
      if (verdict.args) gate.args = verdict.args;
      if (verdict.context) gate.context.push(verdict.context);
    }
    return gate;
  }

  async afterToolCall(
    call: ToolCall,
    result: ToolResult & { isError: boolean },
  ): Promise<{ result: ToolResult & { isError: boolean }; context: string[] }> {
    const context: string[] = [];
    let current = result;
    for (const entry of this.registry.registered("afterToolCall")) {
      const handler = entry.hooks.afterToolCall as NonNullable<Hooks["afterToolCall"]>;
      const verdict = await this.ask(entry, "afterToolCall", () => handler(call, current));
      if (verdict === FAILED || !verdict) continue;
      this.noteHalt(entry, verdict);
      if (verdict.result) current = { ...verdict.result, isError: verdict.result.isError ?? false };
      if (verdict.context) context.push(verdict.context);
    }
    return { result: current, context };
  }

  /** The prompt after the promptSubmit hooks (their context appended), or why one blocked it. */
  async promptSubmit(prompt: string): Promise<string | { blocked: string }> {
    let text = prompt;
    for (const entry of this.registry.registered("promptSubmit")) {
      const handler = entry.hooks.promptSubmit as NonNullable<Hooks["promptSubmit"]>;
      const verdict = await this.ask(entry, "promptSubmit", () => handler(text));
      if (verdict === FAILED || !verdict) continue;
      this.noteHalt(entry, verdict);
      if (this.halted) return { blocked: `The session was stopped by a hook: ${this.halted}` };
      if (verdict.block) return { blocked: `The prompt was blocked by a hook: ${verdict.block.reason}` };
      if (verdict.context) text += `\n\n${verdict.context}`;
    }
    return text;
  }

  /** The message the turn goes on with, if a stop hook wants it to. */
  async stop(result: TurnResult): Promise<string | undefined> {
    for (const entry of this.registry.registered("stop")) {
      const handler = entry.hooks.stop as NonNullable<Hooks["stop"]>;
      const verdict = await this.ask(entry, "stop", () => handler(result));
      if (verdict !== FAILED && verdict) this.noteHalt(entry, verdict);
      if (this.halted) return undefined;
      if (verdict !== FAILED && verdict?.continueWith) return verdict.continueWith;
    }
    return undefined;
  }

  async sessionStart(info: { sessionId: string; resumed: boolean }): Promise<string[]> {
    const context: string[] = [];
    for (const entry of this.registry.registered("sessionStart")) {
      const handler = entry.hooks.sessionStart as NonNullable<Hooks["sessionStart"]>;
      const verdict = await this.ask(entry, "sessionStart", () => handler(info));
      if (verdict !== FAILED && verdict?.context) context.push(verdict.context);
    }
    return context;
  }

  /** Pins every beforeCompaction hook asks for, each headed with its source. */
  async beforeCompaction(info: CompactionInfo): Promise<string[]> {
    const pins: string[] = [];
    for (const entry of this.registry.registered("beforeCompaction")) {
      const handler = entry.hooks.beforeCompaction as NonNullable<Hooks["beforeCompaction"]>;
      const verdict = await this.ask(entry, "beforeCompaction", () => handler(info));
      if (verdict === FAILED || !verdict?.pins) continue;
      for (const pin of verdict.pins) pins.push(`PINNED by ${entry.source.name} (verbatim):\n${pin}`);
    }
    return pins;
  }

  async afterCompaction(done: CompactionDone): Promise<void> {
    for (const entry of this.registry.registered("afterCompaction")) {
      const handler = entry.hooks.afterCompaction as NonNullable<Hooks["afterCompaction"]>;
      await this.ask(entry, "afterCompaction", () => handler(done));
    }
  }

  /** One handler's verdict, checked; FAILED when it threw or answered something else. */
  private async ask<N extends HookName>(
    entry: RegisteredHooks,
    name: N,
    invoke: () => unknown,
  ): Promise<Verdict<N> | undefined | typeof FAILED> {
    let verdict: unknown;
    try {
      verdict = await invoke();
    } catch (error) {
      this.report(entry.source, name, errorText(error));
      return FAILED;
    }
    if (verdict === undefined || verdict === null) return undefined;
    const problem = checkVerdict(name, verdict);
    if (problem) {
      this.report(entry.source, name, `it answered ${problem}`);
      return FAILED;
    }
    return verdict as Verdict<N>;
  }

  private report(source: HookSource, name: HookName, why: string): void {
    const key = `${source.name}\u0000${name}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const outcome =
      source.guard && name === "beforeToolCall"
        ? "it is a guard, so the calls it checks are refused while it fails"
        : "the session goes on as if it had said nothing";
    this.bus.emit({
      type: "warning",
      message: `The ${name} hook of ${source.name} failed: ${why.slice(0, 500).replace(/\.$/, "")}; ${outcome} (reported once).`,
    });
  }
}

const FAILED = Symbol("hook failed");

type Verdict<N extends HookName> = Exclude<Awaited<ReturnType<NonNullable<Hooks[N]>>>, undefined | void>;

/** Why a verdict is not one `name` may answer, or undefined when it is. Fields are checked for type only. */
export function checkVerdict(name: HookName, verdict: unknown): string | undefined {
  if (typeof verdict !== "object" || Array.isArray(verdict) || verdict === null)
    return `${kind(verdict)}, not a verdict`;
  const fields = verdict as Record<string, unknown>;
  const allowed = VERDICT_FIELDS[name];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const check = allowed[key];
    if (!check) return `a field ${JSON.stringify(key.slice(0, 40))} a ${name} verdict does not have`;
    if (!check(value)) return `${kind(value)} as ${key}`;
  }
  return undefined;
}

const isText = (value: unknown) => typeof value === "string";
const isReason = (value: unknown) =>
  typeof value === "object" && value !== null && typeof (value as { reason?: unknown }).reason === "string";
const isRecord = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
const isResult = (value: unknown) => {
  const content = isRecord(value) ? (value as { content?: unknown }).content : undefined;
  return typeof content === "string" || Array.isArray(content);
};

const VERDICT_FIELDS: Record<HookName, Record<string, (value: unknown) => boolean>> = {
  beforeToolCall: { block: isReason, ask: isReason, args: isRecord, context: isText, allow: isReason, halt: isReason },
  afterToolCall: { result: isResult, context: isText, halt: isReason },
  promptSubmit: { block: isReason, context: isText, halt: isReason },
  sessionStart: { context: isText },
  stop: { continueWith: isText, halt: isReason },
  beforeCompaction: { pins: (value) => Array.isArray(value) && value.every(isText) },
  afterCompaction: {},
};

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
