import { BRIDGE_INSIDE } from "./bridge-inside.js";
import { HOOKS_INSIDE } from "./hooks-inside.js";
import { REQUEST_WIRE_INSIDE } from "./request-wire.js";
import { TEXT_CODEC } from "./text-codec.js";
import { WEB_FETCH } from "./web-fetch.js";
import { WEB_PLATFORM } from "./web-platform.js";

/**
 * The few web basics everything else builds on (AbortController; console is in bridge-inside.ts,
 * text encoding in text-codec.ts). The host hands its two entry points to `__pincer.attach` after
 * the plugin's bundle has run (so the prelude and the bundle can be kept in a V8 snapshot); they
 * live in this closure only: a plugin reaches the host solely through the wrappers.
 */
const BASICS = `
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

  Object.assign(globalThis, { AbortController, AbortSignal });
  // No other thread shares memory with a plugin, so waiting on it could only stall the isolate with
  // no CPU to show for it (Atomics.wait), or wake it later from nowhere (waitAsync).
  for (const name of ["wait", "waitAsync"]) {
    if (typeof Atomics[name] === "function") {
      Atomics[name] = () => {
        throw new TypeError("Atomics." + name + " is not available in a plugin sandbox");
      };
    }
  }
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
  ${REQUEST_WIRE_INSIDE}

  const fs = {
    readFile: (path, range) =>
      range === undefined || range === null
        ? call("readFile", pathArg(path))
        : call("readFile", pathArg(path), { offset: Number(range.offset), length: Number(range.length) }),
    readText: (path) => call("readText", pathArg(path)),
    writeFile: (path, data) => call("writeFile", pathArg(path), bytesArg(data)),
    appendFile: (path, data) => call("appendFile", pathArg(path), bytesArg(data)),
    rename: (from, to) => call("rename", pathArg(from), pathArg(to)),
    remove: (path) => call("remove", pathArg(path)),
    stat: (path) => call("stat", pathArg(path)),
    readdir: (path) => call("readdir", pathArg(path)),
    mkdir: (path) => call("mkdir", pathArg(path)),
    resolve: (path) => call("resolve", pathArg(path)),
  };
  // The granted environment, as the host sent it with the latest call (every call brings it, so
  // it is never older than the call reading it); null: ask the host each time.
  let grantedEnv = null;
  const receiveEnv = (envJson) => {
    grantedEnv = typeof envJson === "string" ? parse(envJson) : null;
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
      const plain = {
        cwd: options.cwd === undefined ? undefined : pathArg(options.cwd),
        timeoutMs: options.timeoutMs,
        maxOutputBytes: options.maxOutputBytes,
        env: options.env,
        stream,
      };
      try {
        return await call("execRun", callId, String(command), stringify(plain));
      } finally {
        listeners.delete(stream);
      }
    },
    start: (command, options = {}) => {
      const plain = { cwd: options.cwd === undefined ? undefined : pathArg(options.cwd), env: options.env };
      return call("execStart", callId, String(command), stringify(plain));
    },
    readOutput: (id, options = {}) => call("execRead", String(id), typeof options.maxBytes === "number" ? options.maxBytes : null),
    kill: (id, options = {}) => call("execKill", String(id), typeof options.maxBytes === "number" ? options.maxBytes : null),
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
      if (key === "exitCode") {
        if (!EXIT_CODES.includes(value)) return { invalid: "returned exitCode " + S(value).slice(0, 40) + " (a command ends with 0, 1, 2, 3 or 130)" };
        output.exitCode = value;
        continue;
      }
      if (key !== "text" && key !== "prompt") return { invalid: "returned an object with an unknown field " + stringify(key.slice(0, 40)) };
      if (typeof value !== "string") return { invalid: "returned " + kindOf(value) + " as " + key };
      output[key] = cut(value);
    }
    return { output };
  };
  /** The exit codes a command may end with (see COMMAND_EXIT in the SDK). */
  const EXIT_CODES = [0, 1, 2, 3, 130];
  /** A thrown error's exit code, when it carries one (a CommandUsageError: 2); read without trusting it. */
  const exitCodeOf = (error) => {
    try {
      const code = error !== null && typeof error === "object" ? error.exitCode : undefined;
      return EXIT_CODES.includes(code) && code !== 0 ? code : 1;
    } catch {
      return 1;
    }
  };

  /**
   * A call's answer for the host: { ok } with the result, or { error }. A call never throws into the
   * host, so whatever error reaches the host comes from isolated-vm itself (a limit), never the plugin.
   */
  const reply = (result) => {
    let json;
    try {
      json = stringify(result);
    } catch (error) {
      return stringify({ error: "its result is not plain data (" + describeError(error) + ")" });
    }
    if (json === undefined) return '{"ok":null}';
    if (json.length > limits.maxArgBytes) {
      return stringify({ error: "its result is " + json.length + " characters of JSON, more than " + megabytes(limits.maxArgBytes) });
    }
    return '{"ok":' + json + "}";
  };

${HOOKS_INSIDE}
  // The host's key, given at attach: the entries below are handed out only for it, so the plugin (which
  // can see __pincer) cannot start a call of its own, reset a call's caps or forge what the host sends.
  let hostKey = null;
  const hasOwn = Object.hasOwn;
  const entries = {
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
      hookDefs = plugin.hooks && typeof plugin.hooks === "object" ? plugin.hooks : null;
      return stringify({
        tools: [...tools.values()].map((tool) => ({
          name: tool.name, description: tool.description, parameters: tool.parameters, kind: tool.kind,
          hasSubject: typeof tool.permissionSubject === "function",
          hasEstimate: typeof tool.estimateCost === "function",
          deferred: tool.deferred === true,
        })),
        providers: [...providers.values()].map((provider) => ({ id: provider.id, models: provider.models || [] })),
        // A theme is data; its formatting code stays here, and the host learns only that it exists.
        themes: themeList.map(({ format, ...data }) => ({
          ...data,
          hasStatusLine: !!format && typeof format.statusLine === "function",
        })),
        // A command's description and usage come from the manifest; the host needs only the names.
        commands: [...commands.keys()],
        // The hooks its code defines; the host calls only those the manifest lists too.
        hooks: hookNames(),
      });
    },
    /** A theme's status line: whatever it returns, only a string goes back (the host sanitizes it). */
    themeStatusLine(id, infoJson) {
      const theme = themes.get(id);
      const format = theme && theme.format && theme.format.statusLine;
      if (typeof format !== "function") throw new Error("theme " + id + " has no status line code");
      const line = format.call(theme.format, parse(infoJson));
      // Cut here, before the copy: a runaway string must not cross whole (the host caps it further).
      return typeof line === "string" ? line.slice(0, 8192) : undefined;
    },
    subject(name, argsJson, cwd) {
      const tool = tools.get(name);
      const subject = tool && tool.permissionSubject ? tool.permissionSubject(parse(argsJson), cwd) : undefined;
      return subject === undefined ? undefined : stringify(subject);
    },
    /** A call's cost estimate, as JSON; synchronous only (a promise is no estimate). The host checks the fields. */
    estimate(name, argsJson, cwd, envJson) {
      receiveEnv(envJson);
      const tool = tools.get(name);
      if (!tool || typeof tool.estimateCost !== "function") return undefined;
      const estimate = tool.estimateCost(parse(argsJson), { cwd, env });
      if (!estimate || typeof estimate !== "object" || typeof estimate.then === "function") return undefined;
      const summary = typeof estimate.summary === "string" ? estimate.summary.slice(0, 1000) : undefined;
      const category = typeof estimate.category === "string" ? estimate.category.slice(0, 32) : undefined;
      return stringify({ usd: estimate.usd, summary, recurring: estimate.recurring === true, category });
    },
    async run(callId, name, argsJson, cwd, envJson) {
      receiveEnv(envJson);
      const tool = tools.get(name);
      if (!tool) throw new Error("no tool named " + name + " in this plugin");
      const controller = new AbortController();
      calls.set(callId, { controller });
      newWindow();
      const onUpdate = progressFor(callId);
      const ctx = {
        toolCallId: callId,
        cwd,
        signal: controller.signal,
        onUpdate,
        state,
        env,
        fs,
        exec: execFor(callId),
      };
      try {
        return reply(await tool.execute(parse(argsJson), ctx));
      } catch (error) {
        return stringify({ error: describeError(error) });
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
      newWindow();
      const { cwd, argv, pluginDir, tmpDir, sessionId, model, budgetUsd, drives, serves } = parse(contextJson);
      const ctx = {
        cwd,
        pluginDir,
        tmpDir,
        argv: Array.isArray(argv) ? argv.map((word) => S(word)) : [],
        sessionId,
        model,
        signal: controller.signal,
        fs,
        env,
        exec: execFor(callId),
        progress: progressFor(callId),
        sessions: drives ? driverFor(callId) : undefined,
        services: serves ? servicesFor(callId) : undefined,
      };
      if (typeof budgetUsd === "number") ctx.budgetUsd = budgetUsd;
      try {
        return stringify(commandOutcome(await command.run(args, ctx)));
      } catch (error) {
        return stringify({ error: describeError(error), exitCode: exitCodeOf(error) });
      } finally {
        calls.delete(callId);
        progressRenewals.delete(callId);
      }
    },
    /**
     * One model call: every event goes to the host as it arrives, in numbered batches; the call's
     * result says how many were sent and brings the unsent rest and any failure itself, so nothing
     * the provider emitted can be lost behind the call's end (see provider-event-inbox.ts).
     */
    async stream(callId, id, requestJson, configJson, envJson) {
      // Before anything else: the host mirrors what is held, call by call (request-wire.ts).
      const request = requestFromWire(requestJson);
      if (request === null) return stringify({ resend: true });
      receiveEnv(envJson);
      const controller = new AbortController();
      calls.set(callId, { controller });
      newWindow();
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
          json = stringify(events);
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
          instance = definition.create({ env, fs, config: parse(configJson), fetch: globalThis.fetch });
          providerInstances.set(key, instance);
        }
        for await (const event of instance.stream(request, controller.signal)) {
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
      return stringify({ sent, rest, error });
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
      settled(entry);
      if (ok) entry.resolve(value);
      else entry.reject(new Error(value));
    },
    /** No call is running any more: the host dropped the plugin's timers, so they are forgotten here too. */
    quiesce() {
      onHost.quiesce();
    },
    abort(callId) {
      const entry = calls.get(callId);
      if (entry) entry.controller.abort();
    },
    ...hookEntries,
  };
  const guardedEntry = (name, key) => {
    if (hostKey === null || key !== hostKey || !hasOwn(entries, name)) throw new Error("not the host");
    const fn = entries[name];
    return (...args) => fn(...args);
  };
  Object.defineProperty(globalThis, "__pincer", {
    value: Object.freeze({
      /** Called once by the host, before anything else: the bridge's two entry points, the caps, its key. */
      attach(start, sync, limitsJson, key) {
        if (bridge.start) throw new Error("already attached");
        bridge.start = start;
        bridge.sync = sync;
        Object.assign(limits, parse(limitsJson));
        hostKey = S(key);
      },
      /** One of the entries, for the host only. */
      entry: guardedEntry,
    }),
    writable: false,
    enumerable: false,
    configurable: false,
  });
`;

/** Evaluated in every plugin isolate before the plugin's bundle. */
export const PRELUDE = `(() => {\n"use strict";\n${BRIDGE_INSIDE}\n${BASICS}\n${TEXT_CODEC}\n${WEB_PLATFORM}\n${WEB_FETCH}\n${ENTRIES}\n})();`;
