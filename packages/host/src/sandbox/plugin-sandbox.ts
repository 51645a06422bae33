import type {
  CostEstimate,
  ModelRequest,
  PermissionSubject,
  ProviderEvent,
  ToolContext,
  ToolResult,
} from "@pincer/kernel";
import type { StatusLineInfo } from "@pincer/sdk";
import { CommandFailure } from "../command-failure.js";
import { ISOLATE_CAPS } from "./bridge-caps.js";
import { isRawCommandOutput, isResend, MAX_RESULT_DEPTH, parseReply, streamEnd, withinDepth } from "./call-replies.js";
import { type ActiveCall, IsolateKeeper } from "./isolate-keeper.js";
import { ProviderEventInbox } from "./provider-event-inbox.js";
import { RequestWire } from "./request-wire.js";
import {
  DEFAULT_SANDBOX_LIMITS,
  type PluginDefinitions,
  type PluginSandboxOptions,
  type RawCommandOutput,
  type SandboxCommandContext,
  type SandboxedToolMeta,
  type SandboxLimits,
} from "./sandbox-types.js";

/** A provider's stream may be long; its events are capped far above any real answer. */
const MAX_STREAM_BYTES = ISOLATE_CAPS.maxStreamBytes;

const COPY_ARGS = { arguments: { copy: true } } as const;
/** Hooks are not cancelled from outside: their limits end them. */
const NEVER_ABORTED = new AbortController().signal;

/** What a hook runs with, as plain data. */
export interface HookCallContext {
  cwd: string;
  sessionId: string;
}

/**
 * One plugin running in its own V8 isolate (isolated-vm): no Node APIs, no host objects, only
 * a bridge whose every function checks the plugin's grants. It serves the plugin's tools, its
 * providers and its themes. A call that runs out of memory, CPU or time kills the isolate; the
 * failure goes back as a tool error or a stream error event, and the next call starts afresh.
 *
 * The plugin's code runs during its calls only: when the last one ends, its timers are dropped,
 * what it left open is closed and the bridge refuses further requests; the watchdog stops an
 * isolate that keeps using CPU anyway, and its next call is told why.
 */
export class PluginSandbox {
  private readonly keeper: IsolateKeeper;
  private readonly limits: SandboxLimits;
  private streams = 0;
  private statusLines = 0;
  private commands = 0;
  private hookCalls = 0;
  /** Model calls' event inboxes, by call id, from the call's start until its last batch is in. */
  private readonly inboxes = new Map<string, ProviderEventInbox>();
  /** What the isolate holds of the model requests sent to it. */
  private readonly wire = new RequestWire();

  constructor(private readonly options: PluginSandboxOptions) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
    this.keeper = new IsolateKeeper(options, this.limits, {
      events: (callId, seq, json) => this.receiveEvents(callId, seq, json),
      // A model call that returned but whose last batches are still on their way: they never will be now.
      stopped: () => {
        for (const [callId, inbox] of this.inboxes) {
          if (!this.keeper.calls.has(callId)) {
            inbox.abandon(this.keeper.failure("was stopped before all of its events arrived"));
          }
        }
      },
    });
  }

  /** Whether the plugin's isolate has been started (and not stopped since). */
  get started(): boolean {
    return this.keeper.started;
  }

  /**
   * Starts the isolate now, if it is not running, for a call that is on its way (the model has
   * named the tool): the call then finds it started. Nothing of the plugin's tools runs; a start
   * that fails fails again, and is reported, on the call itself.
   */
  prepare(): void {
    this.keeper.start().catch(() => {});
  }

  /**
   * A command line of the plugin's is on its way: its sandbox is built meanwhile (exec.ts `prepare`).
   * Started at once, not on a later tick: a reply that arrived whole reaches the call before that
   * tick, which then spawned a second sandbox for nobody (the command had started its own).
   */
  prepareCommand(): void {
    this.options.exec.prepare?.();
  }

  /** Starts the isolate (if needed) and returns what the plugin defines. */
  async definitions(): Promise<PluginDefinitions> {
    return (await this.keeper.start()).definitions;
  }

  async tools(): Promise<SandboxedToolMeta[]> {
    return (await this.definitions()).tools;
  }

  /** The permission subject of a call, computed by the plugin's own code. */
  async subject(name: string, args: Record<string, unknown>, cwd: string): Promise<PermissionSubject | undefined> {
    const json = await this.keeper.inline((live) =>
      live.entries.subject.applySync(undefined, [name, JSON.stringify(args), cwd], { ...COPY_ARGS, timeout: 1000 }),
    );
    if (typeof json !== "string") return undefined;
    // Only the shape the permission engine matches: a kind it knows and a string.
    const subject = parseReply(json) as Partial<PermissionSubject> | undefined;
    if (!subject || !["command", "path", "text"].includes(subject.kind as string)) return undefined;
    if (typeof subject.value !== "string") return undefined;
    return { kind: subject.kind as PermissionSubject["kind"], value: subject.value };
  }

  /**
   * What a call would cost, computed by the plugin's own code. Never throws: an estimate that
   * throws, runs past its second or returns something malformed is no estimate (the call is
   * then asked as usual, never approved by a budget).
   */
  async estimate(name: string, args: Record<string, unknown>, cwd: string): Promise<CostEstimate | undefined> {
    try {
      // Asynchronous on this side, so the estimate may read env through the bridge meanwhile.
      const json = await this.keeper.inline((live) =>
        live.entries.estimate.apply(undefined, [name, JSON.stringify(args), cwd, live.bridge.grantedEnvJson()], {
          ...COPY_ARGS,
          result: { copy: true },
          timeout: 1000,
        }),
      );
      // The shape only: the kernel checks the figure and cleans the summary before anyone sees it.
      const estimate = (parseReply(json) ?? {}) as Partial<CostEstimate>;
      if (typeof estimate.usd !== "number" || typeof estimate.summary !== "string") return undefined;
      return {
        usd: estimate.usd,
        summary: estimate.summary,
        ...(estimate.recurring ? { recurring: true } : {}),
        ...(typeof estimate.category === "string" ? { category: estimate.category } : {}),
      };
    } catch (error) {
      this.options.log?.(`[${this.options.pluginName}] ${name}'s cost estimate failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  async run(name: string, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    const call: ActiveCall = {
      signal: ctx.signal,
      bytes: 0,
      onUpdate: ctx.onUpdate,
      ...(ctx.authorize ? { authorize: ctx.authorize } : {}),
    };
    const outcome = await this.keeper.guarded(ctx.toolCallId, call, (live) =>
      live.entries.run.apply(
        undefined,
        [ctx.toolCallId, name, JSON.stringify(args), ctx.cwd, live.bridge.grantedEnvJson()],
        {
          ...COPY_ARGS,
          result: { promise: true, copy: true },
          timeout: this.limits.cpuMsPerCall,
        },
      ),
    );
    if ("failure" in outcome) return { content: outcome.failure, isError: true };
    if (outcome.error) return { content: `${name} failed: ${outcome.error}`, isError: true };
    const reply = parseReply(outcome.value);
    if (typeof reply?.error === "string") return { content: `${name} failed: ${reply.error}`, isError: true };
    const result = reply?.ok as ToolResult | undefined;
    if (!result || (typeof result.content !== "string" && !Array.isArray(result.content))) {
      return {
        content: `${name} returned an invalid result: content must be a string or a list of content blocks.`,
        isError: true,
      };
    }
    if (!withinDepth(result, MAX_RESULT_DEPTH)) {
      return { content: `${name} returned a result nested deeper than ${MAX_RESULT_DEPTH} levels.`, isError: true };
    }
    return result;
  }

  /**
   * One model call of a provider this plugin defines. Never throws: a provider that fails, or
   * an isolate that is stopped, ends the stream with an error event, as the kernel expects.
   */
  async *stream(
    id: string,
    request: ModelRequest,
    config: Record<string, unknown>,
    signal: AbortSignal,
  ): AsyncGenerator<ProviderEvent> {
    const callId = `stream-${++this.streams}`;
    const inbox = new ProviderEventInbox(this.options.pluginName);
    // Kept until every batch is in: the last ones may arrive after the call itself has returned.
    this.inboxes.set(callId, inbox);
    const where = `Provider ${id} (plugin ${this.options.pluginName})`;
    const send = (whole: boolean) =>
      this.keeper.guarded(callId, { signal, bytes: 0, streaming: true }, (live) =>
        live.entries.stream.apply(
          undefined,
          [callId, id, this.wire.encode(request, live, whole), JSON.stringify(config), live.bridge.grantedEnvJson()],
          {
            ...COPY_ARGS,
            result: { promise: true },
            timeout: this.limits.cpuMsPerCall,
          },
        ),
      );
    // The isolate did not hold a message the request named (see request-wire.ts): sent again whole.
    const done = send(false)
      .then((outcome) => ("value" in outcome && isResend(outcome.value) ? send(true) : outcome))
      .then((outcome) => {
        if ("failure" in outcome) inbox.abandon(outcome.failure, outcome.collateral);
        else if (outcome.error) inbox.abandon(`${where} failed: ${outcome.error}`);
        else {
          const end = streamEnd(outcome.value);
          if (!end) inbox.abandon(`${where} ended its stream with an unreadable result.`);
          else inbox.finish({ ...end, ...(end.problem ? { problem: `${where} failed: ${end.problem}` } : {}) });
        }
      });
    try {
      yield* inbox.events();
      await done;
    } finally {
      this.inboxes.delete(callId);
    }
  }

  /**
   * Runs a theme's `format.statusLine` in this isolate, with the plugin's CPU and time limits.
   * The raw result: a string, or undefined when the code threw, returned something else or was
   * stopped (`stopped` says so; the isolate is then restarted on its next use). Never throws.
   */
  async formatThemeStatusLine(
    themeId: string,
    info: StatusLineInfo,
  ): Promise<{ line: string | undefined; problem?: string; stopped?: boolean }> {
    const callId = `status-${++this.statusLines}`;
    const outcome = await this.keeper.guarded(callId, { signal: new AbortController().signal, bytes: 0 }, (live) =>
      live.entries.themeStatusLine.apply(undefined, [themeId, JSON.stringify(info)], {
        ...COPY_ARGS,
        result: { copy: true },
        timeout: this.limits.cpuMsPerCall,
      }),
    );
    const where = `Theme ${themeId}'s status line`;
    if ("failure" in outcome) return { line: undefined, problem: `${where}: ${outcome.failure}`, stopped: true };
    if (outcome.error) return { line: undefined, problem: `${where} failed: ${outcome.error}` };
    if (typeof outcome.value !== "string") {
      return { line: undefined, problem: `${where} (plugin ${this.options.pluginName}) returned no text.` };
    }
    return { line: outcome.value };
  }

  /**
   * Runs a slash command the plugin defines in this isolate, with the plugin's CPU and time
   * limits. Resolves to its raw strings (the caller sanitizes them); rejects with an Error
   * naming the command and the plugin when it throws, is stopped or returns something else.
   */
  async runCommand(name: string, args: string, ctx: SandboxCommandContext): Promise<RawCommandOutput> {
    const callId = `command-${++this.commands}`;
    const call: ActiveCall = {
      signal: ctx.signal ?? new AbortController().signal,
      bytes: 0,
      ...(ctx.authorize ? { authorize: ctx.authorize } : {}),
      ...(ctx.onProgress ? { onUpdate: ctx.onProgress } : {}),
      // A driven turn's progress (its events, each operation's answer) restarts the call's wall clock.
      ...(ctx.driver ? { driver: ctx.driver(() => this.keeper.progressed(callId)) } : {}),
    };
    const data = JSON.stringify({
      cwd: ctx.cwd,
      argv: ctx.argv ?? [],
      pluginDir: ctx.pluginDir ?? "",
      tmpDir: ctx.tmpDir ?? "",
      sessionId: ctx.sessionId,
      model: ctx.model,
      ...(ctx.budgetUsd !== undefined ? { budgetUsd: ctx.budgetUsd } : {}),
      drives: !!ctx.driver && !!ctx.sessions,
      serves: !!ctx.driver && !!ctx.services,
    });
    const outcome = await this.keeper.guarded(callId, call, (live) =>
      live.entries.command.apply(undefined, [callId, name, args, data, live.bridge.grantedEnvJson()], {
        ...COPY_ARGS,
        result: { promise: true, copy: true },
        timeout: this.limits.cpuMsPerCall,
      }),
    );
    const where = `Command /${name} (plugin ${this.options.pluginName})`;
    if ("failure" in outcome) throw new Error(`Command /${name}: ${outcome.failure}`);
    if (outcome.error) throw new Error(`${where} failed: ${outcome.error}`);
    // Checked again here: the isolate's half runs beside the plugin's code, which could change what it calls.
    const result = parseReply(outcome.value) as
      | { output?: unknown; invalid?: unknown; error?: unknown; exitCode?: unknown }
      | undefined;
    if (typeof result?.error === "string") {
      // A usage error is the command's own answer to how it was called: its words stand alone.
      const usage = result.exitCode === 2;
      throw new CommandFailure(`${where} failed: ${result.error}`, usage ? 2 : 1, result.error);
    }
    if (result && isRawCommandOutput(result.output)) return result.output;
    const invalid = typeof result?.invalid === "string" ? result.invalid : "returned something unreadable";
    throw new Error(`${where} ${invalid}; a command returns a string or { text?: string, prompt?: string }.`);
  }

  /**
   * One of the plugin's hooks, under the hook limits (`hookMs` of wall clock, and at most as much
   * CPU): resolves with its answer as plain data (null for none), or rejects saying why it failed
   * (it threw, was stopped by a limit, answered something unreadable). The caller checks the shape.
   */
  async runHook(name: string, args: unknown[], ctx: HookCallContext): Promise<unknown> {
    return this.hookCall("hook", [name, JSON.stringify(args)], ctx);
  }

  /** A batch of observed events for the plugin's `observe` hook, in order, under the hook limits. */
  async observe(events: unknown[], ctx: HookCallContext): Promise<void> {
    await this.hookCall("observe", [JSON.stringify(events)], ctx);
  }

  private async hookCall(entry: "hook" | "observe", args: string[], ctx: HookCallContext): Promise<unknown> {
    const callId = `hook-${++this.hookCalls}`;
    const own = {
      wallMs: this.limits.hookMs,
      cpuMs: Math.min(this.limits.hookMs, this.limits.cpuMsPerCall),
      setting: "sandbox.hookMs",
    };
    const data = JSON.stringify({ cwd: ctx.cwd, sessionId: ctx.sessionId });
    const outcome = await this.keeper.guarded(callId, { signal: NEVER_ABORTED, bytes: 0, own }, (live) =>
      live.entries[entry].apply(undefined, [callId, ...args, data, live.bridge.grantedEnvJson()], {
        ...COPY_ARGS,
        result: { promise: true, copy: true },
        timeout: own.cpuMs,
      }),
    );
    if ("failure" in outcome) throw new Error(outcome.failure);
    if (outcome.error) throw new Error(outcome.error);
    const reply = parseReply(outcome.value);
    if (typeof reply?.error === "string") throw new Error(reply.error);
    if (!reply || !("ok" in reply)) throw new Error("it answered something unreadable");
    return reply.ok;
  }

  /** The plugin's granted environment as JSON, as each call hands it in; undefined when it cannot be listed. */
  grantedEnvJson(): string | undefined {
    const granted = this.options.env.granted?.();
    return granted ? JSON.stringify(granted) : undefined;
  }

  /** Stops the isolate, and the commands the plugin left running in the background (the session is over). */
  dispose(): void {
    this.keeper.dispose();
    this.options.exec.dispose?.();
  }

  /** A batch of a model call's events, to its inbox (the isolate caps them first; this checks again). */
  private receiveEvents(callId: string, seq: number, batchJson: string): void {
    const inbox = this.inboxes.get(callId);
    if (!inbox) return;
    inbox.receive(seq, batchJson);
    // Progress: a model call's wall-clock limit counts from its last batch, so a long, healthy stream is never cut.
    const limits = this.keeper.calls.get(callId)?.limits;
    if (limits) limits.deadline = Date.now() + this.limits.wallMsPerCall;
    if (inbox.bytes > MAX_STREAM_BYTES) {
      const why = `sent more than ${MAX_STREAM_BYTES / 1024 / 1024} MB of stream events`;
      this.keeper.calls.get(callId)?.limits?.kill(why);
      inbox.abandon(this.keeper.failure(`was stopped: it ${why}`));
    }
  }
}
