import { randomBytes } from "@pincer/kernel";
import ivm from "isolated-vm";
import type { IsolateCaps } from "./bridge-caps.js";
import { type BridgeCallbacks, HostBridge } from "./host-bridge.js";
import { countIsolate } from "./isolate-census.js";
import { PRELUDE } from "./prelude.js";
import type { PluginDefinitions, PluginSandboxOptions } from "./sandbox-types.js";

type Entry = ivm.Reference<(...args: unknown[]) => unknown>;

/** A running plugin isolate: its bridge, the entry points the host calls, what it defines. */
export interface LiveIsolate {
  isolate: ivm.Isolate;
  bridge: HostBridge;
  entries: Record<
    | "run"
    | "stream"
    | "subject"
    | "estimate"
    | "output"
    | "settle"
    | "abort"
    | "timer"
    | "bodyChunk"
    | "themeStatusLine"
    | "command"
    | "hook"
    | "observe"
    | "quiesce",
    Entry
  >;
  definitions: PluginDefinitions;
}

/** How the bridge reaches the calls in flight (the sandbox keeps them); the rest it wires itself. */
export type IsolateHooks = Omit<BridgeCallbacks, "output" | "timer" | "bodyChunk" | "quiesce"> & {
  /**
   * Whether the plugin may work now: a call of it is running, or it is starting. With none, the
   * bridge refuses its requests and its timers do not fire: a plugin's code runs during its calls.
   */
  active(): boolean;
  /** The plugin asked the host for something while no call of it was running (refused). */
  refusedIdle(name: string): void;
  /** Host time spent answering one of the isolate's synchronous requests (its CPU, on the host's thread). */
  charge(ns: bigint): void;
};

/**
 * What the bridge still does with no call running: letting go of things, never starting work. A
 * model call's event batches are among them: they are notes, and isolated-vm does not order a note
 * after the call's result, so the last batch can arrive once the call is over — its inbox is still
 * waiting for it (plugin-sandbox.ts), and one refused here left that stream waiting for ever (a
 * one-shot or a subagent that never ended, 3 runs in 14 of budget.test under load). A batch for a
 * stream nobody waits on any more is dropped by the sandbox.
 */
const WHEN_IDLE = new Set(["clearTimer", "fetchAbort", "bodyTaken", "bodyCancel", "log", "events"]);
const IDLE_REFUSAL = "refused: the plugin has no call running (it works only during its calls)";

const COPY_ARGS = { arguments: { copy: true } } as const;

/**
 * A fresh isolate with the prelude and the plugin's bundle evaluated: from the snapshot cache
 * when there is one, else by evaluating them (and making the snapshot for next time).
 */
async function boot(
  options: PluginSandboxOptions,
  memoryMb: number,
  attach: (context: ivm.Context) => Promise<void>,
): Promise<{ isolate: ivm.Isolate; context: ivm.Context }> {
  // A snapshot found under the code's key needs no code: a built-in's megabyte bundle is then never read.
  let code = typeof options.code === "string" ? options.code : undefined;
  const readCode = () => (code ??= (options.code as () => string)());
  const scripts = () => [
    { code: PRELUDE, filename: "pincer-prelude.js" },
    { code: readCode(), filename: `${options.pluginName}/plugin.js` },
  ];
  const cache = options.snapshots;
  const key = cache?.keyFor(PRELUDE, options.codeKey ?? readCode());
  const snapshot = cache && key ? (cache.load(key) ?? cache.create(key, scripts())) : undefined;
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb, ...(snapshot ? { snapshot } : {}) });
  countIsolate(isolate, options.pluginName);
  try {
    const context = await isolate.createContext();
    if (!snapshot) await context.eval(PRELUDE, { timeout: 1000, filename: "pincer-prelude.js" });
    // Attached before the bundle runs: a bundle may use the host (a timer, random bytes) as it loads.
    await attach(context);
    if (!snapshot) await context.eval(readCode(), { timeout: 5000, filename: `${options.pluginName}/plugin.js` });
    return { isolate, context };
  } catch (error) {
    isolate.dispose();
    throw error;
  }
}

/**
 * Crossings between the host and the plugin isolates of this process: messages from an isolate
 * (its calls, its batches of notes) and notifications to one (a call settled, a body's chunk, a
 * timer). Each is a hand-over between threads that costs both sides tens of microseconds of CPU on
 * an idle machine; tests hold the count per operation down.
 */
export const isolateCrossings = { fromIsolate: 0, toIsolate: 0 };

/** Starts a plugin's isolate wired to a fresh bridge; `hooks` lead back to the calls in flight. */
export async function startPluginIsolate(
  options: PluginSandboxOptions,
  memoryMb: number,
  caps: IsolateCaps,
  hooks: IsolateHooks,
): Promise<LiveIsolate> {
  let live: LiveIsolate | undefined;
  let isolate: ivm.Isolate | undefined;
  const notify = (entry: keyof LiveIsolate["entries"], args: unknown[]) => {
    if (!live || !isolate || isolate.isDisposed) return;
    isolateCrossings.toIsolate++;
    live.entries[entry].applyIgnored(undefined, args, COPY_ARGS);
  };
  const bridge = new HostBridge(options, {
    ...hooks,
    output: (stream, chunk) => notify("output", [stream, chunk]),
    // A timer due while no call runs is dropped (quiesce drops the rest): it would run unmetered code.
    timer: (id) => hooks.active() && notify("timer", [id]),
    bodyChunk: (bodyId, chunk, error) => notify("bodyChunk", [bodyId, chunk, error]),
    quiesce: () => notify("quiesce", []),
  });
  // One entry point for async calls: run the notes told before it (each as a synchronous function
  // whose answer nobody waits for), then the named host function, and settle the isolate's promise.
  // Call 0 carries notes only.
  const startCall = (id: number, name: string, args: unknown[], notes?: unknown) => {
    isolateCrossings.fromIsolate++;
    toldAll(notes);
    if (id === 0) return;
    const fn = (Object.hasOwn(bridge.async, name) ? bridge.async[name] : undefined) as
      | ((...args: unknown[]) => unknown)
      | undefined;
    Promise.resolve()
      .then(() => {
        if (!fn || !Array.isArray(args)) throw new Error(`unknown host function ${String(name)}`);
        if (!hooks.active() && !WHEN_IDLE.has(name)) {
          hooks.refusedIdle(name);
          throw new Error(`${name} ${IDLE_REFUSAL}`);
        }
        return fn(...args);
      })
      .then(
        (value) => notify("settle", [id, true, value]),
        (error: unknown) => notify("settle", [id, false, (error as Error).message ?? String(error)]),
      );
  };
  const syncCall = (name: string, args: unknown[], notes?: unknown) => {
    toldAll(notes);
    const fn = (Object.hasOwn(bridge.sync, name) ? bridge.sync[name] : undefined) as
      | ((...args: unknown[]) => unknown)
      | undefined;
    if (!fn || !Array.isArray(args)) throw new Error(`unknown host function ${String(name)}`);
    if (!hooks.active() && !WHEN_IDLE.has(name)) {
      hooks.refusedIdle(name);
      throw new Error(`${name} ${IDLE_REFUSAL}`);
    }
    const started = process.hrtime.bigint();
    try {
      return fn(...args);
    } finally {
      hooks.charge(process.hrtime.bigint() - started);
    }
  };
  /** The notes told before a crossing (a batch, or null), run ahead of what it carries. */
  const toldAll = (notes: unknown) => {
    if (Array.isArray(notes)) for (const note of notes) told(note);
  };
  /** A note from the isolate: a sync host function whose answer, or refusal, goes nowhere. */
  const told = (note: unknown) => {
    if (!Array.isArray(note)) return;
    try {
      syncCall(note[0] as string, note[1] as unknown[]);
    } catch {
      // As a message sent with applyIgnored: the plugin asked for no answer.
    }
  };
  // Entries of the isolate are handed out for this key only (see prelude.ts): the plugin never sees it.
  const key = randomBytes(24).toString("base64url");
  // The prelude's own functions (attach, entry) are called synchronously, on this thread with the
  // isolate locked: the isolate is idle between its start and its first call, they run no code of
  // the plugin's, and each is a few microseconds. Called asynchronously, each was a round trip
  // through the isolate's thread (a task there, a wake-up here): 17 of them before the first call,
  // each a scheduler's wait on a loaded machine. `register` reads what the bundle defines (the
  // plugin's objects), so it stays a call on the isolate's thread.
  const booted = await boot(options, memoryMb, async (context) => {
    const attach = context.evalSync("__pincer.attach", { reference: true, timeout: 1000 }) as Entry;
    try {
      attach.applySync(
        undefined,
        [new ivm.Reference(startCall), new ivm.Reference(syncCall), JSON.stringify(caps), key],
        { timeout: 1000 },
      );
    } finally {
      attach.release();
    }
  });
  isolate = booted.isolate;
  const entryOf = booted.context.evalSync("__pincer.entry", { reference: true, timeout: 1000 }) as Entry;
  const entry = (name: string) =>
    entryOf.applySync(undefined, [name, key], { timeout: 1000, result: { reference: true } }) as unknown as Entry;
  let register: Entry;
  let entries: LiveIsolate["entries"];
  try {
    register = entry("register");
    entries = {
      run: entry("run"),
      stream: entry("stream"),
      subject: entry("subject"),
      estimate: entry("estimate"),
      output: entry("output"),
      settle: entry("settle"),
      abort: entry("abort"),
      timer: entry("timer"),
      bodyChunk: entry("bodyChunk"),
      themeStatusLine: entry("themeStatusLine"),
      command: entry("command"),
      hook: entry("hook"),
      observe: entry("observe"),
      quiesce: entry("quiesce"),
    };
  } finally {
    entryOf.release();
  }
  const registered = await register.apply(undefined, [], { timeout: 1000, result: { copy: true } });
  live = {
    isolate: booted.isolate,
    bridge,
    entries,
    definitions: JSON.parse(registered as string) as PluginDefinitions,
  };
  return live;
}
