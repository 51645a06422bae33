import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writePaced } from "./paced-write.js";

/** A reader that takes one piece per turn of the event loop, as a slow pipe does. */
function slowReader(highWaterMark: number) {
  const got: string[] = [];
  let mostQueued = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      got.push(chunk.toString());
      setImmediate(done);
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string) => {
    const room = write(chunk);
    mostQueued = Math.max(mostQueued, stream.writableLength);
    return room;
  }) as typeof stream.write;
  return { stream, got, mostQueued: () => mostQueued };
}

describe("writePaced", () => {
  it("never queues more than the stream's buffer plus one piece, and writes every piece in order", async () => {
    const reader = slowReader(4096);
    const pieces = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(4, "0")}${"x".repeat(1020)}`);
    await writePaced(reader.stream, pieces, () => false);
    expect(reader.got.join("")).toBe(pieces.join(""));
    // Written at once, all 200 KB would have sat in the queue.
    expect(reader.mostQueued()).toBeLessThanOrEqual(4096 + 1024);
  });

  it("stops once the reader has gone, and does not wait for a drain that never comes", async () => {
    const reader = slowReader(16);
    let closed = false;
    reader.stream.destroy();
    closed = true;
    await writePaced(reader.stream, ["a", "b"], () => closed);
    expect(reader.got).toEqual([]);
  });

  it("ends its wait when the stream closes while full", async () => {
    const stream = new Writable({ highWaterMark: 1, write: () => {} });
    const done = writePaced(stream, ["more than one byte", "never written"], () => stream.destroyed);
    stream.destroy();
    await done;
    expect(stream.destroyed).toBe(true);
  });
});
