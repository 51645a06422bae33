/**
 * Streams, bodies and fetch for the inside of a plugin isolate (see web-platform.ts for the
 * rest). A response body is a ReadableStream the host pushes chunks into as they arrive, never
 * more than a window ahead of its reader, so a slow reader never makes either side hold a whole
 * response.
 */
export const WEB_FETCH = `
  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (stream._reader) throw new TypeError("ReadableStream is locked");
      this._stream = stream;
      stream._reader = this;
      this.closed = stream._closedPromise;
    }
    read() { return this._stream ? this._stream._read() : Promise.reject(new TypeError("reader released")); }
    releaseLock() { if (this._stream) { this._stream._reader = null; this._stream = null; } }
    cancel(reason) { return this._stream ? this._stream.cancel(reason, true) : Promise.resolve(); }
  }

  class ReadableStream {
    constructor(source = {}, strategy = {}) {
      this._source = source;
      this._queue = [];
      this._waiters = [];
      this._state = "readable";
      this._error = undefined;
      this._reader = null;
      this._pulling = false;
      this._highWater = strategy.highWaterMark ?? 1;
      let resolveClosed;
      this._closedPromise = new Promise((resolve) => { resolveClosed = resolve; });
      this._resolveClosed = resolveClosed;
      const stream = this;
      this._controller = {
        get desiredSize() { return stream._highWater - stream._queue.length; },
        enqueue(chunk) {
          if (stream._state !== "readable") return;
          const w = stream._waiters.shift();
          if (w) { w.resolve({ value: chunk, done: false }); stream._taken(chunk); } else stream._queue.push(chunk);
        },
        close() { if (stream._state !== "readable") return; stream._state = "closed"; stream._resolveClosed(); for (const w of stream._waiters.splice(0)) w.resolve({ value: undefined, done: true }); },
        error(e) { if (stream._state !== "readable") return; stream._state = "errored"; stream._error = e; for (const w of stream._waiters.splice(0)) w.reject(e); },
      };
      this._started = Promise.resolve(source.start ? source.start(this._controller) : undefined);
    }
    static from(iterable) {
      const it = Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
      return new ReadableStream({
        async pull(c) { const { value, done } = await it.next(); if (done) c.close(); else c.enqueue(value); },
        async cancel() { await it.return?.(); },
      });
    }
    get locked() { return !!this._reader; }
    async _pull() {
      if (this._pulling || !this._source.pull || this._state !== "readable") return;
      this._pulling = true;
      try { await this._started; await this._source.pull(this._controller); }
      catch (e) { this._controller.error(e); }
      finally { this._pulling = false; }
      if (this._waiters.length && this._state === "readable") return this._pull();
    }
    // A response body's source hears what its reader took, so the host pushes no further ahead.
    _taken(chunk) { if (this._source._taken) this._source._taken(chunk); }
    _read() {
      if (this._queue.length) { const value = this._queue.shift(); this._taken(value); return Promise.resolve({ value, done: false }); }
      if (this._state === "closed") return Promise.resolve({ value: undefined, done: true });
      if (this._state === "errored") return Promise.reject(this._error);
      const waiting = new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
      this._pull();
      return waiting;
    }
    getReader() { return new ReadableStreamDefaultReader(this); }
    async cancel(reason, fromReader) {
      if (this._reader && !fromReader) throw new TypeError("ReadableStream is locked");
      this._queue = [];
      if (this._state === "readable") { this._controller.close(); await this._source.cancel?.(reason); }
    }
    async *values({ preventCancel = false } = {}) {
      const reader = this.getReader();
      let finished = false;
      try {
        while (true) { const { value, done } = await reader.read(); if (done) { finished = true; return; } yield value; }
      } finally {
        if (!finished && !preventCancel) await reader.cancel();
        reader.releaseLock();
      }
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
    tee() {
      const reader = this.getReader();
      const branches = [[], []];
      const waiting = [[], []];
      let done = false;
      const pump = async () => { const r = await reader.read(); if (r.done) { done = true; } return r; };
      const make = (i) => new ReadableStream({
        async pull(c) {
          if (!branches[i].length) {
            if (done) return c.close();
            const r = await pump();
            if (r.done) return c.close();
            branches[0].push(r.value); branches[1].push(r.value);
          }
          c.enqueue(branches[i].shift());
        },
      });
      return [make(0), make(1)];
    }
    async pipeTo(writable) { const w = writable.getWriter(); for await (const chunk of this) await w.write(chunk); await w.close(); }
  }

  class Blob {
    constructor(parts = [], options = {}) {
      const chunks = parts.map((part) => (part instanceof Blob ? part._bytes : toBytes(part)));
      this._bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) { this._bytes.set(c, at); at += c.length; }
      this.type = String(options.type ?? "").toLowerCase();
    }
    get size() { return this._bytes.length; }
    async bytes() { return this._bytes.slice(); }
    async arrayBuffer() { return this._bytes.slice().buffer; }
    async text() { return new TextDecoder().decode(this._bytes); }
    slice(start, end, type) { return new Blob([this._bytes.slice(start, end)], { type }); }
    stream() { const bytes = this._bytes; return new ReadableStream({ start(c) { c.enqueue(bytes.slice()); c.close(); } }); }
  }
  class File extends Blob {
    constructor(parts, name, options = {}) { super(parts, options); this.name = String(name); this.lastModified = options.lastModified ?? Date.now(); }
  }
  class FormData {
    constructor() { this._list = []; }
    append(k, v, name) { this._list.push([String(k), v instanceof Blob ? (v instanceof File ? v : new File([v], name ?? "blob", { type: v.type })) : String(v)]); }
    set(k, v, name) { this.delete(k); this.append(k, v, name); }
    get(k) { const hit = this._list.find(([key]) => key === String(k)); return hit ? hit[1] : null; }
    getAll(k) { return this._list.filter(([key]) => key === String(k)).map(([, v]) => v); }
    has(k) { return this._list.some(([key]) => key === String(k)); }
    delete(k) { this._list = this._list.filter(([key]) => key !== String(k)); }
    forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
    entries() { return this._list.map((pair) => [...pair])[Symbol.iterator](); }
    keys() { return this._list.map(([k]) => k)[Symbol.iterator](); }
    values() { return this._list.map(([, v]) => v)[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }

  const bodyStream = (body) => {
    if (body === null || body === undefined) return null;
    if (body instanceof ReadableStream) return body;
    if (body instanceof Blob) return body.stream();
    const bytes = body instanceof URLSearchParams ? toBytes(body.toString()) : toBytes(body);
    return new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
  };
  const concatBytes = (parts) => {
    const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  };
  const readAll = async (stream) => {
    if (!stream) return new Uint8Array(0);
    const parts = [];
    for await (const chunk of stream) parts.push(toBytes(chunk));
    return concatBytes(parts);
  };

  class Body {
    // The stream is made when something reads it: fetch sends a request's string body as it is,
    // and encoding a long conversation to bytes in JavaScript for nothing cost a millisecond a turn.
    _initBody(body) {
      if (body instanceof FormData) throw new TypeError("FormData request bodies are not supported in the plugin sandbox yet");
      this._source = body;
      this._made = false;
      this._madeStream = null;
      this.bodyUsed = false;
    }
    get _stream() {
      if (!this._made) { this._made = true; this._madeStream = bodyStream(this._source); }
      return this._madeStream;
    }
    set _stream(stream) { this._made = true; this._madeStream = stream; }
    get body() { return this._stream; }
    async arrayBuffer() { return (await this.bytes()).buffer; }
    async bytes() {
      if (this.bodyUsed) throw new TypeError("Body has already been read");
      this.bodyUsed = true;
      return readAll(this._stream);
    }
    async text() {
      if (this.bodyUsed) throw new TypeError("Body has already been read");
      this.bodyUsed = true;
      if (!this._stream) return "";
      // Chunks the host decoded join as text; one it could not (a character split across two
      // chunks) sends the whole body through the decoder.
      const chunks = [];
      let allDecoded = true;
      for await (const chunk of this._stream) {
        const bytes = toBytes(chunk);
        chunks.push(bytes);
        if (allDecoded && hostDecoded.get(chunk) === undefined) allDecoded = false;
      }
      if (allDecoded) return chunks.map((bytes) => hostDecoded.get(bytes)).join("");
      return new TextDecoder().decode(concatBytes(chunks));
    }
    async json() { return JSON.parse(await this.text()); }
    async blob() { return new Blob([await this.bytes()], { type: this.headers?.get("content-type") ?? "" }); }
    async formData() { throw new TypeError("reading FormData bodies is not supported in the plugin sandbox yet"); }
  }

  class Request extends Body {
    constructor(input, init = {}) {
      super();
      const from = input instanceof Request ? input : null;
      this.url = from ? from.url : new URL(String(input)).href;
      this.method = String(init.method ?? (from ? from.method : "GET")).toUpperCase();
      this.headers = new Headers(init.headers ?? (from ? from.headers : undefined));
      this.signal = init.signal ?? (from ? from.signal : null) ?? new AbortController().signal;
      this.redirect = init.redirect ?? "follow";
      this._rawBody = init.body ?? (from ? from._rawBody : null);
      this._initBody(this._rawBody);
    }
    clone() { return new Request(this); }
  }

  class Response extends Body {
    constructor(body = null, init = {}) {
      super();
      this.status = init.status ?? 200;
      this.statusText = init.statusText ?? "";
      this.headers = new Headers(init.headers);
      this.url = init.url ?? "";
      this.redirected = !!init.redirected;
      this.type = "basic";
      this._initBody(body);
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    static json(data, init = {}) {
      return new Response(JSON.stringify(data), { ...init, headers: { "content-type": "application/json", ...init.headers } });
    }
    static error() { return new Response(null, { status: 0 }); }
    clone() {
      if (this.bodyUsed) throw new TypeError("Body has already been read");
      const [a, b] = this._stream ? this._stream.tee() : [null, null];
      this._stream = a;
      return new Response(b, { status: this.status, statusText: this.statusText, headers: this.headers, url: this.url });
    }
  }

  // Response bodies' chunks, pushed by the host; one that comes before its fetch settled waits.
  const bodySinks = new Map();
  const earlyChunks = new Map();
  onHost.bodyChunk = (bodyId, chunk, error) => {
    const sink = bodySinks.get(bodyId);
    if (sink) return sink(chunk, error);
    const early = earlyChunks.get(bodyId) ?? [];
    early.push([chunk, error]);
    earlyChunks.set(bodyId, early);
  };

  let nextFetch = 0;
  /** fetch: the request is made by the host, through the plugin's net grant; the body streams back. */
  const fetch = async (input, init = {}) => {
    const request = new Request(input, init);
    const signal = request.signal;
    const abortError = () => signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");
    if (signal.aborted) throw abortError();
    const body = request._rawBody === null || request._rawBody === undefined ? null
      : request._rawBody instanceof ReadableStream ? await readAll(request._rawBody)
      : typeof request._rawBody === "string" ? request._rawBody
      : request._rawBody instanceof URLSearchParams ? request._rawBody.toString()
      : request._rawBody instanceof Blob ? request._rawBody._bytes
      : toBytes(request._rawBody);
    const id = ++nextFetch;
    const onAbort = () => callSync("fetchAbort", id);
    signal.addEventListener("abort", onAbort);
    let meta;
    try {
      meta = await call("fetch", id, request.url, request.method, [...request.headers], body, request.redirect);
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw new TypeError("fetch failed: " + error.message);
    }
    let finished = false;
    const finish = () => { if (!finished) { finished = true; signal.removeEventListener("abort", onAbort); } };
    const bodyId = meta.bodyId;
    // The host pushes the body as it arrives (see response-bodies.ts); pull only waits for it.
    let arrived = null;
    // Until its end arrives, the host holds the body open: the reader acknowledges what it takes,
    // and cancelling asks the host to close it. Ended, it is closed here and neither crosses.
    let hostOpen = true;
    const stream = bodyId ? new ReadableStream({
      start(c) {
        const sink = (chunk, error) => {
          const last = chunk === null || chunk.last === true;
          if (last) hostOpen = false;
          if (chunk !== null) {
            if (typeof chunk.text === "string") hostDecoded.set(chunk.bytes, chunk.text);
            c.enqueue(chunk.bytes);
          }
          if (last) {
            bodySinks.delete(bodyId);
            finish();
            if (error === undefined) c.close();
            else c.error(signal.aborted ? abortError() : new TypeError("reading the response failed: " + error));
          }
          const wake = arrived;
          arrived = null;
          if (wake) wake();
        };
        bodySinks.set(bodyId, sink);
        for (const [chunk, error] of earlyChunks.get(bodyId) ?? []) sink(chunk, error);
        earlyChunks.delete(bodyId);
      },
      pull() {
        // About to wait: whatever the plugin batched for the host goes now, not with the next chunk.
        flushBeforeWait();
        return new Promise((resolve) => { arrived = resolve; });
      },
      async cancel() {
        bodySinks.delete(bodyId);
        finish();
        if (hostOpen) await call("bodyCancel", bodyId);
      },
      _taken(chunk) { if (hostOpen) tell("bodyTaken", bodyId, chunk.byteLength); },
    }) : null;
    if (!stream) finish();
    return new Response(stream, { status: meta.status, statusText: meta.statusText, headers: meta.headers, url: meta.url, redirected: meta.redirected });
  };


  Object.assign(globalThis, { ReadableStream, Request, Response, fetch, Blob, File, FormData });
`;
