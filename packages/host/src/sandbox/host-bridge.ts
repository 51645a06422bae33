import { randomBytes } from "node:crypto";
import type { EnvCapability, FsCapability } from "@pincer/sdk";
import type { HostExecCapability } from "../capabilities/exec.js";
import type { NetRequest } from "../net-request.js";
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
  /**
   * The permission engine's word on a command about to be spawned, as it will run (undefined:
   * allowed); `mustAsk`: a person must answer (no OS sandbox), whatever the rules say.
   */
  authorize(callId: string, command: string, mustAsk?: string): Promise<string | undefined>;
  update(callId: string, partial: string): void;
  /** Batch `seq` (from 1) of a model call's events, as JSON. */
  event(callId: string, seq: number, batchJson: string): void;
  output(stream: number, chunk: string): void;
  timer(id: number): void;
  /** A response body's next chunk for the isolate (null: its end, with `error` when it failed). */
  bodyChunk(bodyId: number, chunk: BodyChunk | null, error?: string): void;
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
      if (chunk === null) this.forgetFetch(bodyId);
      callbacks.bodyChunk(bodyId, chunk, error);
    });
    this.async = {
      // A range arrives as a copied plain object; only its two numbers go on (fs.ts checks them).
      readFile: (path: string, range?: { offset: unknown; length: unknown }) =>
        range === undefined || range === null
          ? fs.readFile(path)
          : fs.readFile(path, { offset: range.offset as number, length: range.length as number }),
      readText: (path: string) => fs.readText(path),
      writeFile: async (path: string, data: string | Uint8Array) => {
        await fs.writeFile(path, data);
      },
      appendFile: async (path: string, data: string | Uint8Array) => {
        await fs.appendFile(path, data);
      },
      remove: (path: string) => fs.remove(path),
      rename: async (from: string, to: string) => {
        await fs.rename(from, to);
      },
      stat: (path: string) => fs.stat(path),
      readdir: (path: string) => fs.readdir(path),
      mkdir: (path: string) => fs.mkdir(path),
      resolve: (path: string) => fs.resolve(path),
      execRun: (callId: string, command: string, optionsJson: string) =>
        this.execRun(exec, callId, command, optionsJson),
      fetch: (
        id: number,
        url: string,
        method: string,
        headers: [string, string][],
        body: string | Uint8Array | null,
        redirect?: string,
      ) =>
        this.fetch(id, url, method, headers, body, redirect === "manual" || redirect === "error" ? redirect : "follow"),
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
      setTimer: (id: number, ms: number) => {
        clearTimeout(this.timers.get(id));
        const timer = setTimeout(() => {
          this.timers.delete(id);
          callbacks.timer(id);
        }, ms);
        // A plugin's pending timer never keeps the host process alive.
        timer.unref();
        this.timers.set(id, timer);
      },
      clearTimer: (id: number) => {
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

  /** Closes everything the isolate left open: bodies, requests in flight, timers. */
  close(): void {
    for (const controller of this.fetches.values()) controller.abort();
    this.bodies.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.fetches.clear();
    this.bodyFetches.clear();
    this.timers.clear();
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

  private async execRun(exec: HostExecCapability, callId: string, command: string, optionsJson: string) {
    const signal = this.callbacks.signalOf(callId);
    if (!signal) throw new Error("exec outside a tool call");
    const options = JSON.parse(optionsJson) as {
      cwd?: string;
      timeoutMs?: number;
      maxOutputBytes?: number;
      env?: Record<string, string>;
      stream?: number;
    };
    return exec.run(command, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
      ...(options.env ? { env: options.env } : {}),
      signal,
      // The spawn grant says which programs; the permission engine says whether this command, now,
      // asked once the capability has worked out what exactly would run.
      authorize: ({ subject, mustAsk }) => this.callbacks.authorize(callId, subject, mustAsk),
      ...(options.stream
        ? { onOutput: (chunk: string) => this.callbacks.output(options.stream as number, chunk) }
        : {}),
    });
  }
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
