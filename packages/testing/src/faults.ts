import type { ServerResponse } from "node:http";

/**
 * Faults the loopback servers play on demand, in any script, next to the protocol's own steps
 * (`httpError` with `retry-after` headers, `disconnect` mid-stream, `hang`, `delayMs`):
 *
 * - `gate`: wait for a promise before going on (a test holds a reply open, then lets it finish);
 * - `html`: a proxy's page instead of the API — `200 text/html` (or the status given);
 * - `malformed`: an event whose data is not JSON, then the end of the body;
 * - `trickle`: text a few characters at a time, `everyMs` apart (a slow but healthy stream);
 * - `huge`: a text answer of `bytes` bytes, sent as fast as the client reads;
 * - `endEarly`: the body ends cleanly before the reply is finished (no finish reason, no stop
 *   event): what a proxy that cuts a stream at a byte limit sends.
 */
export type FaultStep =
  | { gate: Promise<unknown> }
  | { html: { status?: number; body?: string } }
  | { malformed: true }
  | { trickle: { text: string; everyMs: number; pieceChars?: number } }
  | { huge: { bytes: number; pieceBytes?: number } }
  | { endEarly: true };

/** What a server lets the faults do on its wire. */
export interface FaultTarget {
  res: ServerResponse;
  /** Whether the 200 and the stream's first event were sent. */
  started(): boolean;
  /** Starts a text part (a content block, an output item); a no-op where text needs none. */
  beginText(): void;
  /** One text delta in the protocol's framing; false when the socket's buffer is full. */
  textDelta(text: string): boolean;
  endText(): void;
  /** An event whose data is `data` verbatim (not JSON-encoded), in the protocol's framing. */
  rawEvent(data: string): void;
}

export const PROXY_PAGE =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>" +
  "<p>The proxy server received an invalid response from an upstream server.</p></body></html>";

export function isFaultStep(step: object): step is FaultStep {
  return ["gate", "html", "malformed", "trickle", "huge", "endEarly"].some((key) => key in step);
}

/**
 * Plays one fault step. "next": go on with the script; "end": the reply is over (the body was
 * ended or abandoned), play nothing more.
 */
export async function playFault(step: FaultStep, target: FaultTarget): Promise<"next" | "end"> {
  const { res } = target;
  if ("gate" in step) {
    await step.gate;
    return "next";
  }
  if ("html" in step) {
    if (target.started()) {
      res.destroy();
      return "end";
    }
    const body = step.html.body ?? PROXY_PAGE;
    res.writeHead(step.html.status ?? 200, { "content-type": "text/html; charset=utf-8" });
    res.end(body);
    return "end";
  }
  if ("malformed" in step) {
    target.rawEvent('{"this is": not JSON');
    res.end();
    return "end";
  }
  if ("endEarly" in step) {
    res.end();
    return "end";
  }
  if ("trickle" in step) {
    const { text, everyMs } = step.trickle;
    const size = step.trickle.pieceChars ?? 2;
    target.beginText();
    for (let at = 0; at < text.length; at += size) {
      if (res.destroyed) return "end";
      target.textDelta(text.slice(at, at + size));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    target.endText();
    return "next";
  }
  const piece = step.huge.pieceBytes ?? 64 * 1024;
  const unit = "All work and no play makes a long answer. ";
  const chunk = unit.repeat(Math.ceil(piece / unit.length)).slice(0, piece);
  target.beginText();
  for (let sent = 0; sent < step.huge.bytes; sent += piece) {
    if (res.destroyed) return "end";
    const text = step.huge.bytes - sent < piece ? chunk.slice(0, step.huge.bytes - sent) : chunk;
    // The client's pace: a full socket buffer waits for it to drain, so the server holds little.
    if (!target.textDelta(text)) await new Promise((resolve) => res.once("drain", resolve));
  }
  target.endText();
  return "next";
}

/** The text a `huge` step sends, for tests that check an answer arrived whole. */
export function hugeText(bytes: number, pieceBytes = 64 * 1024): string {
  const unit = "All work and no play makes a long answer. ";
  const chunk = unit.repeat(Math.ceil(pieceBytes / unit.length)).slice(0, pieceBytes);
  let out = "";
  for (let sent = 0; sent < bytes; sent += pieceBytes)
    out += bytes - sent < pieceBytes ? chunk.slice(0, bytes - sent) : chunk;
  return out;
}
