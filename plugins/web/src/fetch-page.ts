/** A page as fetched: where it ended up, its type, and its text (or why there is none). */
export type Fetched =
  | { kind: "page"; url: string; status: number; contentType: string; text: string; truncatedBytes: number }
  | { kind: "redirect"; from: string; to: string; status: number }
  | { kind: "binary"; url: string; contentType: string; bytes: number }
  | { kind: "http-error"; url: string; status: number; statusText: string; text: string };

export interface FetchLimits {
  /** Bytes of body read at most; the rest is not downloaded. */
  maxBytes: number;
  /** Whole request, redirects included. */
  timeoutMs: number;
  /** Redirects followed on the same host. */
  maxRedirects: number;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|xhtml\+xml|javascript|ld\+json|rss\+xml|atom\+xml)|image\/svg\+xml)/i;

/**
 * GETs a URL and follows redirects only within its host (`example.com` ⇄ `www.example.com`
 * counts as one): a redirect elsewhere is handed back, so the next host goes through its own
 * permission question. The body is read up to `maxBytes` and decoded (UTF-8, or Latin-1 when the
 * server says so). The net capability checks every host the request reaches.
 */
export async function fetchPage(start: URL, limits: FetchLimits, signal: AbortSignal): Promise<Fetched> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let url = start;
  for (let hop = 0; ; hop++) {
    let response: Response;
    try {
      response = await fetch(url.href, {
        redirect: "manual",
        signal: both,
        headers: {
          accept: "text/html,application/xhtml+xml,text/markdown,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.5",
          "user-agent": "Mozilla/5.0 (compatible; Pincer web_fetch)",
        },
      });
    } catch (error) {
      if (timeout.aborted) throw new Error(`${url.href} did not answer within ${limits.timeoutMs / 1000} s.`);
      throw error;
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      const downgrade = url.protocol === "https:" && next.protocol !== "https:";
      if (!sameSite(url, next) || downgrade) {
        return { kind: "redirect", from: url.href, to: next.href, status: response.status };
      }
      if (hop >= limits.maxRedirects)
        throw new Error(`${start.href} redirected more than ${limits.maxRedirects} times.`);
      url = next;
      continue;
    }
    const contentType = (response.headers.get("content-type") ?? "").toLowerCase();
    const { bytes, truncatedBytes } = await readCapped(response, limits.maxBytes);
    if (!response.ok) {
      return {
        kind: "http-error",
        url: url.href,
        status: response.status,
        statusText: response.statusText,
        text: decode(bytes, contentType).slice(0, 2000),
      };
    }
    if (contentType && !TEXT_TYPES.test(contentType)) {
      return { kind: "binary", url: url.href, contentType, bytes: bytes.length + truncatedBytes };
    }
    return {
      kind: "page",
      url: url.href,
      status: response.status,
      contentType,
      text: decode(bytes, contentType),
      truncatedBytes,
    };
  }
}

/** One site: the same host, or the same host with or without `www.`. */
function sameSite(a: URL, b: URL): boolean {
  const bare = (host: string) => host.toLowerCase().replace(/^www\./, "");
  return bare(a.hostname) === bare(b.hostname) && a.port === b.port;
}

/** The body up to `max` bytes; the rest is left on the wire (the request is cancelled). */
async function readCapped(response: Response, max: number): Promise<{ bytes: Uint8Array; truncatedBytes: number }> {
  if (!response.body) return { bytes: new Uint8Array(0), truncatedBytes: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncatedBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > max) {
      chunks.push(value.subarray(0, max - size));
      truncatedBytes = size + value.length - max;
      size = max;
      await reader.cancel();
      const declared = Number(response.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > max) truncatedBytes = declared - max;
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, truncatedBytes };
}

/** UTF-8 unless the server names a Latin-1 family charset (the sandbox decodes UTF-8 only). */
function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/.exec(contentType)?.[1]?.toLowerCase();
  if (charset && ["iso-8859-1", "latin1", "windows-1252", "us-ascii", "ascii"].includes(charset)) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return text;
  }
  return new TextDecoder().decode(bytes);
}
