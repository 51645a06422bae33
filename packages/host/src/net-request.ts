import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { netAccess, netRefusal } from "./net.js";
import { ipLiteral, isPublicAddress, PrivateAddressError, publicOnlyLookup } from "./net-public.js";

// node:http and node:https are required on first use, never imported: the ESM facade of
// node:http reads every export, and one of them lazily loads undici (Node's fetch), ~20 ms.
const require = createRequire(import.meta.url);
let http: typeof import("node:http") | undefined;
let https: typeof import("node:https") | undefined;
/** Each client on first use: `https` brings TLS, which a loopback or local server never needs. */
function clientFor(url: URL): typeof import("node:http") | typeof import("node:https") {
  if (url.protocol === "https:") {
    https ??= require("node:https") as typeof import("node:https");
    return https;
  }
  http ??= require("node:http") as typeof import("node:http");
  return http;
}

export interface NetRequestInit {
  method: string;
  headers: Array<[string, string]>;
  body: string | Uint8Array | null;
  signal: AbortSignal;
  /** As fetch's: follow redirects (checking each hop), hand back the 3xx itself, or fail. */
  redirect?: "follow" | "manual" | "error";
}

/** A response as the plugin bridge needs it: status line, headers, and the body as chunks. */
export interface NetResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  url: string;
  redirected: boolean;
  /** null for a response without a body (HEAD, 204, 304). */
  body: AsyncIterator<Uint8Array> | null;
  /** Stops reading the body and closes the connection. */
  cancel(): void;
}

export type NetRequest = (url: string, init: NetRequestInit) => Promise<NetResponse>;

const MAX_REDIRECTS = 10;
const CREDENTIAL_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);
const BODY_HEADERS = new Set(["content-type", "content-encoding", "content-language", "content-location"]);

/**
 * The `net` capability as the plugin bridge uses it: an HTTP client on `node:http`/`https`
 * that reaches only granted hosts and checks every redirect hop again. Plugins get `fetch`
 * inside their isolate; this is what it calls. It stays off Node's fetch (undici), whose first
 * use costs a one-shot turn ~20 ms, and it decodes gzip, deflate and brotli like fetch does.
 */
export function createNetRequest(grants: readonly string[]): NetRequest {
  const refuse = (url: URL) => new Error(netRefusal(url, grants));
  return async (input, init) => {
    let url = new URL(input);
    let { method, body, headers } = init;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const access = netAccess(url, grants);
      if (!access) throw refuse(url);
      // Only `*` covers it: a public address, checked here for a literal and at connect for a name.
      const publicOnly = access === "public";
      const literal = ipLiteral(url);
      if (publicOnly && literal && !isPublicAddress(literal)) throw new PrivateAddressError(literal, literal);
      const response = await send(url, { ...init, method, body, headers }, publicOnly);
      const location = response.headers.location;
      const status = response.statusCode ?? 0;
      if (status < 300 || status >= 400 || !location || status === 304 || init.redirect === "manual")
        return toNetResponse(response, url, hop > 0, method);
      response.destroy();
      if (init.redirect === "error")
        throw new Error(`network request refused: ${url.host} redirected (redirect: "error").`);
      // 303 (and 301/302 for anything but GET/HEAD, as browsers do) become a GET without a body.
      if (status === 303 || ((status === 301 || status === 302) && method !== "GET" && method !== "HEAD")) {
        method = "GET";
        body = null;
        headers = headers.filter(([name]) => !BODY_HEADERS.has(name.toLowerCase()));
      }
      const next = new URL(location, url);
      // As the Fetch standard says: credentials never follow a redirect to another origin (an LFS
      // download's signed CDN link must not receive the Hub token).
      if (next.origin !== url.origin) headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase()));
      url = next;
    }
    throw new Error(`network request refused: more than ${MAX_REDIRECTS} redirects.`);
  };
}

function send(url: URL, init: NetRequestInit, publicOnly: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (init.signal.aborted) return reject(abortError(init.signal));
    const headers: Record<string, string> = {};
    for (const [name, value] of init.headers) {
      const key = name.toLowerCase();
      // Connection management is ours; a body's length is computed here.
      if (key === "host" || key === "connection" || key === "content-length" || key === "transfer-encoding") continue;
      headers[key] = headers[key] ? `${headers[key]}, ${value}` : value;
    }
    const body = init.body === null ? undefined : typeof init.body === "string" ? utf8(init.body) : init.body;
    if (body) headers["content-length"] = String(body.byteLength);
    headers["accept-encoding"] ??= "gzip, deflate, br";
    const request = clientFor(url).request(
      url,
      { method: init.method, headers, signal: init.signal, ...(publicOnly ? { lookup: publicOnlyLookup } : {}) },
      resolve,
    );
    request.on("error", (error: Error) => reject(init.signal.aborted ? abortError(init.signal) : error));
    request.end(body);
  });
}

/** Above this many characters a string body is encoded in one pass (see utf8). */
const ONE_PASS_CHARS = 4096;

/**
 * A string body as UTF-8. Buffer.from measures the string's UTF-8 length and then encodes it:
 * two passes, and both slow for a two-byte string, which a model request is as soon as one
 * character of it is past Latin-1 (an emoji anywhere in the conversation): 0.45 ms for 228K
 * characters, against 0.06 for the same in one byte. Written into room for a few multi-byte
 * characters it is one pass. The room is kept tight (room for three bytes a character tripled
 * the external memory V8 counts at every call, and with it the collector's work): when the
 * text does not fit, the write stops short of the room's end and it is encoded as before.
 */
function utf8(text: string): Buffer {
  if (text.length < ONE_PASS_CHARS) return Buffer.from(text);
  const room = Buffer.allocUnsafe(text.length + (text.length >> 4) + 4);
  const written = room.write(text);
  // A write that ran out of room ends within one character (four bytes) of the end.
  return written <= room.length - 4 ? room.subarray(0, written) : Buffer.from(text);
}

function toNetResponse(response: IncomingMessage, url: URL, redirected: boolean, method: string): NetResponse {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < response.rawHeaders.length; i += 2) {
    headers.push([(response.rawHeaders[i] as string).toLowerCase(), response.rawHeaders[i + 1] as string]);
  }
  const status = response.statusCode ?? 0;
  const empty = status === 204 || status === 304 || method === "HEAD";
  const encoding = String(response.headers["content-encoding"] ?? "").toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  const stream = decoder ? response.pipe(decoder) : response;
  if (decoder) response.on("error", (error) => decoder.destroy(error));
  if (empty) response.resume();
  const chunks = drain(stream);
  return {
    status,
    statusText: response.statusMessage ?? "",
    // The body arrives decoded, so its encoding and length no longer describe it.
    headers: decoder ? headers.filter(([name]) => name !== "content-encoding" && name !== "content-length") : headers,
    url: url.href,
    redirected,
    body: empty ? null : chunks,
    cancel: () => {
      response.destroy();
      decoder?.destroy();
    },
  };
}

/**
 * The body as chunks of everything that has arrived: each read takes all that is buffered, so a
 * stream of many small SSE writes crosses to the isolate in a few pieces, not one per write.
 */
async function* drain(stream: Readable): AsyncGenerator<Uint8Array> {
  while (true) {
    const data = stream.read() as Buffer | null;
    if (data !== null) {
      yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      continue;
    }
    if (stream.readableEnded || stream.destroyed) {
      if (stream.errored) throw stream.errored;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        stream.off("readable", onReadable);
        stream.off("end", onReadable);
        stream.off("close", onReadable);
        stream.off("error", onError);
        if (error) reject(error);
        else resolve();
      };
      const onReadable = () => settle();
      const onError = (error: Error) => settle(error);
      stream.on("readable", onReadable);
      stream.on("end", onReadable);
      stream.on("close", onReadable);
      stream.on("error", onError);
    });
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("The request was aborted.");
}
