import type { PermissionSubject, ToolContext, ToolKind, ToolResult } from "@pincer/kernel";
import type { EnvCapability, ExecCapability, FsCapability } from "@pincer/sdk";
import ivm from "isolated-vm";
import { PRELUDE } from "./prelude.js";

export interface SandboxLimits {
  /** Heap limit of the plugin's isolate. */
  memoryMb: number;
  /** CPU time one call may use inside the isolate. */
  cpuMsPerCall: number;
  /** Wall-clock time one call may take, host work included. */
  wallMsPerCall: number;
  /** Progress output one call may stream to the host before the rest is dropped. */
  maxUpdateBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryMb: 128,
  cpuMsPerCall: 30_000,
  wallMsPerCall: 600_000,
  maxUpdateBytes: 1_000_000,
};

export interface SandboxedToolMeta {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  kind: ToolKind;
  hasSubject: boolean;
}

export interface ToolSandboxOptions {
  pluginName: string;
  /** The plugin's bundle: an IIFE that sets globalThis.__pincerPlugin. */
  code: string;
  fs: FsCapability;
  exec: ExecCapability;
  env: EnvCapability;
  limits?: Partial<SandboxLimits>;
  log?: (line: string) => void;
}

interface LiveIsolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  run: ivm.Reference<(...args: unknown[]) => Promise<string>>;
  subject: ivm.Reference<(...args: unknown[]) => string | undefined>;
  output: ivm.Reference<(...args: unknown[]) => void>;
  settle: ivm.Reference<(...args: unknown[]) => void>;
  abort: ivm.Reference<(...args: unknown[]) => void>;
  tools: SandboxedToolMeta[];
}

interface ActiveCall {
  ctx: ToolContext;
  updateBytes: number;
}

const COPY_ARGS = { arguments: { copy: true } } as const;

/**
 * One plugin's tools running in their own V8 isolate (isolated-vm): no Node APIs, no host
 * objects, only a bridge whose every function checks the plugin's granted capabilities. A call
 * that runs out of memory, CPU or time kills the isolate; the next call starts a fresh one.
 */
export class ToolSandbox {
  private live: Promise<LiveIsolate> | undefined;
  private readonly calls = new Map<string, ActiveCall>();
  private readonly limits: SandboxLimits;

  constructor(private readonly options: ToolSandboxOptions) {
    this.limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  }

  /** Whether the plugin's isolate has been started (and not stopped since). */
  get started(): boolean {
    return this.live !== undefined;
  }

  /** Starts the isolate (if needed) and returns the plugin's tool definitions. */
  async tools(): Promise<SandboxedToolMeta[]> {
    return (await this.ensure()).tools;
  }

  /** The permission subject of a call, computed by the plugin's own code. */
  async subject(name: string, args: Record<string, unknown>, cwd: string): Promise<PermissionSubject | undefined> {
    const live = await this.ensure();
    const json = live.subject.applySync(undefined, [name, JSON.stringify(args), cwd], { ...COPY_ARGS, timeout: 1000 });
    return typeof json === "string" ? (JSON.parse(json) as PermissionSubject) : undefined;
  }

  async run(name: string, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    let live: LiveIsolate;
    try {
      live = await this.ensure();
    } catch (error) {
      return this.failure(`could not start: ${(error as Error).message}`);
    }
    const callId = ctx.toolCallId;
    this.calls.set(callId, { ctx, updateBytes: 0 });
    const onAbort = () => live.abort.applyIgnored(undefined, [callId], COPY_ARGS);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    const cpuAtStart = live.isolate.cpuTime;
    let killedFor: string | undefined;
    const kill = (why: string) => {
      killedFor ??= why;
      this.reset(live);
    };
    const wall = setTimeout(() => kill(`took longer than ${this.limits.wallMsPerCall} ms`), this.limits.wallMsPerCall);
    // Async plugin code runs on the isolate's own thread; watch its CPU from here.
    const cpuWatch = setInterval(() => {
      if (live.isolate.isDisposed) return;
      const usedMs = Number(live.isolate.cpuTime - cpuAtStart) / 1e6;
      if (usedMs > this.limits.cpuMsPerCall) kill(`used more than ${this.limits.cpuMsPerCall} ms of CPU`);
    }, 50);
    try {
      const json = await live.run.apply(undefined, [callId, name, JSON.stringify(args), ctx.cwd], {
        ...COPY_ARGS,
        result: { promise: true, copy: true },
        timeout: this.limits.cpuMsPerCall,
      });
      const result = JSON.parse(json) as ToolResult;
      if (!result || (typeof result.content !== "string" && !Array.isArray(result.content))) {
        return {
          content: `${name} returned an invalid result: content must be a string or a list of content blocks.`,
          isError: true,
        };
      }
      return result;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (live.isolate.isDisposed || /memory limit/i.test(message)) {
        this.reset(live);
        return this.failure(
          killedFor ? `was stopped: it ${killedFor}` : `ran out of memory (limit ${this.limits.memoryMb} MB)`,
        );
      }
      if (/timed out/i.test(message)) {
        this.reset(live);
        return this.failure(`was stopped: it used more than ${this.limits.cpuMsPerCall} ms of CPU`);
      }
      return { content: `${name} failed: ${message}`, isError: true };
    } finally {
      clearTimeout(wall);
      clearInterval(cpuWatch);
      ctx.signal.removeEventListener("abort", onAbort);
      this.calls.delete(callId);
    }
  }

  dispose(): void {
    const pending = this.live;
    this.live = undefined;
    void pending?.then((live) => this.reset(live)).catch(() => {});
  }

  private failure(what: string): ToolResult {
    return {
      content: `Plugin ${this.options.pluginName} ${what}. It will be restarted on its next use.`,
      isError: true,
    };
  }

  private reset(live: LiveIsolate): void {
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
    this.live = this.start();
    this.live.catch(() => {
      this.live = undefined;
    });
    return this.live;
  }

  private async start(): Promise<LiveIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: this.limits.memoryMb });
    const context = await isolate.createContext();
    const jail = context.global;
    await jail.set("globalThis", jail.derefInto());
    await context.eval("globalThis.__pincerBridge = {}");
    const bridge = (await jail.get("__pincerBridge")) as ivm.Reference<Record<string, unknown>>;
    const functions = this.bridgeFunctions();
    let live: LiveIsolate | undefined;
    // One entry point: run the named host function, then settle the isolate's promise.
    const start = (id: number, name: string, args: unknown[]) => {
      const fn = functions[name] as ((...args: unknown[]) => unknown) | undefined;
      Promise.resolve()
        .then(() => {
          if (!fn) throw new Error(`unknown host function ${name}`);
          return fn(...args);
        })
        .then(
          (value) => live && !isolate.isDisposed && live.settle.applyIgnored(undefined, [id, true, value], COPY_ARGS),
          (error: unknown) =>
            live &&
            !isolate.isDisposed &&
            live.settle.applyIgnored(undefined, [id, false, (error as Error).message ?? String(error)], COPY_ARGS),
        );
    };
    await bridge.set("start", new ivm.Reference(start));
    for (const name of ["envGet", "log", "update"] as const) await bridge.set(name, new ivm.Reference(functions[name]));
    await context.eval(PRELUDE, { timeout: 1000 });
    await context.eval(this.options.code, { timeout: 5000, filename: `${this.options.pluginName}/plugin.js` });
    const registered = await context.eval("__pincer.register()", { timeout: 1000, copy: true });
    const entry = (name: string) => context.eval(`__pincer.${name}`, { reference: true });
    live = {
      isolate,
      context,
      run: (await entry("run")) as LiveIsolate["run"],
      subject: (await entry("subject")) as LiveIsolate["subject"],
      output: (await entry("output")) as LiveIsolate["output"],
      settle: (await entry("settle")) as LiveIsolate["settle"],
      abort: (await entry("abort")) as LiveIsolate["abort"],
      tools: JSON.parse(registered as string) as SandboxedToolMeta[],
    };
    return live;
  }

  /** The host side of the bridge. Arguments arrive as copies; nothing of the host leaks back. */
  private bridgeFunctions(): Record<string, (...args: never[]) => unknown> &
    Record<"envGet" | "log" | "update", (...args: never[]) => unknown> {
    const { fs, exec, env } = this.options;
    // Results are structured-cloned into the isolate when settled: plain data only.
    return {
      readFile: (path: string) => fs.readFile(path),
      readText: (path: string) => fs.readText(path),
      writeFile: async (path: string, data: string | Uint8Array) => {
        await fs.writeFile(path, data);
      },
      stat: (path: string) => fs.stat(path),
      readdir: (path: string) => fs.readdir(path),
      mkdir: (path: string) => fs.mkdir(path),
      resolve: (path: string) => fs.resolve(path),
      envGet: (name: string) => env.get(name),
      log: (line: string) => this.options.log?.(`[${this.options.pluginName}] ${line}`),
      update: (callId: string, partial: string) => this.forwardUpdate(callId, partial),
      execRun: async (callId: string, command: string, optionsJson: string) => {
        const call = this.calls.get(callId);
        if (!call) throw new Error("exec outside a tool call");
        const options = JSON.parse(optionsJson) as {
          cwd?: string;
          timeoutMs?: number;
          maxOutputBytes?: number;
          env?: Record<string, string>;
          stream?: number;
        };
        const live = await this.live;
        return exec.run(command, {
          ...(options.cwd ? { cwd: options.cwd } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
          ...(options.env ? { env: options.env } : {}),
          signal: call.ctx.signal,
          ...(options.stream && live
            ? {
                onOutput: (chunk: string) =>
                  !live.isolate.isDisposed && live.output.applyIgnored(undefined, [options.stream, chunk], COPY_ARGS),
              }
            : {}),
        });
      },
    };
  }

  /** Progress from a plugin is capped per call, so a plugin cannot flood the event bus. */
  private forwardUpdate(callId: string, partial: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const before = call.updateBytes;
    call.updateBytes += partial.length;
    if (call.updateBytes <= this.limits.maxUpdateBytes) call.ctx.onUpdate(partial);
    else if (before <= this.limits.maxUpdateBytes)
      call.ctx.onUpdate(`\n[${this.options.pluginName}: further progress output dropped]\n`);
  }
}
