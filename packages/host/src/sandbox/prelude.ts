import { TEXT_CODEC } from "./text-codec.js";
import { WEB_FETCH } from "./web-fetch.js";
import { WEB_PLATFORM } from "./web-platform.js";

/**
 * The host bridge as the isolate sees it, and the few web basics everything else builds on
 * (AbortController, console; text encoding is in text-codec.ts). The host hands its two entry points to
 * `__pincer.attach` after the plugin's bundle has run (so the prelude and the bundle can be
 * kept in a V8 snapshot); they live in this closure only: a plugin reaches the host solely
 * through these wrappers.
 */
const BRIDGE = `
  const bridge = { start: null, sync: null };
  // The plugin's caps, as the host sets them at attach (before any call). They are checked here,
  // before data crosses: what the host would refuse must not reach its memory first.
  const limits = { maxStreamBytes: 64 * 1024 * 1024 };
  const megabytes = (bytes) => Math.round(bytes / 1048576) + " MB";
  /** A thrown value's message, without trusting it: a getter or a poisoned toString may throw too. */
  const describeError = (error) => {
    try {
      const message = error !== null && typeof error === "object" && "message" in error ? error.message : error;
      return String(message).slice(0, 4096);
    } catch {
      return "an error that cannot be described";
    }
  };
  const COPY = { arguments: { copy: true } };
  // An async host call is a message: start it, and the host settles it later. The isolate never
  // blocks on the host, so a plugin can stream a command's output or a response body meanwhile.
  const pending = new Map();
  let nextId = 0;
  // Run before every host call: the isolate is about to wait, so whatever it has batched goes now.
  const beforeWait = new Set();
  const flushBeforeWait = () => {
    for (const flush of beforeWait) flush();
  };
  const call = (name, ...args) =>
    new Promise((resolve, reject) => {
      flushBeforeWait();
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      bridge.start.applyIgnored(undefined, [id, name, args], COPY);
    });
  // The few calls that must answer at once (env, URL parsing, random bytes).
  const callSync = (name, ...args) => bridge.sync.applySync(undefined, [name, args], { arguments: { copy: true }, result: { copy: true } });
  // Notes for the host that need no answer (timers, events, logs): sent in order, never waited
  // for, so the isolate does not stall while the host's thread is busy elsewhere.
  const tell = (name, ...args) => bridge.sync.applyIgnored(undefined, [name, args], COPY);
  /** Host-to-isolate notifications other than settling a call (timers, streamed output). */
  const onHost = {};

  class AbortSignal {
    constructor() { this.aborted = false; this.reason = undefined; this._listeners = []; this.onabort = null; }
    addEventListener(type, listener) { if (type === "abort" && typeof listener === "function") this._listeners.push(listener); }
    removeEventListener(type, listener) { this._listeners = this._listeners.filter((entry) => entry !== listener); }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    static abort(reason) { const c = new AbortController(); c.abort(reason); return c.signal; }
    static timeout(ms) { const c = new AbortController(); setTimeout(() => c.abort(new DOMException("The operation timed out", "TimeoutError")), ms); return c.signal; }
    static any(signals) {
      const c = new AbortController();
      for (const s of signals) { if (s.aborted) { c.abort(s.reason); break; } s.addEventListener("abort", () => c.abort(s.reason)); }
      return c.signal;
    }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(reason = new DOMException("This operation was aborted", "AbortError")) {
      const signal = this.signal;
      if (signal.aborted) return;
      signal.aborted = true;
      signal.reason = reason;
      const event = { type: "abort", target: signal };
      if (typeof signal.onabort === "function") signal.onabort(event);
      for (const listener of signal._listeners.splice(0)) listener(event);
    }
  }

  const log = (...args) => tell("log", args.map(String).join(" "));
  Object.assign(globalThis, { AbortController, AbortSignal });
  globalThis.console = { log, error: log, warn: log, info: log, debug: log };
`;

/**
 * What the host calls: register (what the bundle defines), run (a tool call), stream (a model
 * call), and the notifications. Results cross as JSON or copies, never as references.
 */
const ENTRIES = `
  const calls = new Map();
  const state = new Map();
  const listeners = new Map();
  let tools = new Map();
  let providers = new Map();
  let themes = new Map();
  let commands = new Map();
  const providerInstances = new Map();

  const fs = {
    readFile: (path, range) =>
      range === undefined || range === null
        ? call("readFile", String(path))
        : call("readFile", String(path), { offset: Number(range.offset), length: Number(range.length) }),
    readText: (path) => call("readText", String(path)),
    writeFile: (path, data) => call("writeFile", String(path), typeof data === "string" ? data : new Uint8Array(data)),
    appendFile: (path, data) => call("appendFile", String(path), typeof data === "string" ? data : new Uint8Array(data)),
    rename: (from, to) => call("rename", String(from), String(to)),
    remove: (path) => call("remove", String(path)),
    stat: (path) => call("stat", String(path)),
    readdir: (path) => call("readdir", String(path)),
    mkdir: (path) => call("mkdir", String(path)),
    resolve: (path) => call("resolve", String(path)),
  };
  // The granted environment, as the host sent it with the latest call (every call brings it, so
  // it is never older than the call reading it); null: ask the host each time.
  let grantedEnv = null;
  const receiveEnv = (envJson) => {
    grantedEnv = typeof envJson === "string" ? JSON.parse(envJson) : null;
  };
  const env = {
    get: (key) => {
      const name = String(key);
      if (grantedEnv === null) return callSync("envGet", name);
      return Object.hasOwn(grantedEnv, name) ? grantedEnv[name] : undefined;
    },
  };
  /** Spawning, tied to the call it belongs to (its abort signal, the permission check). */
  const execFor = (callId) => ({
    run: async (command, options = {}) => {
      const stream = typeof options.onOutput === "function" ? ++nextId : 0;
      if (stream) listeners.set(stream, options.onOutput);
      const plain = { cwd: options.cwd, timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes, env: options.env, stream };
      try {
        return await call("execRun", callId, String(command), JSON.stringify(plain));
      } finally {
        listeners.delete(stream);
      }
    },
  });
  const kindOf = (value) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : "a " + typeof value);
  // Cut here, before the copy: a runaway string must not cross whole (the host caps it further).
  const MAX_COMMAND_CHARS = 262144;
  /** A command's result as the host takes it: { text?, prompt? } of strings, or why it is not. */
  const commandOutcome = (result) => {
    const cut = (value) => (value.length > MAX_COMMAND_CHARS ? value.slice(0, MAX_COMMAND_CHARS) : value);
    if (typeof result === "string") return { output: { text: cut(result) } };
    if (!result || typeof result !== "object" || Array.isArray(result)) return { invalid: "returned " + (result === undefined ? "nothing" : kindOf(result)) };
    const output = {};
    for (const key of Object.keys(result)) {
      const value = result[key];
      if (value === undefined) continue;
      if (key !== "text" && key !== "prompt") return { invalid: "returned an object with an unknown field " + JSON.stringify(key.slice(0, 40)) };
      if (typeof value !== "string") return { invalid: "returned " + kindOf(value) + " as " + key };
      output[key] = cut(value);
    }
    return { output };
  };

  globalThis.__pincer = {
    /** Called once by the host, before anything else: the bridge's two entry points. */
    attach(start, sync, limitsJson) {
      if (bridge.start) throw new Error("already attached");
      bridge.start = start;
      bridge.sync = sync;
      Object.assign(limits, JSON.parse(limitsJson));
    },
    /** Called once after the bundle ran: what it defines, as plain data. */
    register() {
      const plugin = globalThis.__pincerPlugin && (globalThis.__pincerPlugin.default || globalThis.__pincerPlugin);
      // A bundle's top-level var is not deletable; clearing it is enough to drop the reference.
      globalThis.__pincerPlugin = undefined;
      if (!plugin || typeof plugin !== "object") throw new Error("the bundle must export default definePlugin({...})");
      tools = new Map((plugin.tools || []).map((tool) => [tool.name, tool]));
      providers = new Map((plugin.providers || []).map((provider) => [provider.id, provider]));
      const themeList = (plugin.themes || []).filter((theme) => theme && typeof theme === "object");
      themes = new Map(themeList.map((theme) => [theme.id, theme]));
      const commandList = (plugin.commands || []).filter((command) => command && typeof command === "object" && typeof command.name === "string");
      commands = new Map(commandList.map((command) => [command.name, command]));
      return JSON.stringify({
        tools: [...tools.values()].map((tool) => ({
          name: tool.name, description: tool.description, parameters: tool.parameters, kind: tool.kind,
          hasSubject: typeof tool.permissionSubject === "function",
          hasEstimate: typeof tool.estimateCost === "function",
        })),
        providers: [...providers.values()].map((provider) => ({ id: provider.id, models: provider.models || [] })),
        // A theme is data; its formatting code stays here, and the host learns only that it exists.
        themes: themeList.map(({ format, ...data }) => ({
          ...data,
          hasStatusLine: !!format && typeof format.statusLine === "function",
        })),
        // A command's description and usage come from the manifest; the host needs only the names.
        commands: [...commands.keys()],
      });
    },
    /** A theme's status line: whatever it returns, only a string goes back (the host sanitizes it). */
    themeStatusLine(id, infoJson) {
      const theme = themes.get(id);
      const format = theme && theme.format && theme.format.statusLine;
      if (typeof format !== "function") throw new Error("theme " + id + " has no status line code");
      const line = format.call(theme.format, JSON.parse(infoJson));
      // Cut here, before the copy: a runaway string must not cross whole (the host caps it further).
      return typeof line === "string" ? line.slice(0, 8192) : undefined;
    },
    subject(name, argsJson, cwd) {
      const tool = tools.get(name);
      const subject = tool && tool.permissionSubject ? tool.permissionSubject(JSON.parse(argsJson), cwd) : undefined;
      return subject === undefined ? undefined : JSON.stringify(subject);
    },
    /** A call's cost estimate, as JSON; synchronous only (a promise is no estimate). The host checks the fields. */
    estimate(name, argsJson, cwd, envJson) {
      receiveEnv(envJson);
      const tool = tools.get(name);
      if (!tool || typeof tool.estimateCost !== "function") return undefined;
      const estimate = tool.estimateCost(JSON.parse(argsJson), { cwd, env });
      if (!estimate || typeof estimate !== "object" || typeof estimate.then === "function") return undefined;
      const summary = typeof estimate.summary === "string" ? estimate.summary.slice(0, 1000) : undefined;
      return JSON.stringify({ usd: estimate.usd, summary, recurring: estimate.recurring === true });
    },
    async run(callId, name, argsJson, cwd, envJson) {
      receiveEnv(envJson);
      const tool = tools.get(name);
      if (!tool) throw new Error("no tool named " + name + " in this plugin");
      const controller = new AbortController();
      calls.set(callId, { controller });
      const ctx = {
        toolCallId: callId,
        cwd,
        signal: controller.signal,
        onUpdate: (partial) => tell("update", callId, String(partial)),
        state,
        env,
        fs,
        exec: execFor(callId),
      };
      try {
        return JSON.stringify(await tool.execute(JSON.parse(argsJson), ctx));
      } finally {
        calls.delete(callId);
      }
    },
    /** A slash command: its result goes back as JSON, { output } or { invalid } (the host sanitizes). */
    async command(callId, name, args, contextJson, envJson) {
      receiveEnv(envJson);
      const command = commands.get(name);
      if (!command || typeof command.run !== "function") throw new Error("no command named " + name + " in this plugin");
      const controller = new AbortController();
      calls.set(callId, { controller });
      const { cwd, sessionId, model } = JSON.parse(contextJson);
      const ctx = { cwd, sessionId, model, signal: controller.signal, fs, env, exec: execFor(callId) };
      try {
        return JSON.stringify(commandOutcome(await command.run(args, ctx)));
      } finally {
        calls.delete(callId);
      }
    },
    /**
     * One model call: every event goes to the host as it arrives, in numbered batches; the call's
     * result says how many were sent and brings the unsent rest and any failure itself, so nothing
     * the provider emitted can be lost behind the call's end (see provider-event-inbox.ts).
     */
    async stream(callId, id, requestJson, configJson, envJson) {
      receiveEnv(envJson);
      const controller = new AbortController();
      calls.set(callId, { controller });
      // Events go to the host in batches: everything decoded from one network read is sent when
      // the provider next waits on the host (or every 256 events), never one message per delta.
      // The first token (text, thinking or a tool call) goes at once, with whatever came before it:
      // the time to the first token is not held for a batch.
      const FIRST_TOKEN = new Set(["text_delta", "thinking_delta", "toolcall_start"]);
      let batch = [];
      let sent = 0;
      let bytes = 0;
      let sentFirstToken = false;
      // Why the call must end (its events cannot be sent); checked after every event.
      let stop = null;
      /** The batch as JSON, counted against the call's cap before anything crosses; null when it is not sent. */
      const take = () => {
        const events = batch;
        batch = [];
        if (stop) return null;
        let json;
        try {
          json = JSON.stringify(events);
        } catch (error) {
          stop = "it sent an event that is not plain data (" + describeError(error) + ")";
          return null;
        }
        bytes += json.length;
        if (bytes > limits.maxStreamBytes) {
          stop = "it sent more than " + megabytes(limits.maxStreamBytes) + " of events in one call";
          return null;
        }
        return json;
      };
      const flush = () => {
        if (batch.length === 0) return;
        const json = take();
        if (json !== null) tell("events", callId, ++sent, json);
      };
      beforeWait.add(flush);
      let error;
      try {
        // One instance per provider and config: a plugin may serve several declared endpoints.
        const key = id + "\u0000" + configJson;
        let instance = providerInstances.get(key);
        if (!instance) {
          const definition = providers.get(id);
          if (!definition) throw new Error("no provider named " + id + " in this plugin");
          instance = definition.create({ env, fs, config: JSON.parse(configJson), fetch: globalThis.fetch });
          providerInstances.set(key, instance);
        }
        for await (const event of instance.stream(JSON.parse(requestJson), controller.signal)) {
          batch.push(event);
          if (!sentFirstToken && FIRST_TOKEN.has(event.type)) {
            sentFirstToken = true;
            flush();
          } else if (batch.length >= 256) flush();
          if (stop) break;
        }
      } catch (thrown) {
        error = describeError(thrown);
      } finally {
        beforeWait.delete(flush);
        calls.delete(callId);
      }
      const rest = batch.length > 0 ? take() : null;
      if (stop) error = stop;
      return JSON.stringify({ sent, rest, error });
    },
    output(stream, chunk) {
      const listener = listeners.get(stream);
      if (listener) listener(chunk);
    },
    timer(id) {
      onHost.timer(id);
    },
    bodyChunk(bodyId, chunk, error) {
      onHost.bodyChunk(bodyId, chunk, error);
    },
    settle(id, ok, value) {
      const entry = pending.get(id);
      if (!entry) return;
      pending.delete(id);
      if (ok) entry.resolve(value);
      else entry.reject(new Error(value));
    },
    abort(callId) {
      const entry = calls.get(callId);
      if (entry) entry.controller.abort();
    },
  };
`;

/** Evaluated in every plugin isolate before the plugin's bundle. */
export const PRELUDE = `(() => {\n"use strict";\n${BRIDGE}\n${TEXT_CODEC}\n${WEB_PLATFORM}\n${WEB_FETCH}\n${ENTRIES}\n})();`;
