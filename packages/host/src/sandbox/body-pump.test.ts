import { describe, expect, it } from "vitest";
import { BodyPump } from "./body-pump.js";

/** A body whose chunks arrive when the test says so. */
function controlledSource() {
  const queued: Array<IteratorResult<Uint8Array> | Error> = [];
  let waiting: ((value: IteratorResult<Uint8Array> | Error) => void) | undefined;
  let pulls = 0;
  const push = (item: IteratorResult<Uint8Array> | Error) => {
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve(item);
    } else queued.push(item);
  };
  const source: AsyncIterator<Uint8Array> = {
    async next() {
      pulls++;
      const item = queued.shift() ?? (await new Promise<IteratorResult<Uint8Array> | Error>((r) => (waiting = r)));
      if (item instanceof Error) throw item;
      return item;
    },
  };
  return {
    source,
    chunk: (text: string) => push({ done: false, value: new TextEncoder().encode(text) }),
    end: () => push({ done: true, value: undefined }),
    fail: (message: string) => push(new Error(message)),
    pulls: () => pulls,
  };
}

const text = (bytes: Uint8Array | null) => (bytes ? new TextDecoder().decode(bytes) : null);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("BodyPump", () => {
  it("hands over everything that arrived since the last read as one chunk", async () => {
    const body = controlledSource();
    const pump = new BodyPump(body.source);
    for (const event of ["data: a\n\n", "data: b\n\n", "data: c\n\n"]) body.chunk(event);
    await tick();
    expect(text(await pump.read())).toBe("data: a\n\ndata: b\n\ndata: c\n\n");
    body.chunk("data: d\n\n");
    body.end();
    expect(text(await pump.read())).toBe("data: d\n\n");
    expect(await pump.read()).toBeNull();
  });

  it("waits for the next chunk when nothing is buffered", async () => {
    const body = controlledSource();
    const pump = new BodyPump(body.source);
    const pending = pump.read();
    await tick();
    body.chunk("late");
    expect(text(await pending)).toBe("late");
  });

  it("stops reading ahead at the high-water mark until the plugin drains it", async () => {
    const body = controlledSource();
    const pump = new BodyPump(body.source, 8);
    for (let i = 0; i < 6; i++) body.chunk("abcd");
    await tick();
    // Two 4-byte chunks reach the mark: the rest stays in the network, not in host memory.
    expect(body.pulls()).toBe(2);
    expect(text(await pump.read())).toBe("abcdabcd");
    await tick();
    expect(body.pulls()).toBe(4);
  });

  it("hands over at most the push limit at a time, splitting a chunk that crosses it, in order", async () => {
    const body = controlledSource();
    const pump = new BodyPump(body.source, 64, 10);
    for (const piece of ["abcd", "efgh", "ijkl", "mnopqrstuvwxyz0123"]) body.chunk(piece);
    body.end();
    await tick();
    const pushes: string[] = [];
    for (let bytes = await pump.read(); bytes; bytes = await pump.read()) {
      expect(bytes.byteLength).toBeLessThanOrEqual(10);
      // A push is its own buffer: isolated-vm would copy the whole buffer behind a view.
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
      pushes.push(text(bytes)!);
    }
    expect(pushes).toEqual(["abcdefgh", "ijkl", "mnopqrstuv", "wxyz0123"]);
  });

  it("delivers the bytes that came before a failure, then the failure", async () => {
    const body = controlledSource();
    const pump = new BodyPump(body.source);
    body.chunk("partial");
    body.fail("socket hang up");
    await tick();
    expect(text(await pump.read())).toBe("partial");
    await expect(pump.read()).rejects.toThrow("socket hang up");
  });
});
