/**
 * Reads a response body ahead of the isolate, up to a high-water mark, so that each push into it
 * (response-bodies.ts) takes everything that arrived since the last one. A server-sent event
 * stream arrives as one small network chunk per event; handing them over one crossing each was
 * most of what a sandboxed provider cost over the bare SDK. The mark keeps a large download from
 * piling up in host memory while the plugin is slow to read: the pump waits until it is drained.
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
    private readonly highWaterBytes = 256 * 1024,
  ) {
    void this.pump();
  }

  /** Everything buffered, as one chunk; waits for the next one when none is; null at the end. */
  async read(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return null;
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.takeBuffered();
  }

  /** What has arrived so far, as one chunk, without waiting (null when nothing has). */
  takeBuffered(): Uint8Array | null {
    if (this.chunks.length === 0) return null;
    const out = this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    if (!this.ended) void this.pump();
    return out;
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
