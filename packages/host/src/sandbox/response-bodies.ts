import { isUtf8 } from "node:buffer";
import type { NetResponse } from "../net-request.js";
import { BodyPump } from "./body-pump.js";

/** A piece of a response body as the isolate receives it. */
export interface BodyChunk {
  bytes: Uint8Array;
  /** The same bytes decoded, when the body is text and the chunk whole, valid UTF-8. */
  text?: string;
  /**
   * The body's last bytes: it ended with them, so its end crosses with them rather than after
   * them, and the reader, finding it closed, neither cancels it nor acknowledges what it takes.
   */
  last?: true;
}

/** Where a body's chunks go: the isolate's stream for it (null chunk, or one marked last: the end; error: it failed). */
export type BodySink = (bodyId: number, chunk: BodyChunk | null, error?: string) => void;

/**
 * Bytes a body may have sent into the isolate that its reader has not taken yet: one push (the
 * pump reads as much ahead, body-pump.ts). Each push is a string and bytes in the host and copies
 * of both in the isolate, all garbage once read. With more in flight, a 50 MB answer streamed
 * through left more of it at the peak: ~30 MiB more at a mebibyte, and at 128 KiB the isolate's
 * thread still held 16–38 MiB of freed memory against 12–15 at 64 KiB (bench/large-response.js).
 */
const WINDOW_BYTES = 64 * 1024;

interface OpenBody {
  response: NetResponse;
  pump: BodyPump;
  text: boolean;
  unread: number;
  resume?: () => void;
}

/**
 * The response bodies of one isolate's fetches, pushed into it as they arrive. A pulled body
 * waited for the isolate to ask, and the isolate's request came in only after the host had read
 * a whole burst (every socket read in hand is handled before its message); pushed, the first
 * bytes reach the plugin at once and it works on them while the host reads the rest. The reader
 * acknowledges what it takes, so a slow plugin holds back the push, and the pump behind it.
 */
export class ResponseBodies {
  private readonly open = new Map<number, OpenBody>();
  private next = 0;

  constructor(private readonly sink: BodySink) {}

  /** Starts pushing a response's body; its id for the isolate. */
  add(response: NetResponse, source: AsyncIterator<Uint8Array>): number {
    const bodyId = ++this.next;
    const body: OpenBody = {
      response,
      pump: new BodyPump(source),
      text: isTextual(response.headers),
      unread: 0,
    };
    this.open.set(bodyId, body);
    void this.push(bodyId, body);
    return bodyId;
  }

  /** The isolate's reader took `bytes` of a body: room for more. */
  taken(bodyId: number, bytes: number): void {
    const body = this.open.get(bodyId);
    // Only the plugin's own heap is at stake if it lies (the host holds no more than its pump),
    // but a figure that is not a count of bytes is ignored rather than trusted.
    if (!body || !Number.isFinite(bytes) || bytes < 0) return;
    body.unread = Math.max(0, body.unread - bytes);
    this.wake(body);
  }

  /** The plugin stopped reading: the connection is closed. */
  cancel(bodyId: number): void {
    const body = this.open.get(bodyId);
    if (!body) return;
    this.open.delete(bodyId);
    body.response.cancel();
    this.wake(body);
  }

  close(): void {
    for (const bodyId of [...this.open.keys()]) this.cancel(bodyId);
  }

  private async push(bodyId: number, body: OpenBody): Promise<void> {
    const current = () => this.open.get(bodyId) === body;
    try {
      while (current()) {
        if (body.unread >= WINDOW_BYTES) {
          await new Promise<void>((resolve) => {
            body.resume = resolve;
          });
          continue;
        }
        const bytes = await body.pump.read();
        if (!current()) return;
        if (!bytes) {
          this.open.delete(bodyId);
          this.sink(bodyId, null);
          return;
        }
        body.unread += bytes.byteLength;
        const last = body.pump.done;
        if (last) this.open.delete(bodyId);
        this.sink(bodyId, crossing(body, bytes, last));
        if (last) return;
      }
    } catch (error) {
      if (!current()) return;
      this.open.delete(bodyId);
      this.sink(bodyId, null, (error as Error).message ?? String(error));
    }
  }

  private wake(body: OpenBody): void {
    const resume = body.resume;
    body.resume = undefined;
    resume?.();
  }
}

/**
 * A chunk as it crosses: a text body's whole-UTF-8 chunk goes decoded as well, since the isolate
 * has no native decoder and an SDK decodes every chunk of a server-sent event stream.
 */
function crossing(body: OpenBody, bytes: Uint8Array, last: boolean): BodyChunk {
  const chunk: BodyChunk = { bytes };
  if (body.text && isUtf8(bytes))
    chunk.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (last) chunk.last = true;
  return chunk;
}

/** Text, JSON, XML, JavaScript and server-sent events: what a plugin will decode. */
function isTextual(headers: Array<[string, string]>): boolean {
  const type = headers.find(([name]) => name === "content-type")?.[1].toLowerCase() ?? "";
  return /^text\/|[/+]json\b|[/+]xml\b|javascript|event-stream|ndjson/.test(type);
}
