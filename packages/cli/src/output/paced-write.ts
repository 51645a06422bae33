/**
 * Writes pieces one after another, waiting whenever the stream's buffer is full. Written all at
 * once, a 50 MB answer sat whole in the stream's queue (as Buffers, beside the string it came
 * from) until the reader caught up. Stops early once `closed()` says the reader has gone.
 */
export async function writePaced(
  stream: NodeJS.WritableStream,
  pieces: Iterable<string>,
  closed: () => boolean,
): Promise<void> {
  for (const piece of pieces) {
    if (closed()) return;
    if (!stream.write(piece)) await drained(stream);
  }
}

/** The stream has room again, or will never have: it closed or failed (its owner reports that). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}
