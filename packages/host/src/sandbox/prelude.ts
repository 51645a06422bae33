/**
 * JavaScript evaluated inside every plugin isolate before the plugin's bundle. It provides the
 * small web platform the tools need (TextEncoder/TextDecoder, AbortController), builds each
 * call's context on top of the host bridge, then hides the bridge: the plugin reaches the
 * host only through these wrappers, and every wrapper's host side checks the plugin's grants.
 */
export const PRELUDE = String.raw`
(() => {
  "use strict";
  const bridge = globalThis.__pincerBridge;
  delete globalThis.__pincerBridge;
  // Every host call is a message: start it, and the host settles it later. The isolate never
  // blocks on the host, so a plugin can stream a command's output while it runs.
  const pending = new Map();
  let nextId = 0;
  const call = (name, ...args) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      bridge.start.applyIgnored(undefined, [id, name, args], { arguments: { copy: true } });
    });
  const listeners = new Map();

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") {
      const text = String(input);
      const out = [];
      for (let i = 0; i < text.length; i++) {
        let code = text.codePointAt(i);
        if (code > 0xffff) i++;
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
        if (code < 0x80) out.push(code);
        else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
        else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
        else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      }
      return new Uint8Array(out);
    }
  }

  class TextDecoder {
    get encoding() { return "utf-8"; }
    decode(input) {
      if (input === undefined) return "";
      const bytes = input instanceof Uint8Array ? input : new Uint8Array(input.buffer ?? input);
      let out = "";
      let chunk = [];
      for (let i = 0; i < bytes.length; ) {
        const byte = bytes[i];
        let code = 0xfffd;
        let size = 1;
        if (byte < 0x80) code = byte;
        else if (byte >= 0xc2 && byte < 0xe0 && i + 1 < bytes.length) { code = ((byte & 31) << 6) | (bytes[i + 1] & 63); size = 2; }
        else if (byte >= 0xe0 && byte < 0xf0 && i + 2 < bytes.length) { code = ((byte & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); size = 3; }
        else if (byte >= 0xf0 && byte < 0xf5 && i + 3 < bytes.length) { code = ((byte & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); size = 4; }
        chunk.push(code);
        i += size;
        if (chunk.length >= 8192) { out += String.fromCodePoint(...chunk); chunk = []; }
      }
      return out + String.fromCodePoint(...chunk);
    }
  }

  class AbortSignal {
    constructor() { this.aborted = false; this.reason = undefined; this._listeners = []; this.onabort = null; }
    addEventListener(type, listener) { if (type === "abort") this._listeners.push(listener); }
    removeEventListener(type, listener) { this._listeners = this._listeners.filter((entry) => entry !== listener); }
    throwIfAborted() { if (this.aborted) throw this.reason; }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(reason = new Error("aborted")) {
      const signal = this.signal;
      if (signal.aborted) return;
      signal.aborted = true;
      signal.reason = reason;
      const event = { type: "abort", target: signal };
      if (typeof signal.onabort === "function") signal.onabort(event);
      for (const listener of signal._listeners.splice(0)) listener(event);
    }
  }

  Object.assign(globalThis, { TextEncoder, TextDecoder, AbortController, AbortSignal });
  globalThis.console = {
    log: (...args) => bridge.log.applyIgnored(undefined, [args.map(String).join(" ")], { arguments: { copy: true } }),
  };
  globalThis.console.error = globalThis.console.warn = globalThis.console.info = globalThis.console.log;

  const calls = new Map();
  const state = new Map();
  let tools = new Map();

  globalThis.__pincer = {
    /** Called once after the bundle ran: the tool definitions, as plain data. */
    register() {
      const plugin = globalThis.__pincerPlugin && (globalThis.__pincerPlugin.default || globalThis.__pincerPlugin);
      // A bundle's top-level var is not deletable; clearing it is enough to drop the reference.
      globalThis.__pincerPlugin = undefined;
      if (!plugin || typeof plugin !== "object") throw new Error("the bundle must export default definePlugin({...})");
      tools = new Map((plugin.tools || []).map((tool) => [tool.name, tool]));
      return JSON.stringify([...tools.values()].map((tool) => ({
        name: tool.name, description: tool.description, parameters: tool.parameters, kind: tool.kind,
        hasSubject: typeof tool.permissionSubject === "function",
      })));
    },
    subject(name, argsJson, cwd) {
      const tool = tools.get(name);
      const subject = tool && tool.permissionSubject ? tool.permissionSubject(JSON.parse(argsJson), cwd) : undefined;
      return subject === undefined ? undefined : JSON.stringify(subject);
    },
    async run(callId, name, argsJson, cwd) {
      const tool = tools.get(name);
      if (!tool) throw new Error("no tool named " + name + " in this plugin");
      const controller = new AbortController();
      calls.set(callId, { controller });
      const ctx = {
        toolCallId: callId,
        cwd,
        signal: controller.signal,
        onUpdate: (partial) => bridge.update.applyIgnored(undefined, [callId, String(partial)], { arguments: { copy: true } }),
        state,
        env: { get: (key) => bridge.envGet.applySync(undefined, [String(key)], { arguments: { copy: true } }) },
        fs: {
          readFile: (path) => call("readFile", String(path)),
          readText: (path) => call("readText", String(path)),
          writeFile: (path, data) => call("writeFile", String(path), typeof data === "string" ? data : new Uint8Array(data)),
          stat: (path) => call("stat", String(path)),
          readdir: (path) => call("readdir", String(path)),
          mkdir: (path) => call("mkdir", String(path)),
          resolve: (path) => call("resolve", String(path)),
        },
        exec: {
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
        },
      };
      try {
        const result = await tool.execute(JSON.parse(argsJson), ctx);
        return JSON.stringify(result);
      } finally {
        calls.delete(callId);
      }
    },
    output(stream, chunk) {
      const listener = listeners.get(stream);
      if (listener) listener(chunk);
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
      if (entry) entry.controller.abort(new Error("aborted"));
    },
  };
})();
`;
