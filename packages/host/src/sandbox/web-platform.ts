/**
 * The web platform a bundled SDK expects, for the inside of a plugin isolate: URL (parsed by
 * the host's WHATWG parser), URLSearchParams, Headers, ReadableStream, Request, Response, fetch,
 * timers, crypto, structuredClone, base64, DOMException. Nothing here touches the host except
 * through `call` (async), `callSync` and `tell` (a note needing no answer), whose host side checks the plugin's grants: fetch goes
 * to the guarded fetch of the plugin's net grant, and response bodies come back chunk by chunk.
 *
 * Evaluated inside the prelude's closure, where `call`, `callSync`, `tell` and `onHost` are defined;
 * streams, bodies and fetch itself are in web-fetch.ts, evaluated right after.
 */
export const WEB_PLATFORM = `
  class DOMException extends Error {
    constructor(message = "", name = "Error") { super(message); this.name = name; }
  }

  const timerCallbacks = new Map();
  let nextTimer = 0;
  // Host timers are unref'd: a plugin's pending timeout never keeps Pincer running.
  const timerRoom = () => {
    if (timerCallbacks.size >= limits.maxTimers) throw new RangeError("more than " + limits.maxTimers + " timers pending at once");
    if (++timerOps > MAX_TIMER_OPS) throw new RangeError("more than " + MAX_TIMER_OPS + " timers set in one call");
  };
  const setTimeout = (fn, ms = 0, ...args) => {
    timerRoom();
    const id = ++nextTimer;
    timerCallbacks.set(id, { fn, args, repeat: 0 });
    tell("setTimer", id, Math.max(0, Number(ms) || 0));
    return id;
  };
  const setInterval = (fn, ms = 0, ...args) => {
    timerRoom();
    const id = ++nextTimer;
    const every = Math.max(1, Number(ms) || 1);
    timerCallbacks.set(id, { fn, args, repeat: every });
    tell("setTimer", id, every);
    return id;
  };
  const clearTimeout = (id) => {
    if (timerCallbacks.delete(id)) tellLater("clearTimer", id);
  };
  // A plugin runs only during its calls: when the last one ends, the host drops its timers.
  onHost.quiesce = () => timerCallbacks.clear();
  onHost.timer = (id) => {
    const timer = timerCallbacks.get(id);
    if (!timer) return;
    if (timer.repeat && ++timerOps <= MAX_TIMER_OPS) tell("setTimer", id, timer.repeat);
    else timerCallbacks.delete(id);
    if (typeof timer.fn === "function") timer.fn(...timer.args);
  };

  const toBytes = (data) => {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return new TextEncoder().encode(String(data));
  };

  const crypto = {
    getRandomValues(array) {
      const bytes = callSync("randomBytes", array.byteLength);
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
      return array;
    },
    randomUUID() {
      const b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
    },
  };

  const structuredClone = (value, seen = new Map()) => {
    if (typeof value === "function" || typeof value === "symbol") throw new DOMException("value could not be cloned", "DataCloneError");
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return seen.get(value);
    if (value instanceof Date) return new Date(value.getTime());
    if (value instanceof RegExp) return new RegExp(value.source, value.flags);
    if (ArrayBuffer.isView(value)) return new value.constructor(value);
    if (value instanceof ArrayBuffer) return value.slice(0);
    if (value instanceof Map) { const out = new Map(); seen.set(value, out); for (const [k, v] of value) out.set(structuredClone(k, seen), structuredClone(v, seen)); return out; }
    if (value instanceof Set) { const out = new Set(); seen.set(value, out); for (const v of value) out.add(structuredClone(v, seen)); return out; }
    const out = Array.isArray(value) ? [] : {};
    seen.set(value, out);
    for (const key of Object.keys(value)) out[key] = structuredClone(value[key], seen);
    return out;
  };

  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const btoa = (text) => {
    let out = "";
    const s = String(text);
    for (let i = 0; i < s.length; i += 3) {
      const [a, b, c] = [s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)];
      if (a > 255 || b > 255 || c > 255) throw new DOMException("Invalid character", "InvalidCharacterError");
      const n = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < s.length ? B64[n & 63] : "=");
    }
    return out;
  };
  const atob = (data) => {
    const s = String(data).replace(/[\\s=]/g, "");
    let out = "";
    for (let i = 0; i < s.length; i += 4) {
      const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | Math.max(0, B64.indexOf(s[i + k] || "A")), 0);
      out += String.fromCharCode(n >> 16);
      if (i + 2 < s.length) out += String.fromCharCode((n >> 8) & 255);
      if (i + 3 < s.length) out += String.fromCharCode(n & 255);
    }
    return out;
  };

  class URLSearchParams {
    constructor(init = "") {
      this._list = [];
      this._url = null;
      if (typeof init === "string") this._parse(init);
      else if (init && typeof init[Symbol.iterator] === "function") for (const [k, v] of init) this._list.push([String(k), String(v)]);
      else if (init && typeof init === "object") for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
    }
    _parse(text) {
      this._list = [];
      for (const part of text.replace(/^\\?/, "").split("&")) {
        if (!part) continue;
        const at = part.indexOf("=");
        const decode = (s) => { try { return decodeURIComponent(s.replace(/\\+/g, " ")); } catch { return s; } };
        this._list.push(at < 0 ? [decode(part), ""] : [decode(part.slice(0, at)), decode(part.slice(at + 1))]);
      }
    }
    _update() { if (this._url) this._url._setSearch(this.toString()); }
    get size() { return this._list.length; }
    append(k, v) { this._list.push([String(k), String(v)]); this._update(); }
    delete(k) { this._list = this._list.filter(([key]) => key !== String(k)); this._update(); }
    get(k) { const hit = this._list.find(([key]) => key === String(k)); return hit ? hit[1] : null; }
    getAll(k) { return this._list.filter(([key]) => key === String(k)).map(([, v]) => v); }
    has(k) { return this._list.some(([key]) => key === String(k)); }
    set(k, v) {
      const i = this._list.findIndex(([key]) => key === String(k));
      if (i < 0) this._list.push([String(k), String(v)]);
      else { this._list[i] = [String(k), String(v)]; this._list = this._list.filter(([key], j) => j <= i || key !== String(k)); }
      this._update();
    }
    sort() { this._list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)); this._update(); }
    forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
    keys() { return this._list.map(([k]) => k)[Symbol.iterator](); }
    values() { return this._list.map(([, v]) => v)[Symbol.iterator](); }
    entries() { return this._list.map((pair) => [...pair])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() {
      const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
      return this._list.map(([k, v]) => enc(k) + "=" + enc(v)).join("&");
    }
  }

  // The host's WHATWG parser answers; the same question (an SDK rebuilds the same URLs on every
  // request) is answered from here. Parts are plain strings, so sharing them is safe.
  const urlAnswers = new Map();
  const urlCall = (name, ...args) => {
    if (crossing("URL", args)[1] > 4194304) throw new TypeError("Invalid URL: longer than 4 MB");
    const key = name + "\u0000" + args.map((arg) => (arg === null ? "\u0001" : arg)).join("\u0000");
    let parts = urlAnswers.get(key);
    if (!parts) {
      parts = Object.freeze(callSync(name, ...args));
      if (urlAnswers.size >= 512) urlAnswers.clear();
      urlAnswers.set(key, parts);
    }
    return parts;
  };
  const URL_PARTS = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash", "origin"];
  class URL {
    constructor(input, base) {
      this._assign(urlCall("parseURL", String(input), base === undefined ? null : String(base)));
    }
    static canParse(input, base) { try { new URL(input, base); return true; } catch { return false; } }
    _assign(parts) {
      this._parts = parts;
      if (this._params) this._params._parse(parts.search); 
    }
    _setSearch(search) { this._parts = urlCall("setURL", this._parts.href, "search", search); }
    get searchParams() {
      if (!this._params) { this._params = new URLSearchParams(this._parts.search); this._params._url = this; }
      return this._params;
    }
    toString() { return this._parts.href; }
    toJSON() { return this._parts.href; }
  }
  for (const part of URL_PARTS) {
    Object.defineProperty(URL.prototype, part, {
      get() { return this._parts[part]; },
      set(value) {
        if (part === "origin") return;
        this._assign(part === "href" ? urlCall("parseURL", String(value), null) : urlCall("setURL", this._parts.href, part, String(value)));
      },
    });
  }

  // Names are kept lower-case and combined ("a, b"), so a copy of another Headers takes its map as
  // it is, and iteration sorts the names natively (no comparator called back per comparison):
  // each request's headers are built, copied into its Request and listed for the host.
  class Headers {
    constructor(init) {
      this._map = new Map();
      if (init instanceof Headers) this._map = new Map(init._map);
      else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
      else if (init && typeof init === "object") for (const k of Object.keys(init)) if (init[k] !== undefined) this.append(k, init[k]);
    }
    append(k, v) { const key = String(k).toLowerCase(); const prev = this._map.get(key); this._map.set(key, prev === undefined ? String(v) : prev + ", " + String(v)); }
    set(k, v) { this._map.set(String(k).toLowerCase(), String(v)); }
    get(k) { const v = this._map.get(String(k).toLowerCase()); return v === undefined ? null : v; }
    has(k) { return this._map.has(String(k).toLowerCase()); }
    delete(k) { this._map.delete(String(k).toLowerCase()); }
    getSetCookie() { const v = this.get("set-cookie"); return v === null ? [] : [v]; }
    forEach(fn, self) { for (const [k, v] of this) fn.call(self, v, k, this); }
    keys() { return [...this._map.keys()].sort()[Symbol.iterator](); }
    values() { return [...this].map(([, v]) => v)[Symbol.iterator](); }
    entries() { const map = this._map; return [...map.keys()].sort().map((k) => [k, map.get(k)])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }

  const performance = { now: () => Date.now() - bootTime, timeOrigin: Date.now() };
  const bootTime = Date.now();
  const queueMicrotask = (fn) => { Promise.resolve().then(fn); };

  Object.assign(globalThis, {
    DOMException, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, crypto, structuredClone,
    btoa, atob, URL, URLSearchParams, Headers, performance, queueMicrotask,
  });
`;
