import type {
  CostEstimate,
  ModelRequest,
  PermissionSubject,
  ProviderEvent,
  ToolContext,
  ToolResult,
} from "@pincer/kernel";
import type { StatusLineInfo } from "@pincer/sdk";
import type ivm from "isolated-vm";
import { type LiveIsolate, startPluginIsolate } from "./isolate-start.js";
import { ProviderEventInbox, type StreamEnd } from "./provider-event-inbox.js";
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
const MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** A call in flight: a tool call (progress goes to ctx.onUpdate) or a model call (events to its inbox). */
interface ActiveCall {
  signal: AbortSignal;
  bytes: number;
  limits?: { cpuAtStart: bigint; deadline: number; isolate: ivm.Isolate; kill: (why: string) => void };
  onUpdate?: (partial: string) => void;
  authorize?: ToolContext["authorize"];
}

const COPY_ARGS = { arguments: { copy: true } } as const;

/**
 * One plugin running in its own V8 isolate (isolated-vm): no Node APIs, no host objects, only
 * a bridge whose every function checks the plugin's grants. It serves the plugin's tools, its
 * providers and its themes. A call that runs out of memory, CPU or time kills the isolate; the
 * failure goes back as a tool error or a stream error event, and the next call starts afresh.
 */
export class PluginSandbox {
  private live: Promise<LiveIsolate> | undefined;
  private readonly calls = new Map<string, ActiveCall>();
  private readonly limits: SandboxLimits;
  private streams = 0;
  private statusLines = 0;
  private commands = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** Model calls' event inboxes, by call id, from the call's start until its last batch is in. */
  private readonly inboxes = new Map<string, ProviderEventInbox>();

  constructor(private readonly options: PluginSandboxOptions) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  }

  /** Whether the plugin's isolate has been started (and not stopped since). */
  get started(): boolean {
    return this.live !== undefined;
  }

  /** Starts the isolate (if needed) and returns what the plugin defines. */
  async definitions(): Promise<PluginDefinitions> {
    return (await this.ensure()).definitions;
  }

  async tools(): Promise<SandboxedToolMeta[]> {
    return (await this.definitions()).tools;
  }

  /** The permission subject of a call, computed by the plugin's own code. */
  async subject(name: string, args: Record<string, unknown>, cwd: string): Promise<PermissionSubject | undefined> {
    const live = await this.ensure();
    const json = live.entries.subject.applySync(undefined, [name, JSON.stringify(args), cwd], {
      ...COPY_ARGS,
      timeout: 1000,
    });
    return typeof json === "string" ? (JSON.parse(json) as PermissionSubject) : undefined;
  }

  /**
   * What a call would cost, computed by the plugin's own code. Never throws: an estimate that
   * throws, runs past its second or returns something malformed is no estimate (the call is
   * then asked as usual, never approved by a budget).
   */
  async estimate(name: string, args: Record<string, unknown>, cwd: string): Promise<CostEstimate | undefined> {
    try {
      const live = await this.ensure();
      // Asynchronous on this side, so the estimate may read env through the bridge meanwhile.
      const json = await live.entries.estimate.apply(
        undefined,
        [name, JSON.stringify(args), cwd, live.bridge.grantedEnvJson()],
        {
          ...COPY_ARGS,
          result: { copy: true },
          timeout: 1000,
        },
      );
      if (typeof json !== "string") return undefined;
      // The shape only: the kernel checks the figure and cleans the summary before anyone sees it.
      const estimate = JSON.parse(json) as Partial<CostEstimate>;
      if (typeof estimate.usd !== "number" || typeof estimate.summary !== "string") return undefined;
      return { usd: estimate.usd, summary: estimate.summary, ...(estimate.recurring ? { recurring: true } : {}) };
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
    const outcome = await this.guarded(ctx.toolCallId, call, (live) =>
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
    const result = JSON.parse(outcome.value as string) as ToolResult;
    if (!result || (typeof result.content !== "string" && !Array.isArray(result.content))) {
      return {
        content: `${name} returned an invalid result: content must be a string or a list of content blocks.`,
        isError: true,
      };
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
    const done = this.guarded(callId, { signal, bytes: 0 }, (live) =>
      live.entries.stream.apply(
        undefined,
        [callId, id, JSON.stringify(request), JSON.stringify(config), live.bridge.grantedEnvJson()],
        {
          ...COPY_ARGS,
          result: { promise: true },
          timeout: this.limits.cpuMsPerCall,
        },
      ),
    ).then((outcome) => {
      if ("failure" in outcome) inbox.abandon(outcome.failure);
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
    const outcome = await this.guarded(callId, { signal: new AbortController().signal, bytes: 0 }, (live) =>
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
    };
    const data = JSON.stringify({ cwd: ctx.cwd, sessionId: ctx.sessionId, model: ctx.model });
    const outcome = await this.guarded(callId, call, (live) =>
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
    let result: { output?: unknown; invalid?: unknown } | undefined;
    try {
      result = typeof outcome.value === "string" ? JSON.parse(outcome.value) : undefined;
    } catch {}
    if (isRawCommandOutput(result?.output)) return result.output;
    const invalid = typeof result?.invalid === "string" ? result.invalid : "returned something unreadable";
    throw new Error(`${where} ${invalid}; a command returns a string or { text?: string, prompt?: string }.`);
  }

  dispose(): void {
    const pending = this.live;
    this.live = undefined;
    void pending?.then((live) => this.reset(live)).catch(() => {});
  }

  /**
   * Runs one call with the limits: wall clock, CPU (watched from here: async plugin code runs
   * on the isolate's own thread) and abort forwarding. A limit hit kills the isolate.
   */
  private async guarded(
    callId: string,
    call: ActiveCall,
    start: (live: LiveIsolate) => Promise<unknown>,
  ): Promise<{ value?: unknown; error?: string } | { failure: string }> {
    let live: LiveIsolate;
    try {
      live = await this.ensure();
    } catch (error) {
      return { failure: this.failure(`could not start: ${(error as Error).message}`) };
    }
    this.calls.set(callId, call);
    const onAbort = () => !live.isolate.isDisposed && live.entries.abort.applyIgnored(undefined, [callId], COPY_ARGS);
    call.signal.addEventListener("abort", onAbort, { once: true });
    let killedFor: string | undefined;
    call.limits = {
      cpuAtStart: live.isolate.cpuTime,
      deadline: Date.now() + this.limits.wallMsPerCall,
      isolate: live.isolate,
      kill: (why) => {
        killedFor ??= why;
        this.reset(live);
      },
    };
    this.watch();
    try {
      const running = start(live);
      // Aborted while the isolate was starting: the listener came too late, so tell the call now
      // (after it started, so the isolate knows its id).
      if (call.signal.aborted) onAbort();
      return { value: await running };
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (live.isolate.isDisposed || /memory limit/i.test(message)) {
        this.reset(live);
        return {
          failure: this.failure(
            killedFor ? `was stopped: it ${killedFor}` : `ran out of memory (limit ${this.limits.memoryMb} MB)`,
          ),
        };
      }
      if (/timed out/i.test(message)) {
        this.reset(live);
        return { failure: this.failure(`was stopped: it used more than ${this.limits.cpuMsPerCall} ms of CPU`) };
      }
      return { error: message };
    } finally {
      call.signal.removeEventListener("abort", onAbort);
      this.calls.delete(callId);
      // The last call out stops the watchdog at once: a waiting interval would hold the exit.
      if (this.calls.size === 0 && this.watchdog) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      }
    }
  }

  /**
   * One watchdog per plugin while calls are running, not two timers per call: async plugin
   * code runs on the isolate's own thread, so its CPU and wall time are checked from here.
   */
  private watch(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      if (this.calls.size === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        return;
      }
      const now = Date.now();
      for (const [callId, call] of this.calls) {
        const limits = call.limits;
        if (!limits || limits.isolate.isDisposed) continue;
        if (now > limits.deadline) {
          const ms = this.limits.wallMsPerCall;
          // A model call's deadline moves with each batch of events (receiveEvents): it ends on silence, not length.
          limits.kill(
            `${this.inboxes.has(callId) ? `sent no event for ${ms} ms` : `took longer than ${ms} ms`} (setting sandbox.wallMsPerCall)`,
          );
        } else if (Number(limits.isolate.cpuTime - limits.cpuAtStart) / 1e6 > this.limits.cpuMsPerCall) {
          limits.kill(`used more than ${this.limits.cpuMsPerCall} ms of CPU`);
        }
      }
    }, 50);
    // Not unref'd: while a call runs, this is what keeps the host alive (the isolate's own
    // pending work, and the plugin's unref'd timers, do not). It stops with the last call.
  }

  private failure(what: string): string {
    return `Plugin ${this.options.pluginName} ${what}. It will be restarted on its next use.`;
  }

  private reset(live: LiveIsolate): void {
    live.bridge.close();
    // A model call that returned but whose last batches are still on their way: they never will be now.
    for (const [callId, inbox] of this.inboxes) {
      if (!this.calls.has(callId)) inbox.abandon(this.failure("was stopped before all of its events arrived"));
    }
    if (!live.isolate.isDisposed) live.isolate.dispose();
    if (this.live) {
      void this.live.then((current) => {
        if (current === live) this.live = undefined;
      });
    }
  }

  private ensure(): Promise<LiveIsolate> {
    if (this.live) {
      return this.live.then((live) => {
        if (!live.isolate.isDisposed) return live;
        this.live = undefined;
        return this.ensure();
      });
    }
    this.live = startPluginIsolate(
      this.options,
      this.limits.memoryMb,
      { maxStreamBytes: MAX_STREAM_BYTES },
      {
        signalOf: (callId) => this.calls.get(callId)?.signal,
        authorize: async (callId, command, mustAsk) => {
          const authorize = this.calls.get(callId)?.authorize;
          // Outside a kernel turn nobody can be asked: a command that needs a person is refused.
          if (!authorize) return mustAsk ? `Permission denied: ${mustAsk}` : undefined;
          return authorize({
            toolName: "bash",
            kind: "execute",
            subject: { kind: "command", value: command },
            ...(mustAsk ? { mustAsk } : {}),
          });
        },
        update: (callId, partial) => this.forward(callId, partial),
        event: (callId, seq, json) => this.receiveEvents(callId, seq, json),
        log: (line) => this.options.log?.(`[${this.options.pluginName}] ${line}`),
      },
    );
    this.live.catch(() => {
      this.live = undefined;
    });
    return this.live;
  }

  /** Sends a tool call's progress to its consumer, capped so a plugin cannot flood the host. */
  private forward(callId: string, payload: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const before = call.bytes;
    call.bytes += payload.length;
    if (call.bytes <= this.limits.maxUpdateBytes) call.onUpdate?.(payload);
    else if (before <= this.limits.maxUpdateBytes)
      call.onUpdate?.(`\n[${this.options.pluginName}: further progress output dropped]\n`);
  }

  /** A batch of a model call's events, to its inbox (the isolate caps them first; this checks again). */
  private receiveEvents(callId: string, seq: number, batchJson: string): void {
    const inbox = this.inboxes.get(callId);
    if (!inbox) return;
    inbox.receive(seq, batchJson);
    // Progress: a model call's wall-clock limit counts from its last batch, so a long, healthy stream is never cut.
    const limits = this.calls.get(callId)?.limits;
    if (limits) limits.deadline = Date.now() + this.limits.wallMsPerCall;
    if (inbox.bytes > MAX_STREAM_BYTES) {
      const why = `sent more than ${MAX_STREAM_BYTES / 1024 / 1024} MB of stream events`;
      this.calls.get(callId)?.limits?.kill(why);
      inbox.abandon(this.failure(`was stopped: it ${why}`));
    }
  }
}

/** A model call's end as the isolate's half reported it (see prelude.ts); undefined when it is not that. */
function streamEnd(value: unknown): StreamEnd | undefined {
  if (typeof value !== "string") return undefined;
  const { sent, rest, error } = JSON.parse(value) as { sent?: unknown; rest?: unknown; error?: unknown };
  if (typeof sent !== "number" || !Number.isSafeInteger(sent) || sent < 0) return undefined;
  return {
    sent,
    ...(typeof rest === "string" ? { rest } : {}),
    ...(typeof error === "string" ? { problem: error } : {}),
  };
}

function isRawCommandOutput(value: unknown): value is RawCommandOutput {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([key, field]) => (key === "text" || key === "prompt") && typeof field === "string",
  );
}
