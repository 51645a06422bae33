import { randomBytes } from "@pincer/kernel";
import type { EnvCapability, FsCapability } from "@pincer/sdk";
import type { HostExecCapability } from "../capabilities/exec.js";
import type { NetRequest } from "../net-request.js";
import { MAX_EXEC_OUTPUT_BYTES, MAX_EXEC_STREAM_BYTES, MAX_READS_IN_FLIGHT, MAX_TIMER_MS } from "./bridge-caps.js";
import { type BodyChunk, ResponseBodies } from "./response-bodies.js";

/** What one plugin's isolate may reach: its granted capabilities, nothing else. */
export interface BridgeCapabilities {
  fs: FsCapability;
  exec: HostExecCapability;
  /** With `granted`, a call's granted variables go into the isolate with the call (no round trip per read). */
  env: EnvCapability & { granted?(): Record<string, string> };
  /** HTTP through the plugin's net grant (checks every redirect hop); the isolate's fetch uses it. */
  request: NetRequest;
}

/** How the bridge reaches back into the isolate and the call that asked. */
export interface BridgeCallbacks {
  /** The tool call (or model call) an exec or a progress update belongs to. */
  signalOf(callId: string): AbortSignal | undefined;
  /** The permission engine's word on a command about to be spawned (undefined: allowed). */
  authorize(callId: string, command: string, mustAsk?: string): Promise<string | undefined>;
  update(callId: string, partial: string): void;
  /** A command's session-driver operation (ctx.sessions), answered as JSON. */
  driver(callId: string, op: string, argsJson: string): Promise<string>;
  /** Batch `seq` (from 1) of a model call's events, as JSON. */
  event(callId: string, seq: number, batchJson: string): void;
  output(stream: number, chunk: string): void;
  timer(id: number): void;
  /** A response body's next chunk for the isolate (null: its end, with `error` when it failed). */
  bodyChunk(bodyId: number, chunk: BodyChunk | null, error?: string): void;
  /** The host dropped the isolate's timers (no call is running): the isolate forgets them too. */
  quiesce(): void;
  log(line: string): void;
}

type HostFunction = (...args: never[]) => unknown;

/**
 * The host side of one isolate's bridge. Arguments arrive as copies and results leave as copies:
 * no host object, function or prototype ever crosses. Every resource a plugin opens (a response
 * body, a timer) is tracked here, so stopping the isolate closes them all.
 */
export class HostBridge {
  private readonly bodies: ResponseBodies;
  private readonly fetches = new Map<number, AbortController>();
  /** Body id → fetch id: a fetch stays abortable until its body is read to the end or cancelled. */
  private readonly bodyFetches = new Map<number, number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** Commands running for the plugin: stopped with the isolate, or when no call is left. */
  private readonly execs = new Set<AbortController>();
  private reads = 0;
  private readonly readQueue: Array<() => void> = [];
  /** Async functions: started by a message, settled later. */
  readonly async: Record<string, HostFunction>;
  /** Functions the isolate calls synchronously: each must answer at once. */
  readonly sync: Record<string, HostFunction>;

  constructor(
    private readonly capabilities: BridgeCapabilities,
    private readonly callbacks: BridgeCallbacks,
  ) {
    const { fs, exec } = capabilities;
    this.bodies = new ResponseBodies((bodyId, chunk, error) => {
      if (chunk === null || chunk.last) this.forgetFetch(bodyId);
      callbacks.bodyChunk(bodyId, chunk, error);
    });
    // Every argument is a copy the isolate made; each is checked for what it must be before use
    // (the isolate's half checks too, but it runs beside the plugin's code).
    this.async = {
      // A range arrives as a copied plain object; only its two numbers go on (fs.ts checks them).
      readFile: (path: unknown, range?: { offset: unknown; length: unknown } | null) =>
        this.reading(() =>
          range === undefined || range === null
            ? fs.readFile(text(path, "path"))
            : fs.readFile(text(path, "path"), { offset: range.offset as number, length: range.length as number }),
        ),
      readText: (path: unknown) => this.reading(() => fs.readText(text(path, "path"))),
      writeFile: async (path: unknown, data: unknown) => {
        await fs.writeFile(text(path, "path"), content(data));
      },
      appendFile: async (path: unknown, data: unknown) => {
        await fs.appendFile(text(path, "path"), content(data));
      },
      remove: (path: unknown) => fs.remove(text(path, "path")),
      rename: async (from: unknown, to: unknown) => {
        await fs.rename(text(from, "from"), text(to, "to"));
      },
      stat: (path: unknown) => fs.stat(text(path, "path")),
      readdir: (path: unknown) => fs.readdir(text(path, "path")),
      mkdir: (path: unknown) => fs.mkdir(text(path, "path")),
      resolve: (path: unknown) => fs.resolve(text(path, "path")),
      execRun: (callId: unknown, command: unknown, optionsJson: unknown) =>
        this.execRun(exec, text(callId, "callId"), text(command, "command"), text(optionsJson, "options")),
      // Background commands: started within a call (asked like any command), read and killed by id.
      execStart: (callId: unknown, command: unknown, optionsJson: unknown) =>
        this.execStart(exec, text(callId, "callId"), text(command, "command"), text(optionsJson, "options")),
      execRead: (id: unknown, maxBytes: unknown) => exec.readOutput(text(id, "id"), byteCap(maxBytes)),
      execKill: (id: unknown, maxBytes: unknown) => exec.kill(text(id, "id"), byteCap(maxBytes)),
      fetch: (
        id: number,
        url: string,
        method: string,
        headers: [string, string][],
        body: string | Uint8Array | null,
        redirect?: string,
      ) =>
        this.fetch(id, url, method, headers, body, redirect === "manual" || redirect === "error" ? redirect : "follow"),
      driver: (callId: unknown, op: unknown, argsJson: unknown) =>
        callbacks.driver(text(callId, "callId"), text(op, "op"), text(argsJson, "arguments")),
      bodyCancel: async (bodyId: number) => {
        this.bodies.cancel(bodyId);
        this.forgetFetch(bodyId);
      },
    };
    this.sync = {
      envGet: (name: string) => capabilities.env.get(name),
      log: (line: string) => callbacks.log(line),
      update: (callId: string, partial: string) => callbacks.update(callId, partial),
      events: (callId: string, seq: number, batchJson: string) => callbacks.event(callId, seq, batchJson),
      randomBytes: (size: number) => new Uint8Array(randomBytes(Math.min(Math.max(0, size | 0), 65_536))),
      parseURL: (input: string, base: string | null) => urlParts(new URL(input, base ?? undefined)),
      setURL: (href: string, part: string, value: string) => {
        const url = new URL(href);
        if (
          !["protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"].includes(part)
        ) {
          throw new TypeError(`cannot set ${part}`);
        }
        (url as unknown as Record<string, string>)[part] = value;
        return urlParts(url);
      },
      setTimer: (id: unknown, ms: unknown) => {
        if (!Number.isSafeInteger(id)) return;
        const timerId = id as number;
        clearTimeout(this.timers.get(timerId));
        const delay = typeof ms === "number" && Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_TIMER_MS) : 0;
        const timer = setTimeout(() => {
          this.timers.delete(timerId);
          callbacks.timer(timerId);
        }, delay);
        // A plugin's pending timer never keeps the host process alive.
        timer.unref();
        this.timers.set(timerId, timer);
      },
      clearTimer: (id: unknown) => {
        if (typeof id !== "number") return;
        clearTimeout(this.timers.get(id));
        this.timers.delete(id);
      },
      fetchAbort: (id: number) => this.fetches.get(id)?.abort(),
      bodyTaken: (bodyId: number, bytes: number) => this.bodies.taken(bodyId, bytes),
    };
  }

  /**
   * The plugin's granted environment as JSON, sent with each call so `env.get` answers inside the
   * isolate; undefined when the capability cannot list it (each read then asks the host).
   */
  grantedEnvJson(): string | undefined {
    const granted = this.capabilities.env.granted?.();
    return granted ? JSON.stringify(granted) : undefined;
  }

  /** Closes everything the isolate left open: bodies, requests in flight, commands, timers. */
  close(): void {
    for (const controller of this.fetches.values()) controller.abort();
    this.bodies.close();
    for (const controller of this.execs) controller.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.fetches.clear();
    this.bodyFetches.clear();
    this.execs.clear();
    this.timers.clear();
  }

  /**
   * No call of the plugin is running any more: what its calls left open is closed, and its timers
   * are dropped (here and in the isolate), so nothing wakes its code until its next call.
   */
  quiesce(): void {
    const hadTimers = this.timers.size > 0;
    if (hadTimers || this.fetches.size > 0 || this.execs.size > 0) this.close();
    if (hadTimers) this.callbacks.quiesce();
  }

  /** Runs a file read when fewer than MAX_READS_IN_FLIGHT are running; each holds up to 64 MB until it crosses. */
  private async reading<T>(read: () => Promise<T>): Promise<T> {
    if (this.reads >= MAX_READS_IN_FLIGHT) await new Promise<void>((turn) => this.readQueue.push(turn));
    else this.reads++;
    try {
      return await read();
    } finally {
      const next = this.readQueue.shift();
      if (next) next();
      else this.reads--;
    }
  }

  private async fetch(
    id: number,
    url: string,
    method: string,
    headers: [string, string][],
    body: string | Uint8Array | null,
    redirect: "follow" | "manual" | "error",
  ) {
    const controller = new AbortController();
    this.fetches.set(id, controller);
    let streaming = false;
    try {
      const response = await this.capabilities.request(url, {
        method,
        headers,
        signal: controller.signal,
        body: method === "GET" || method === "HEAD" ? null : body,
        redirect,
      });
      let bodyId = 0;
      if (response.body) {
        // Pushed from here on: the first bytes go as soon as they are read (see ResponseBodies).
        bodyId = this.bodies.add(response, response.body);
        this.bodyFetches.set(bodyId, id);
        streaming = true;
      }
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        url: response.url,
        redirected: response.redirected,
        bodyId,
      };
    } finally {
      // A streamed body (a log, server-sent events) must still stop when the plugin aborts.
      if (!streaming) this.fetches.delete(id);
    }
  }

  private forgetFetch(bodyId: number): void {
    const fetchId = this.bodyFetches.get(bodyId);
    this.bodyFetches.delete(bodyId);
    if (fetchId !== undefined) this.fetches.delete(fetchId);
  }

  private async execStart(exec: HostExecCapability, callId: string, command: string, optionsJson: string) {
    if (!this.callbacks.signalOf(callId)) throw new Error("exec outside a tool call");
    const options = JSON.parse(optionsJson) as { cwd?: unknown; env?: Record<string, string> };
    return exec.start(command, {
      ...(typeof options.cwd === "string" && options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
      authorize: ({ subject, mustAsk }) => this.callbacks.authorize(callId, subject, mustAsk),
    });
  }

  private async execRun(exec: HostExecCapability, callId: string, command: string, optionsJson: string) {
    const signal = this.callbacks.signalOf(callId);
    if (!signal) throw new Error("exec outside a tool call");
    const options = JSON.parse(optionsJson) as {
      cwd?: unknown;
      timeoutMs?: unknown;
      maxOutputBytes?: unknown;
      env?: Record<string, string>;
      stream?: unknown;
    };
    // Numbers reach timers and buffers: only positive integers in range go on, the rest is the default.
    const count = (value: unknown, max: number) =>
      typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? Math.min(value, max) : undefined;
    const timeoutMs = count(options.timeoutMs, MAX_TIMER_MS);
    const maxOutputBytes = count(options.maxOutputBytes, MAX_EXEC_OUTPUT_BYTES);
    const stream = count(options.stream, Number.MAX_SAFE_INTEGER);
    // Stopped with the call's signal, and by the host when no call is left or the isolate stops.
    const stopper = new AbortController();
    const onStop = () => stopper.abort();
    signal.addEventListener("abort", onStop, { once: true });
    if (signal.aborted) stopper.abort();
    this.execs.add(stopper);
    let streamed = 0;
    const onOutput = (chunk: string) => {
      if (streamed > MAX_EXEC_STREAM_BYTES) return;
      streamed += chunk.length;
      const note = `\n[output past ${MAX_EXEC_STREAM_BYTES / 1024 / 1024} MB is not streamed; the result keeps its tail]\n`;
      this.callbacks.output(stream as number, streamed > MAX_EXEC_STREAM_BYTES ? note : chunk);
    };
    try {
      return await exec.run(command, {
        ...(typeof options.cwd === "string" && options.cwd ? { cwd: options.cwd } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        ...(maxOutputBytes ? { maxOutputBytes } : {}),
        ...(options.env ? { env: options.env } : {}),
        signal: stopper.signal,
        // The spawn grant says which programs; the permission engine says whether this command, now,
        // asked once the capability has worked out what exactly would run.
        authorize: ({ subject, mustAsk }) => this.callbacks.authorize(callId, subject, mustAsk),
        ...(stream ? { onOutput } : {}),
      });
    } finally {
      signal.removeEventListener("abort", onStop);
      this.execs.delete(stopper);
    }
  }
}

/** A read's byte cap as the capability takes it: a number, or none. */
function byteCap(value: unknown): { maxBytes?: number } {
  return typeof value === "number" ? { maxBytes: value } : {};
}

/** A string argument, or an error naming it (a copy from the isolate may be anything). */
function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new TypeError(`${name} must be a string`);
  return value;
}

/** File content: a string or bytes. */
function content(value: unknown): string | Uint8Array {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  throw new TypeError("data must be a string or a Uint8Array");
}

function urlParts(url: URL) {
  return {
    href: url.href,
    protocol: url.protocol,
    username: url.username,
    password: url.password,
    host: url.host,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
    origin: url.origin,
  };
}
