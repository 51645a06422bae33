import { ModelCatalog, type ModelInfo, priceUsage } from "./catalog.js";
import { type CompactionSettings, compactSession, DEFAULT_COMPACTION, needsCompaction } from "./compact.js";
import { DeferredOffers } from "./deferred-tools.js";
import { EventBus, type EventOf, type KernelEvent, type KernelEventType, type TurnResult } from "./events.js";
import { HookDispatcher } from "./hook-dispatch.js";
import { HookRegistry, type HookSource, type Hooks } from "./hooks.js";
import { LoopGuard, type LoopGuardOptions } from "./loop-guard.js";
import { emptyUsage, type ToolResultMessage, type Usage } from "./messages.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./model-call.js";
import { SpendingBudget } from "./permissions/budget.js";
import { PermissionEngine } from "./permissions/engine.js";
import {
  PERMISSION_MODES,
  type PermissionMode,
  type PermissionResolver,
  type PermissionRule,
} from "./permissions/types.js";
import { PromptQueue, type QueuedPrompt } from "./prompt-queue.js";
import { type Provider, parseModelRef } from "./provider.js";
import type { Redactor } from "./redact.js";
import { repairInterruptedToolCalls } from "./resume.js";
import { Session } from "./session/session.js";
import type { FrontEndAdvice } from "./stop-codes.js";
import { checkThinkingLevel, reasoningFor, type ThinkingLevel } from "./thinking.js";
import type { AnyTool } from "./tool.js";
import { ToolRunner } from "./tool-runner.js";
import { runTurn } from "./turn.js";
import { UsageLedger } from "./usage-ledger.js";

export interface KernelOptions {
  /** `provider/model`, e.g. `openai/gpt-5`. */
  model: string;
  /**
   * How hard the model thinks. Default: the level the session recorded last, else `off` (no
   * reasoning field). Sent only to models the catalogue says reason, or that it does not know.
   */
  thinking?: ThinkingLevel;
  cwd?: string;
  /**
   * The system prompt, or a function asked at the start of every turn (a host whose prompt
   * grows during the session: MCP servers' instructions once the servers started).
   */
  systemPrompt?: string | (() => string);
  tools?: AnyTool[];
  providers?: Provider[];
  models?: ModelInfo[];
  /** Where the conversation is kept. Default: an in-memory session (nothing written to disk). */
  session?: Session;
  permissions?: {
    mode?: PermissionMode;
    rules?: PermissionRule[];
    resolver?: PermissionResolver;
    /**
     * An unattended run's dollar cap: costed calls that would ask are approved while this run's
     * spending (their estimates plus the model's cost) stays within it. See permissions/budget.ts.
     */
    budget?: { capUsd: number };
  };
  /**
   * Spend from an existing ledger rather than a new one: a subagent's kernel is given its parent's
   * (`parent.spending`), so the whole run has one total against one cap, and the subagent's model
   * calls count there too. The ledger keeps its own cap: not to be combined with permissions.budget.
   */
  spending?: SpendingBudget;
  hooks?: Hooks;
  /** Most model calls in one user turn. Default 100. */
  maxTurns?: number;
  retry?: Partial<RetryPolicy>;
  /** false turns the doom-loop detector off. */
  loopGuard?: Partial<LoopGuardOptions> | false;
  /** false turns automatic compaction off (kernel.compact() still works). */
  compaction?: Partial<CompactionSettings> | false;
  /** Per-tool-call limit. Default 10 minutes. */
  toolTimeoutMs?: number;
  /** Tool output longer than this is cut (head and tail kept). Default 50,000 characters. */
  maxToolResultChars?: number;
  /**
   * Applied to every tool result (and streamed partial output) before the model, the UI or the
   * session see it: the host hands in a redactor that knows its secrets (see redact.ts).
   */
  redact?: Redactor;
  /**
   * The front end's words for what the user can do about a refused call, told to the model with
   * the refusal (the CLI names its flags). Default: words that name no front end's controls.
   */
  advice?: FrontEndAdvice;
}

const DEFAULT_SYSTEM_PROMPT =
  "You are a capable software agent. Use the tools to inspect and change the workspace, verify your work, and answer concisely.";

/**
 * The embeddable agent: register tools and providers, subscribe to events, run turns.
 * It knows interfaces only; every concrete provider, tool and UI comes from outside.
 */
export class Kernel {
  readonly bus = new EventBus();
  readonly hooks = new HookRegistry();
  /** Calls the hooks for the loop; a failing hook is reported once and never breaks it. */
  private readonly dispatch = new HookDispatcher(this.hooks, this.bus);
  readonly catalog: ModelCatalog;
  readonly permissions: PermissionEngine;
  /** What this run has spent (costed tool calls and the model), and its budget if it has one. */
  readonly spending: SpendingBudget;
  readonly session: Session;
  readonly cwd: string;
  private readonly tools = new Map<string, AnyTool>();
  private readonly offers = new DeferredOffers();
  private readonly providers = new Map<string, Provider>();
  private readonly guard: LoopGuard | undefined;
  private readonly retry: RetryPolicy;
  private readonly compaction: CompactionSettings | false;
  private modelRef: string;
  private thinkingLevel: ThinkingLevel;
  private readonly usageLedger: UsageLedger;
  private current: AbortController | undefined;
  /** The tools the running prompt() may offer (its `tools` option); undefined: every registered tool. */
  private turnTools: ((name: string) => boolean) | undefined;
  private started = false;
  /** The session had entries before this kernel opened it. */
  private readonly resumed: boolean;
  private pendingContext: string[] = [];
  private readonly queue: PromptQueue;
  /**
   * Messages queued by the process that last ran this session and never delivered (it stopped
   * mid-turn); recorded as dropped at construction, so a front end can give them back.
   */
  readonly undeliveredOnResume: readonly QueuedPrompt[];

  constructor(private readonly options: KernelOptions) {
    parseModelRef(options.model);
    this.modelRef = options.model;
    this.cwd = options.cwd ?? process.cwd();
    this.catalog = new ModelCatalog(options.models);
    this.permissions = new PermissionEngine({
      ...(options.permissions?.mode ? { mode: options.permissions.mode } : {}),
      rules: options.permissions?.rules ?? [],
    });
    this.session = options.session ?? Session.inMemory({ cwd: this.cwd });
    // A problem the session repairs while it runs (its file deleted under it) reaches every listener.
    this.session.onWarning((message) => this.bus.emit({ type: "warning", message }));
    // Before this constructor records the model: a new session is not a resumed one.
    this.resumed = this.session.size > 0;
    this.queue = new PromptQueue(this.session, this.bus);
    this.undeliveredOnResume = this.queue.recover();
    if (options.spending && options.permissions?.budget) {
      throw new Error("Give a kernel either permissions.budget or a shared spending ledger, not both.");
    }
    // Model calls are added as they are made (see turn()): a resumed session's earlier turns were
    // paid for by earlier runs, and a subagent's go to the ledger it shares with its parent.
    this.spending =
      options.spending ??
      new SpendingBudget({
        ...(options.permissions?.budget ? { capUsd: options.permissions.budget.capUsd } : {}),
        warn: (message) => this.bus.emit({ type: "warning", message }),
      });
    this.usageLedger = new UsageLedger(this.spending, (ledger) =>
      this.bus.emit({ type: "usage", session: ledger.session, turn: ledger.turn }),
    );
    this.guard = options.loopGuard === false ? undefined : new LoopGuard(options.loopGuard ?? {});
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.compaction = options.compaction === false ? false : { ...DEFAULT_COMPACTION, ...options.compaction };
    for (const tool of options.tools ?? []) this.registerTool(tool);
    for (const provider of options.providers ?? []) this.registerProvider(provider);
    if (options.hooks) this.hooks.add(options.hooks);
    // The whole path, not the context: turns summarised away by a compaction were still paid for,
    // and so was the summary. A tool result's usage is what the call spent on models (a subagent's turns).
    for (const entry of this.session.pathToLeaf()) {
      const message = entry.type === "message" ? entry.message : undefined;
      const spent =
        entry.type === "compaction"
          ? entry.usage
          : message?.role === "assistant" || message?.role === "toolResult"
            ? message.usage
            : undefined;
      if (spent) this.usageLedger.restore(spent);
    }
    // Record the model on the session's path, so --continue without --model picks the same one.
    const recorded = this.session.buildContext();
    if (recorded.model !== this.modelRef) this.session.append({ type: "model_change", model: this.modelRef });
    // The same for the thinking level; off is what a session without a record means.
    this.thinkingLevel =
      options.thinking === undefined ? (recorded.thinking ?? "off") : checkThinkingLevel(options.thinking);
    if (this.thinkingLevel !== (recorded.thinking ?? "off"))
      this.session.append({ type: "thinking_change", level: this.thinkingLevel });
  }

  get model(): string {
    return this.modelRef;
  }

  /** The thinking level the next request asks for (see setThinking). */
  get thinking(): ThinkingLevel {
    return this.thinkingLevel;
  }

  get usage(): Usage {
    return this.usageLedger.session;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  registerTool(tool: AnyTool): () => void {
    if (this.tools.has(tool.name)) throw new Error(`A tool named "${tool.name}" is already registered.`);
    this.tools.set(tool.name, tool);
    return () => this.tools.delete(tool.name);
  }

  registerProvider(provider: Provider): () => void {
    this.providers.set(provider.id, provider);
    return () => this.providers.delete(provider.id);
  }

  registerModel(model: ModelInfo): void {
    this.catalog.add(model);
  }

  listTools(): AnyTool[] {
    return [...this.tools.values()];
  }

  subscribe(listener: (event: KernelEvent) => void): () => void {
    return this.bus.subscribe(listener);
  }

  on<T extends KernelEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    return this.bus.on(type, listener);
  }

  /** Registers hooks; `source` names them in warnings and may make a beforeToolCall fail closed (see HookSource). */
  addHooks(hooks: Hooks, source?: HookSource): () => void {
    return this.hooks.add(hooks, source);
  }

  /** Switch models mid-session; the next request goes to the new provider. */
  setModel(model: string): void {
    parseModelRef(model);
    if (model === this.modelRef) return;
    this.modelRef = model;
    this.session.append({ type: "model_change", model });
    this.bus.emit({ type: "model_change", model });
  }

  /** The permission mode the next tool call is decided under. */
  get permissionMode(): PermissionMode {
    return this.permissions.mode;
  }

  /**
   * Change the permission mode from the next tool call on; recorded in the session and announced
   * (`permission_mode_change`), as setModel and setThinking are. Front ends call this rather than
   * the engine, so the session and every listener know.
   */
  setPermissionMode(mode: PermissionMode): void {
    if (!(PERMISSION_MODES as readonly string[]).includes(mode)) {
      throw new Error(`Unknown permission mode "${mode}". Use one of: ${PERMISSION_MODES.join(", ")}.`);
    }
    if (mode === this.permissions.mode) return;
    this.permissions.setMode(mode);
    this.session.append({ type: "permission_mode_change", mode });
    this.bus.emit({ type: "permission_mode_change", mode });
  }

  /**
   * Change how hard the model thinks from the next turn on; recorded in the session, so a resumed
   * session keeps it. `off` sends no reasoning field.
   */
  setThinking(level: ThinkingLevel): void {
    checkThinkingLevel(level, "setThinking's level");
    if (level === this.thinkingLevel) return;
    this.thinkingLevel = level;
    this.session.append({ type: "thinking_change", level });
    this.bus.emit({ type: "thinking_change", level });
  }

  /**
   * Run one user turn to its end, then a turn for each follow-up queued meanwhile (see steer and
   * followUp); resolves with the last turn's result. One turn at a time. `tools` narrows the tools
   * offered to the model (and callable) for these turns only (a command's `allowed-tools`).
   */
  async prompt(
    text: string,
    options: { signal?: AbortSignal; tools?: (name: string) => boolean } = {},
  ): Promise<TurnResult> {
    if (this.current) throw new Error("A turn is already running; wait for it or call abort() first.");
    this.turnTools = options.tools;
    const controller = new AbortController();
    const forward = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", forward, { once: true });
    if (options.signal?.aborted) controller.abort();
    this.current = controller;
    try {
      await this.start();
      let result = await this.promptTurn(text, controller.signal);
      // Taken with no await before `current` is cleared: nothing queued is left behind.
      while (result.stopReason === "end_turn") {
        const next = this.queue.takeNext();
        if (!next) break;
        this.queue.delivered([next]);
        result = await this.promptTurn(next.text, controller.signal, next);
      }
      return result;
    } finally {
      // A turn that threw: what waited is given back rather than lost.
      this.queue.drop("error");
      options.signal?.removeEventListener("abort", forward);
      this.current = undefined;
      this.turnTools = undefined;
    }
  }

  /**
   * Runs one tool call outside a turn, the way the model's calls run: hooks, schema, the
   * permission engine (asking through the resolver, refused headless) and the tool's own limits
   * and sandbox. For what a front end runs on the user's behalf (a command's `!` lines). Never
   * throws: a refusal or failure is the result. Nothing is written to the session.
   */
  runTool(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<ToolResultMessage> {
    const id = `user_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    return this.toolRunner(this.tools).run(
      { type: "toolCall", id, name, arguments: args },
      undefined,
      options.signal ?? new AbortController().signal,
    );
  }

  private toolRunner(tools: ReadonlyMap<string, AnyTool>): ToolRunner {
    return new ToolRunner({
      tools,
      permissions: this.permissions,
      ...(this.options.permissions?.resolver ? { resolver: this.options.permissions.resolver } : {}),
      spending: this.spending,
      hooks: this.dispatch,
      bus: this.bus,
      cwd: this.cwd,
      timeoutMs: this.options.toolTimeoutMs ?? 600_000,
      maxResultChars: this.options.maxToolResultChars ?? 50_000,
      ...(this.options.redact ? { redact: this.options.redact } : {}),
      addUsage: (usage) => this.usageLedger.tool(usage),
      ...(this.options.advice ? { advice: this.options.advice } : {}),
    });
  }

  /**
   * While a turn runs: deliver this to the model at the turn's next step (after the running tool
   * calls, before the next model call). A turn that ends in any other way than end_turn drops it
   * (a `queue_dropped` event), so the front end can give it back.
   */
  steer(text: string): QueuedPrompt {
    return this.enqueue(text, "steer");
  }

  /** While a turn runs: deliver this once the turn is over, as the next turn. */
  followUp(text: string): QueuedPrompt {
    return this.enqueue(text, "followUp");
  }

  /** Messages waiting for the running turn, oldest first. */
  get queued(): readonly QueuedPrompt[] {
    return this.queue.pending;
  }

  private enqueue(text: string, mode: QueuedPrompt["mode"]): QueuedPrompt {
    if (!this.current) throw new Error("No turn is running; send the message with prompt().");
    return this.queue.add(text, mode);
  }

  private async promptTurn(text: string, signal: AbortSignal, queued?: QueuedPrompt): Promise<TurnResult> {
    this.bus.emit({ type: "turn_start", prompt: text, ...(queued ? { queued } : {}) });
    const context = this.pendingContext.splice(0);
    const prompt = context.length > 0 ? `${text}\n\n${context.join("\n\n")}` : text;
    const result = await this.turn(prompt, signal);
    // Said before turn_end, the last word on a turn: a turn that did not end well delivers nothing queued.
    if (result.stopReason !== "end_turn") this.queue.drop(result.stopReason);
    this.bus.emit({ type: "turn_end", result, sessionUsage: this.usageLedger.session });
    return result;
  }

  /** Abort the running turn: the provider stream and running tools receive the signal. */
  abort(reason = "aborted"): void {
    this.current?.abort(new Error(reason));
  }

  /** Summarise older turns now. Returns false when there was nothing worth compacting. */
  compact(signal: AbortSignal = new AbortController().signal): Promise<boolean> {
    return this.compactNow(signal, true);
  }

  private async compactNow(signal: AbortSignal, manual: boolean): Promise<boolean> {
    const { provider, model } = this.resolveProvider();
    return compactSession({
      session: this.session,
      provider,
      modelRef: this.modelRef,
      model,
      settings: this.compaction || DEFAULT_COMPACTION,
      retry: this.retry,
      bus: this.bus,
      signal,
      onUsage: (raw) => {
        const usage = priceUsage(raw, this.catalog.resolve(this.modelRef).price);
        this.usageLedger.compaction(usage);
        return usage;
      },
      ...(this.dispatch.has("beforeCompaction")
        ? { pins: (tokensBefore: number) => this.dispatch.beforeCompaction({ tokensBefore, manual }) }
        : {}),
      ...(this.dispatch.has("afterCompaction") ? { after: (done) => this.dispatch.afterCompaction(done) } : {}),
    });
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const resumed = this.resumed;
    if (resumed) {
      const repaired = repairInterruptedToolCalls(this.session);
      if (repaired > 0) {
        this.bus.emit({
          type: "warning",
          message: `Resumed after an interrupted run: ${repaired} tool call(s) had no result and were marked as interrupted.`,
        });
      }
    }
    for (const warning of this.session.warnings) this.bus.emit({ type: "warning", message: warning });
    if (this.undeliveredOnResume.length > 0)
      this.bus.emit({ type: "queue_dropped", dropped: [...this.undeliveredOnResume], reason: "process_ended" });
    this.bus.emit({
      type: "session_start",
      sessionId: this.session.id,
      model: this.modelRef,
      cwd: this.cwd,
      tools: [...this.tools.keys()],
      resumed,
    });
    this.pendingContext.push(...(await this.dispatch.sessionStart({ sessionId: this.session.id, resumed })));
  }

  private resolveProvider(): { provider: Provider; model: string } {
    const { provider: providerId, model } = parseModelRef(this.modelRef);
    const provider = this.providers.get(providerId);
    if (!provider) {
      const known = [...this.providers.keys()].join(", ") || "none";
      throw new Error(
        `No provider "${providerId}" is registered for model ${this.modelRef}. Registered providers: ${known}.`,
      );
    }
    return { provider, model };
  }

  private async turn(prompt: string, signal: AbortSignal): Promise<TurnResult> {
    let resolved: { provider: Provider; model: string };
    try {
      resolved = this.resolveProvider();
    } catch (error) {
      const message = (error as Error).message;
      return {
        stopReason: "error",
        steps: 0,
        usage: emptyUsage(),
        text: "",
        error: message,
        stop: { code: "error", message },
      };
    }
    const configured = this.options.systemPrompt;
    const systemPrompt = (typeof configured === "function" ? configured() : configured) ?? DEFAULT_SYSTEM_PROMPT;
    this.usageLedger.startTurn();
    const only = this.turnTools;
    const tools = only ? new Map([...this.tools].filter(([name]) => only(name))) : this.tools;
    const runner = this.toolRunner(tools);
    const compaction = this.compaction;
    const result = await runTurn(
      {
        session: this.session,
        bus: this.bus,
        hooks: this.dispatch,
        catalog: this.catalog,
        runner,
        guard: this.guard,
        tools,
        offers: this.offers,
        modelRef: this.modelRef,
        model: resolved.model,
        provider: resolved.provider,
        reasoning: reasoningFor(this.thinkingLevel, this.catalog.get(this.modelRef)),
        systemPrompt,
        maxTurns: this.options.maxTurns ?? 100,
        retry: this.retry,
        queue: this.queue,
        maybeCompact: async (turnSignal) => {
          if (!compaction) return;
          const messages = this.session.buildContext().messages;
          if (!needsCompaction(messages, systemPrompt, this.catalog, this.modelRef, compaction)) return;
          await this.compactNow(turnSignal, false);
        },
        usage: this.usageLedger,
      },
      prompt,
      signal,
    );
    return result;
  }
}

export function createKernel(options: KernelOptions): Kernel {
  return new Kernel(options);
}
