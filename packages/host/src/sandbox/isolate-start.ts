import ivm from "isolated-vm";
import { type BridgeCallbacks, HostBridge } from "./host-bridge.js";
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
    | "command",
    Entry
  >;
  definitions: PluginDefinitions;
}

/** The caps the isolate's half of the bridge checks before data crosses (see prelude.ts). */
export interface IsolateCaps {
  /** Bytes of event JSON one model call may send. */
  maxStreamBytes: number;
}

/** How the bridge reaches the calls in flight (the sandbox keeps them); the rest it wires itself. */
export type IsolateHooks = Omit<BridgeCallbacks, "output" | "timer" | "bodyChunk">;

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
  const scripts = [
    { code: PRELUDE, filename: "pincer-prelude.js" },
    { code: options.code, filename: `${options.pluginName}/plugin.js` },
  ];
  const cache = options.snapshots;
  const key = cache?.keyFor(PRELUDE, options.codeKey ?? options.code);
  const snapshot = cache && key ? (cache.load(key) ?? cache.create(key, scripts)) : undefined;
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb, ...(snapshot ? { snapshot } : {}) });
  try {
    const context = await isolate.createContext();
    if (!snapshot) await context.eval(PRELUDE, { timeout: 1000, filename: scripts[0]?.filename });
    // Attached before the bundle runs: a bundle may use the host (a timer, random bytes) as it loads.
    await attach(context);
    if (!snapshot) await context.eval(options.code, { timeout: 5000, filename: scripts[1]?.filename });
    return { isolate, context };
  } catch (error) {
    isolate.dispose();
    throw error;
  }
}

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
    if (live && isolate && !isolate.isDisposed) live.entries[entry].applyIgnored(undefined, args, COPY_ARGS);
  };
  const bridge = new HostBridge(options, {
    ...hooks,
    output: (stream, chunk) => notify("output", [stream, chunk]),
    timer: (id) => notify("timer", [id]),
    bodyChunk: (bodyId, chunk, error) => notify("bodyChunk", [bodyId, chunk, error]),
  });
  // One entry point for async calls: run the named host function, then settle the isolate's promise.
  const startCall = (id: number, name: string, args: unknown[]) => {
    const fn = bridge.async[name] as ((...args: unknown[]) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!fn) throw new Error(`unknown host function ${name}`);
        return fn(...args);
      })
      .then(
        (value) => notify("settle", [id, true, value]),
        (error: unknown) => notify("settle", [id, false, (error as Error).message ?? String(error)]),
      );
  };
  const syncCall = (name: string, args: unknown[]) => {
    const fn = bridge.sync[name] as ((...args: unknown[]) => unknown) | undefined;
    if (!fn) throw new Error(`unknown host function ${name}`);
    return fn(...args);
  };
  const booted = await boot(options, memoryMb, async (context) => {
    const attach = (await context.eval("__pincer.attach", { reference: true })) as Entry;
    await attach.apply(undefined, [new ivm.Reference(startCall), new ivm.Reference(syncCall), JSON.stringify(caps)], {
      timeout: 1000,
    });
  });
  isolate = booted.isolate;
  const { context } = booted;
  const registered = await context.eval("__pincer.register()", { timeout: 1000, copy: true });
  const entry = async (name: string) => (await context.eval(`__pincer.${name}`, { reference: true })) as Entry;
  live = {
    isolate: booted.isolate,
    bridge,
    entries: {
      run: await entry("run"),
      stream: await entry("stream"),
      subject: await entry("subject"),
      estimate: await entry("estimate"),
      output: await entry("output"),
      settle: await entry("settle"),
      abort: await entry("abort"),
      timer: await entry("timer"),
      bodyChunk: await entry("bodyChunk"),
      themeStatusLine: await entry("themeStatusLine"),
      command: await entry("command"),
    },
    definitions: JSON.parse(registered as string) as PluginDefinitions,
  };
  return live;
}
