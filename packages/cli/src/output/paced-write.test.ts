import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { writePaced } from "./paced-write.js";

const MiB = 1 << 20;

/**
 * A reader that takes one chunk per turn of the event loop, as a slow pipe does, and reads the
 * chunk's bytes only then: a writer that reused a buffer before its write was done would show here.
 */
function slowReader(highWaterMark: number) {
  const got: string[] = [];
  let mostQueued = 0;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      setImmediate(() => {
        got.push(chunk.toString());
        done();
      });
    },
  });
  const write = stream.write.bind(stream);
  stream.write = ((...args: Parameters<typeof stream.write>) => {
    const room = write(...args);
    mostQueued = Math.max(mostQueued, stream.writableLength);
    return room;
  }) as typeof stream.write;
  return { stream, got, mostQueued: () => mostQueued };
}

describe("writePaced", () => {
  it("has at most one write of about a mebibyte queued, and writes every piece in order", async () => {
    const reader = slowReader(4096);
    const pieces = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(4, "0")}${"é".repeat(510)}`);
    await writePaced(reader.stream, pieces, () => false);
    expect(reader.got.join("")).toBe(pieces.join(""));
    // Written at once, all 3 MB would have sat in the queue.
    expect(reader.mostQueued()).toBeLessThanOrEqual(MiB + 1024);
    expect(reader.got.length).toBeGreaterThanOrEqual(3);
  });

  it("writes a piece larger than its buffer whole", async () => {
    const reader = slowReader(16);
    const pieces = ["head ", "x".repeat(3 * MiB), " tail\n"];
    await writePaced(reader.stream, pieces, () => false);
    expect(reader.got.join("")).toBe(pieces.join(""));
  });

  it("stops once the reader has gone, and does not wait for a drain that never comes", async () => {
    const reader = slowReader(16);
    let closed = false;
    reader.stream.destroy();
    closed = true;
    await writePaced(reader.stream, ["a", "b"], () => closed);
    expect(reader.got).toEqual([]);
  });

  it("ends its wait when the stream closes while a write is pending", async () => {
    const stream = new Writable({ highWaterMark: 1, write: () => {} });
    const done = writePaced(stream, ["more than one byte", "x".repeat(2 * MiB)], () => stream.destroyed);
    stream.destroy();
    await done;
    expect(stream.destroyed).toBe(true);
  });
});
