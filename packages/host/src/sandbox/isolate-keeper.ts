import type { ToolContext } from "@pincer/kernel";
import { IDLE_CPU_MS, ISOLATE_CAPS } from "./bridge-caps.js";
import { type LiveIsolate, startPluginIsolate } from "./isolate-start.js";
import { IsolateWatchdog, type WatchedCall } from "./isolate-watchdog.js";
import type { PluginSandboxOptions, SandboxLimits } from "./sandbox-types.js";

/** CPU used since the last call ended past which the isolate counts as still busy when a call arrives. */
const BUSY_BETWEEN_CALLS_MS = 1;

/** Requests a plugin may make with no call running (each refused) before it is stopped for it. */
const MAX_IDLE_REFUSALS = 100;

/** A call in flight: a tool call (progress goes to ctx.onUpdate) or a model call (events to its inbox). */
export interface ActiveCall {
  signal: AbortSignal;
  bytes: number;
  limits?: WatchedCall;
  /** A model call: its wall-clock limit counts from its last batch of events (see PluginSandbox). */
  streaming?: boolean;
  onUpdate?: (partial: string) => void;
  authorize?: ToolContext["authorize"];
  /** This call's own limits (a hook's are tighter than a tool's), and the setting that names them. */
  own?: { wallMs: number; cpuMs: number; setting: string };
  /**
   * A command's session driver (ctx.sessions), for its `driver` host calls; `send` hands a stream
   * note (a driven turn's events) to the isolate.
   */
  driver?: (op: string, argsJson: string, send: (stream: number, json: string) => void) => Promise<string>;
}

/**
 * How a call ended: its value, the plugin's own error, or a failure of the sandbox (a limit, a
 * start). `collateral`: the isolate was stopped for another call's limit, not for this one's.
 */
export type CallOutcome = { value?: unknown; error?: string } | { failure: string; collateral?: boolean };

const COPY_ARGS = { arguments: { copy: true } } as const;

/**
 * One plugin's isolate over its life: started on first use, each call run under its limits, the
 * plugin's work watched between calls, stopped when a limit is hit and started afresh after.
 *
 * The plugin's code runs during its calls only: when the last one ends, its timers are dropped,
 * what it left open is closed and the bridge refuses further requests; the watchdog stops an
 * isolate that keeps using CPU anyway, and its next call is told why.
 */
export class IsolateKeeper {
  private live: Promise<LiveIsolate> | undefined;
  readonly calls = new Map<string, ActiveCall>();
  /** Calls running, plus the isolate's start and the inline calls (subject, estimate): while > 0 the plugin may work. */
  private activity = 0;
  /** The running isolate and its watchdog, once started. */
  private current: { live: LiveIsolate; watchdog: IsolateWatchdog } | undefined;
  /** Why the isolate was stopped between calls: the next call fails with it, once. */
  private stoppedBetweenCalls: string | undefined;
  /** Host requests refused since the last call ended. */
  private idleRefusals = 0;
  /**
   * Why an isolate was stopped for one of its calls (`by`), and whether for CPU while others ran
   * too: every call running on it is told (see running).
   */
  private readonly stoppedFor = new WeakMap<LiveIsolate, { why: string; by: string; cpuShared: boolean }>();

  constructor(
    private readonly options: PluginSandboxOptions,
    private readonly limits: SandboxLimits,
    private readonly hooks: {
      /** A batch of a model call's events arrived. */
      events(callId: string, seq: number, batchJson: string): void;
      /** The isolate was stopped: what is still waiting on it will never get it. */
      stopped(): void;
    },
  ) {}

  /** Whether the plugin's isolate has been started (and not stopped since). */
  get started(): boolean {
    return this.live !== undefined;
  }

  /** Runs `work` on the live isolate as plugin work (the bridge open), outside the call limits. */
  async inline<T>(work: (live: LiveIsolate) => Promise<T> | T): Promise<T> {
    this.enter();
    try {
      return await work(await this.ensure());
    } finally {
      this.leave();
    }
  }

  /** Starts the isolate if needed. */
  start(): Promise<LiveIsolate> {
    return this.ensure();
  }

  failure(what: string): string {
    return `Plugin ${this.options.pluginName} ${what}. It will be restarted on its next use.`;
  }

  dispose(): void {
    const pending = this.live;
    this.live = undefined;
    // No call may pick up the isolate being disposed.
    this.current?.watchdog.stop();
    this.current = undefined;
    void pending?.then((live) => this.reset(live)).catch(() => {});
  }

  /**
   * Runs one call with the limits: wall clock, CPU (watched from here: async plugin code runs
   * on the isolate's own thread) and abort forwarding. A limit hit kills the isolate.
   */
  async guarded(
    callId: string,
    call: ActiveCall,
    start: (live: LiveIsolate) => Promise<unknown>,
  ): Promise<CallOutcome> {
    // Still busy with what an earlier call left running: that work is the plugin's, metered as such
    // (and stopped past its budget) before this call starts, never charged to this call.
    const watchdog = this.current?.watchdog;
    if (watchdog && this.activity === 0 && watchdog.idleUsedMs() > BUSY_BETWEEN_CALLS_MS) {
      // It did work since; is it working now? (One turn of the event loop apart; only here, so a
      // call after a quiet one pays nothing.)
      const before = watchdog.cpu();
      await new Promise((resolve) => setImmediate(resolve));
      if (watchdog.cpu() > before) await watchdog.quiet();
    }
    const stopped = this.stoppedBetweenCalls;
    if (stopped) {
      this.stoppedBetweenCalls = undefined;
      return { failure: stopped };
    }
    this.enter();
    try {
      let live: LiveIsolate;
      try {
        // The running isolate at once when there is one: a promise hop less on every call.
        const running = this.current?.live;
        live = running && !running.isolate.isDisposed ? running : await this.ensure();
      } catch (error) {
        return { failure: this.failure(`could not start: ${(error as Error).message}`) };
      }
      return await this.running(live, callId, call, start);
    } finally {
      this.leave();
    }
  }

  private async running(
    live: LiveIsolate,
    callId: string,
    call: ActiveCall,
    start: (live: LiveIsolate) => Promise<unknown>,
  ): Promise<CallOutcome> {
    this.calls.set(callId, call);
    const onAbort = () => !live.isolate.isDisposed && live.entries.abort.applyIgnored(undefined, [callId], COPY_ARGS);
    call.signal.addEventListener("abort", onAbort, { once: true });
    let killedFor: string | undefined;
    const watchdog = this.current?.live === live ? this.current.watchdog : undefined;
    const limits: WatchedCall = {
      cpuAtStart: watchdog ? watchdog.cpu() : live.isolate.cpuTime,
      deadline: Date.now() + (call.own?.wallMs ?? this.limits.wallMsPerCall),
      ...(call.own ? { wallMs: call.own.wallMs, cpuMs: call.own.cpuMs } : {}),
      overtime: (ms) =>
        `${call.streaming ? `sent no event for ${ms} ms` : `took longer than ${ms} ms`} (setting ${call.own?.setting ?? "sandbox.wallMsPerCall"})`,
      kill: (why, cpu) => {
        killedFor ??= why;
        if (!this.stoppedFor.has(live)) {
          this.stoppedFor.set(live, { why, by: callId, cpuShared: !!cpu && this.calls.size > 1 });
        }
        this.reset(live);
      },
    };
    call.limits = limits;
    watchdog?.watch(limits);
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
        const stop = this.stoppedFor.get(live);
        // Stopped for another call's limit (an isolate shared by sessions runs many at once): this
        // call did nothing wrong, and may be tried again on the fresh isolate.
        if (stop && stop.by !== callId) {
          return {
            failure: this.failure(`was stopped during this call because another of its calls ${stop.why}`),
            collateral: true,
          };
        }
        // The isolate's CPU while this call ran, with others running in it: which of them used it
        // cannot be told, so this one too may be tried again (a runaway is stopped again, each time
        // within the limit).
        if (stop?.cpuShared) {
          return {
            failure: this.failure(`was stopped: it ${stop.why} while other calls ran in it too`),
            collateral: true,
          };
        }
        return {
          failure: this.failure(
            killedFor ? `was stopped: it ${killedFor}` : `ran out of memory (limit ${this.limits.memoryMb} MB)`,
          ),
        };
      }
      if (/timed out/i.test(message)) {
        this.reset(live);
        const cpuMs = call.own?.cpuMs ?? this.limits.cpuMsPerCall;
        return { failure: this.failure(`was stopped: it used more than ${cpuMs} ms of CPU`) };
      }
      return { error: message };
    } finally {
      watchdog?.unwatch(limits);
      call.signal.removeEventListener("abort", onAbort);
      this.calls.delete(callId);
    }
  }

  /** A call made progress (a driven turn's event): its wall clock starts again. */
  progressed(callId: string): void {
    const call = this.calls.get(callId);
    if (call?.limits) call.limits.deadline = Date.now() + (call.own?.wallMs ?? this.limits.wallMsPerCall);
    // A command's progress budget starts afresh too (the isolate's half does the same on each batch).
    if (call?.driver) call.bytes = 0;
  }

  /** Work of the plugin begins (a call, its start, an inline question). */
  private enter(): void {
    if (++this.activity === 1) this.current?.watchdog.setActive(true);
  }

  /** Work of the plugin ends; after the last, nothing of it may run until the next. */
  private leave(): void {
    if (--this.activity > 0 || !this.current) return;
    this.idleRefusals = 0;
    this.current.watchdog.setActive(false);
    this.current.live.bridge.quiesce();
  }

  /** The isolate kept working with no call running: stopped, and its next call is told. */
  private stopIdle(live: LiveIsolate, what: string): void {
    const why = this.failure(
      `was stopped: it ${what} after its calls had returned (timers or promise chains left running; ` +
        "a plugin's code may run only during its calls)",
    );
    this.options.log?.(`[${this.options.pluginName}] ${why}`);
    this.stoppedBetweenCalls = why;
    this.reset(live);
  }

  private get idleCpuMs(): number {
    return Math.min(IDLE_CPU_MS, this.limits.cpuMsPerCall);
  }

  private reset(live: LiveIsolate): void {
    live.bridge.close();
    if (this.current?.live === live) {
      this.current.watchdog.stop();
      this.current = undefined;
    }
    this.hooks.stopped();
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
    // Starting is work: the bundle may use the host (a timer, random bytes) as it loads.
    this.enter();
    const starting = startPluginIsolate(
      this.options,
      this.limits.memoryMb,
      { ...ISOLATE_CAPS, maxUpdateBytes: this.limits.maxUpdateBytes },
      {
        active: () => this.activity > 0,
        charge: (ns) => this.current?.watchdog.charge(ns),
        refusedIdle: (name) => {
          const current = this.current;
          if (++this.idleRefusals === MAX_IDLE_REFUSALS && current) {
            this.stopIdle(current.live, `kept asking the host for work (${name}, ${MAX_IDLE_REFUSALS} times)`);
          }
        },
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
        driver: async (callId, op, argsJson) => {
          const driver = this.calls.get(callId)?.driver;
          if (!driver) throw new Error("only a command can drive sessions, where the front end offers them");
          return driver(op, argsJson, (stream, json) => {
            const live = this.current?.live;
            if (live && !live.isolate.isDisposed && this.calls.has(callId))
              live.entries.output.applyIgnored(undefined, [stream, json], COPY_ARGS);
          });
        },
        event: (callId, seq, json) => this.hooks.events(callId, seq, json),
        log: (line) => this.options.log?.(`[${this.options.pluginName}] ${line}`),
      },
    );
    this.live = starting.then((live) => {
      const watchdog = new IsolateWatchdog(
        live.isolate,
        { cpuMsPerCall: this.limits.cpuMsPerCall, wallMsPerCall: this.limits.wallMsPerCall, idleCpuMs: this.idleCpuMs },
        (cpuMs) => this.stopIdle(live, `used ${Math.round(cpuMs)} ms of CPU (more than ${this.idleCpuMs} ms)`),
      );
      this.current = { live, watchdog };
      return live;
    });
    const live = this.live;
    live.then(
      () => this.leave(),
      () => {
        if (this.live === live) this.live = undefined;
        this.leave();
      },
    );
    return live;
  }

  /** Sends a tool call's progress to its consumer, capped so a plugin cannot flood the host. */
  forward(callId: string, payload: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    // Progress: a tool call's wall-clock limit counts from its last update, so a wait that reports
    // as it goes (a job followed for hours) is never cut; one that goes silent for the limit is.
    if (call.limits) call.limits.deadline = Date.now() + (call.own?.wallMs ?? this.limits.wallMsPerCall);
    const before = call.bytes;
    call.bytes += payload.length;
    if (call.bytes <= this.limits.maxUpdateBytes) call.onUpdate?.(payload);
    else if (before <= this.limits.maxUpdateBytes)
      call.onUpdate?.(`\n[${this.options.pluginName}: further progress output dropped]\n`);
  }
}
