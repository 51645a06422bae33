/**
 * Checks every streaming provider makes on what came back, so that nothing but a whole answer is
 * ever reported as one: the response must be an event stream, a stream must end with the
 * reply's end, and a stream cut by the network is worth another try.
 */

type ErrorEvent = { type: "error"; message: string; retryable: boolean; status?: number };

const SNIPPET_BYTES = 300;

/**
 * The error for a response that succeeded but is not the event stream asked for — a proxy's or
 * a login page's HTML, a JSON body from a server that ignores `stream` — naming its content type
 * and the start of its body; undefined when it is an event stream. Reads at most a few hundred
 * bytes of a wrong body, then cancels it.
 */
export async function notAnEventStream(response: Response, providerId: string): Promise<ErrorEvent | undefined> {
  const type = response.headers.get("content-type") ?? "";
  if (/^\s*text\/event-stream\b/i.test(type)) return undefined;
  const snippet = await bodySnippet(response);
  return {
    type: "error",
    message:
      `${providerId}: the server answered ${response.status} with ${type ? `content type ${type}` : "no content type"}, ` +
      `not an event stream${snippet ? `: "${snippet}"` : ""}. Check the base URL: something other than the API ` +
      "(a proxy, a login page) answered.",
    retryable: false,
    status: response.status,
  };
}

/** The error for a stream that ended before the reply did (no finish reason, no stop event). */
export function endedEarly(providerId: string, what: string): ErrorEvent {
  return {
    type: "error",
    message: `${providerId}: the stream ended before the reply was finished (${what}); the connection was cut.`,
    retryable: true,
  };
}

/**
 * Whether an error that broke a stream is the network's (a reset, a cut body, a closed socket):
 * transient, so worth another attempt. The sandbox reports a body cut mid-way as "reading the
 * response failed: … aborted"; undici as "terminated"; Node as ECONNRESET or "socket hang up".
 */
export function isTransientStreamError(message: string): boolean {
  return /terminated|reset|socket|ECONN|EPIPE|ETIMEDOUT|premature|other side closed|reading the response failed|\baborted\b/i.test(
    message,
  );
}

async function bodySnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // What arrived is enough to show.
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const text = new TextDecoder().decode(bytes.subarray(0, SNIPPET_BYTES));
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}
