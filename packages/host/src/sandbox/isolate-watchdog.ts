import type ivm from "isolated-vm";

/** A call's limits as the watchdog checks them. */
export interface WatchedCall {
  cpuAtStart: bigint;
  deadline: number;
  /** This call's own limits, where they differ from the isolate's (a hook's). */
  wallMs?: number;
  cpuMs?: number;
  /** Why the call is stopped at its deadline, for a limit of `ms`. */
  overtime(ms: number): string;
  /**
   * Stops the isolate for this call, saying why. `cpu`: for the CPU the isolate used while the call
   * ran, which other calls running in it at the same time may have used.
   */
  kill(why: string, cpu?: boolean): void;
}

export interface WatchdogLimits {
  cpuMsPerCall: number;
  wallMsPerCall: number;
  /** CPU the isolate may use with no call running, from the moment the last one ended. */
  idleCpuMs: number;
}

/** How often the isolate is looked at while it may be working, and once it has long been quiet. */
const TICK_MS = 50;
const QUIET_TICK_MS = 1000;
/** Ticks with no CPU used and no call before the watchdog slows to QUIET_TICK_MS. */
const QUIET_TICKS = 40;

/**
 * One isolate's CPU and wall clock, watched from the host's thread (async plugin code runs on the
 * isolate's own thread, where no timeout of a single host call reaches it): each call against its
 * limits while it runs, and the isolate itself between calls. A call's limits count everything the
 * isolate does while the call runs; between calls, whatever a call left behind (a timer that fired
 * just before it ended, promise chains still going, a microtask storm) counts against `idleCpuMs`, and
 * past it the isolate is stopped — the plugin that did it, not the next call, is the one stopped.
 *
 * Between calls it keeps looking (unref'd: it never holds the process open), since a settled host
 * request may wake code at any time; once the isolate has been quiet a while, only once a second.
 */
export class IsolateWatchdog {
  private readonly calls = new Set<WatchedCall>();
  private timer: NodeJS.Timeout | undefined;
  private active = true;
  /** The isolate's CPU time when it became idle (no call running). */
  private idleFrom = 0n;
  private lastCpu = 0n;
  private quietTicks = 0;
  private slow = false;
  /** Host CPU spent answering the isolate's synchronous requests: its work too, done on the host's thread. */
  private hostNs = 0n;
  /** Calls waiting for the isolate to be quiet. */
  private waiters: Array<() => void> = [];

  constructor(
    private readonly isolate: ivm.Isolate,
    private readonly limits: WatchdogLimits,
    private readonly onIdleOverrun: (cpuMs: number) => void,
  ) {
    this.arm(TICK_MS);
  }

  /** The isolate's CPU time so far, the host's work for its synchronous requests included. */
  cpu(): bigint {
    return this.cpuTime();
  }

  /** Adds host time spent on the isolate's behalf. */
  charge(ns: bigint): void {
    this.hostNs += ns;
  }

  /** CPU (ms) the isolate has used since its last call ended; 0 while a call runs. */
  idleUsedMs(): number {
    return this.active ? 0 : Number(this.cpuTime() - this.idleFrom) / 1e6;
  }

  /**
   * Resolves once the isolate has used no CPU for a whole tick, or has been stopped: a call about
   * to start waits here when the isolate is still busy with what an earlier call left running, so
   * that work is metered (and stopped) as the plugin's, not charged to the new call.
   */
  quiet(): Promise<void> {
    if (!this.timer) return Promise.resolve();
    // A call waits on it: look often, and keep the process alive until it is answered (between
    // calls the timer is unref'd, and nothing else may be holding the event loop open).
    if (this.slow) this.arm(TICK_MS);
    this.timer?.ref();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  watch(call: WatchedCall): void {
    this.calls.add(call);
  }

  unwatch(call: WatchedCall): void {
    this.calls.delete(call);
  }

  /** A call (or the start) began, or the last one ended. */
  setActive(active: boolean): void {
    if (active === this.active || !this.timer) return;
    this.active = active;
    if (active) {
      if (this.slow) this.arm(TICK_MS);
      // While a call runs, this is what keeps the host alive (the isolate's pending work, and the
      // plugin's unref'd timers, do not).
      this.timer.ref();
      return;
    }
    this.idleFrom = this.cpuTime();
    this.quietTicks = 0;
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length > 0 && !this.active) this.timer?.unref();
    for (const resolve of waiters) resolve();
  }

  private arm(every: number): void {
    clearInterval(this.timer);
    this.slow = every !== TICK_MS;
    this.timer = setInterval(() => this.tick(), every);
    if (!this.active) this.timer.unref();
  }

  private cpuTime(): bigint {
    return this.isolate.isDisposed ? this.lastCpu : this.isolate.cpuTime + this.hostNs;
  }

  private tick(): void {
    if (this.isolate.isDisposed) {
      this.stop();
      return;
    }
    const cpu = this.cpuTime();
    const now = Date.now();
    for (const call of this.calls) {
      const cpuMs = call.cpuMs ?? this.limits.cpuMsPerCall;
      if (now > call.deadline) call.kill(call.overtime(call.wallMs ?? this.limits.wallMsPerCall));
      else if (Number(cpu - call.cpuAtStart) / 1e6 > cpuMs) call.kill(`used more than ${cpuMs} ms of CPU`, true);
    }
    if (!this.active && this.timer) {
      const idleMs = Number(cpu - this.idleFrom) / 1e6;
      if (idleMs > this.limits.idleCpuMs) {
        this.stop();
        this.onIdleOverrun(idleMs);
        return;
      }
      this.quietTicks = cpu === this.lastCpu ? this.quietTicks + 1 : 0;
      if (this.quietTicks > 0) this.wake();
      if (this.quietTicks >= QUIET_TICKS && !this.slow) this.arm(QUIET_TICK_MS);
      else if (this.quietTicks === 0 && this.slow) this.arm(TICK_MS);
    }
    this.lastCpu = cpu;
  }
}
