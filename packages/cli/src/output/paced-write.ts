/** Bytes gathered into one write. */
const WRITE_BYTES = 1 << 20;

/**
 * Writes pieces one after another, gathered up to a mebibyte a write, each write waited for
 * before the next. Written all at once, a 50 MB answer sat whole in the stream's queue (as
 * Buffers, beside the string it came from) until the reader caught up. The pieces are encoded
 * into one buffer, reused once its write is done: a string handed to `write` becomes a fresh
 * Buffer each time, and fifty of them were garbage outside the heap that V8 collects late.
 * Stops early once `closed()` says the reader has gone.
 */
export async function writePaced(
  stream: NodeJS.WritableStream,
  pieces: Iterable<string>,
  closed: () => boolean,
): Promise<void> {
  let scratch = Buffer.allocUnsafe(0);
  let used = 0;
  const flush = async () => {
    const bytes = scratch.subarray(0, used);
    used = 0;
    if (bytes.length > 0 && !closed()) await written(stream, bytes);
  };
  for (const piece of pieces) {
    if (closed()) return;
    const size = Buffer.byteLength(piece);
    if (used + size > scratch.length) {
      await flush();
      if (size > scratch.length)
        scratch = Buffer.allocUnsafe(Math.max(size, Math.min(WRITE_BYTES, 2 * scratch.length), 64 * 1024));
    }
    used += scratch.write(piece, used);
    if (used >= WRITE_BYTES) await flush();
  }
  await flush();
}

/**
 * The stream is done with `bytes` (its write callback ran: the buffer may be reused), or never
 * will be: it closed or failed (its owner reports that).
 */
function written(stream: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("close", done);
    stream.on("error", done);
    stream.write(bytes, done);
  });
}
