/**
 * The most one push hands over: a network read's worth, well under V8's large-object size
 * (128 KiB). A larger chunk, and the string decoded from it, are each a large object, which V8
 * promotes whole when it survives a scavenge, and a 50 MB answer's stream of them made the host's
 * young generation grow to its largest (32 MiB committed, against 16 with pushes below the line;
 * bench/large-response.js).
 */
export const MAX_PUSH_BYTES = 64 * 1024;

/**
 * Reads a response body ahead of the isolate, up to a high-water mark, so that each push into it
 * (response-bodies.ts) takes everything that arrived since the last one, up to MAX_PUSH_BYTES. A
 * server-sent event stream arrives as one small network chunk per event; handing them over one
 * crossing each was most of what a sandboxed provider cost over the bare SDK. The mark keeps a
 * large download from piling up in host memory while the plugin is slow to read: the pump waits
 * until it is drained.
 */
export class BodyPump {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private failure: unknown;
  private pumping = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly highWaterBytes = 64 * 1024,
    private readonly maxPushBytes = MAX_PUSH_BYTES,
  ) {
    void this.pump();
  }

  /**
   * Everything buffered, as one chunk; waits for the next one when none is; null at the end.
   * Bytes that have just arrived are taken one turn of the event loop later, once the reads in
   * hand have run: what came with them goes too, and so does the end of a body that ends with
   * them (the socket's last read and the stream's end come a tick apart), which `done` then says.
   */
  async read(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return null;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      if (!this.ended) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return this.takeBuffered();
  }

  /** Whether the body has ended well and everything it brought has been taken: nothing more will come. */
  get done(): boolean {
    return this.ended && this.failure === undefined && this.chunks.length === 0;
  }

  /** What has arrived so far, up to the push limit, as one chunk, without waiting (null when nothing has). */
  takeBuffered(): Uint8Array | null {
    if (this.chunks.length === 0) return null;
    let out: Uint8Array;
    if (this.buffered <= this.maxPushBytes) {
      out = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.buffered);
      this.chunks = [];
    } else out = this.takeUpTo(this.maxPushBytes);
    this.buffered -= out.byteLength;
    if (!this.ended) void this.pump();
    return out;
  }

  /** The first `limit` bytes buffered: whole chunks, or the first one split where it crosses the limit. */
  private takeUpTo(limit: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength >= limit) {
      // Copies, not views: isolated-vm copies a view's whole buffer into the isolate.
      this.chunks[0] = first.slice(limit);
      return first.slice(0, limit);
    }
    let count = 0;
    let size = 0;
    while (count < this.chunks.length && size + this.chunks[count]!.byteLength <= limit)
      size += this.chunks[count++]!.byteLength;
    const taken = this.chunks.splice(0, count);
    return taken.length === 1 ? taken[0]! : concat(taken, size);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.ended && this.buffered < this.highWaterBytes) {
        const { done, value } = await this.source.next();
        if (done) {
          this.ended = true;
        } else if (value.length > 0) {
          this.chunks.push(value);
          this.buffered += value.length;
        }
        this.wake();
      }
    } catch (error) {
      // The bytes that arrived before the failure are still read first; the error comes after.
      this.failure = error ?? new Error("the response body failed");
      this.ended = true;
      this.wake();
    } finally {
      this.pumping = false;
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
