import { until } from "@pincer/testing/until";
import { describe, expect, it } from "vitest";
import type { NetResponse } from "../net-request.js";
import { MAX_PUSH_BYTES } from "./body-pump.js";
import { type BodyChunk, ResponseBodies } from "./response-bodies.js";

const MiB = 1024 * 1024;
/** What a body may have unread in the isolate (response-bodies.ts), and what its pump reads ahead. */
const WINDOW = 64 * 1024;

/** A response whose body yields `count` chunks of `size` bytes, as fast as they are asked for. */
function response(count: number, size: number, options: { type?: string; failAfter?: number } = {}) {
  let cancelled = false;
  let produced = 0;
  const body: AsyncIterator<Uint8Array> = {
    async next() {
      if (cancelled || produced === count) return { done: true, value: undefined };
      if (options.failAfter !== undefined && produced === options.failAfter) throw new Error("connection reset");
      produced++;
      return { done: false, value: new Uint8Array(size).fill(0x61) };
    },
  };
  const net: NetResponse = {
    status: 200,
    statusText: "OK",
    headers: [["content-type", options.type ?? "application/octet-stream"]],
    url: "http://127.0.0.1/",
    redirected: false,
    body,
    cancel: () => {
      cancelled = true;
    },
  };
  return { net, body, produced: () => produced, cancelled: () => cancelled };
}

/** A text body whose chunks come at once and whose end comes when `beforeEnd` settles. */
function tickedSource(texts: string[], beforeEnd: () => Promise<unknown>) {
  const queue = texts.map((text) => new TextEncoder().encode(text));
  const body: AsyncIterator<Uint8Array> = {
    async next() {
      const value = queue.shift();
      if (value) return { done: false, value };
      await beforeEnd();
      return { done: true, value: undefined };
    },
  };
  const net: NetResponse = {
    status: 200,
    statusText: "OK",
    headers: [["content-type", "text/event-stream"]],
    url: "http://127.0.0.1/",
    redirected: false,
    body,
    cancel: () => {},
  };
  return { net, body };
}

function collector() {
  const chunks: Array<BodyChunk | null> = [];
  const ids: number[] = [];
  let error: string | undefined;
  return {
    chunks,
    /** How many chunks (the end included) one body has pushed. */
    countOf: (bodyId: number) => ids.filter((id) => id === bodyId).length,
    error: () => error,
    bytes: () => chunks.reduce((sum, chunk) => sum + (chunk?.bytes.byteLength ?? 0), 0),
    /** Whether the body's end has been pushed: after its last bytes, or with them. */
    ended: () => chunks.length > 0 && (chunks.at(-1) === null || chunks.at(-1)?.last === true),
    sink: (bodyId: number, chunk: BodyChunk | null, failure?: string) => {
      chunks.push(chunk);
      ids.push(bodyId);
      if (failure !== undefined) error = failure;
    },
  };
}

/** Only before checking that nothing more happens: what must happen is waited for with until(). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("response bodies pushed into the isolate", () => {
  it("pushes a body to its end without being asked, then says it ended", async () => {
    const seen = collector();
    const source = response(3, 1000);
    new ResponseBodies(seen.sink).add(source.net, source.body);
    await until(() => seen.ended(), "the body's end");
    expect(seen.bytes()).toBe(3000);
    expect(seen.error()).toBeUndefined();
    // Nothing after the end; only the last push says it is the last.
    expect(seen.chunks.slice(0, -1).every((chunk) => chunk !== null && chunk.last === undefined)).toBe(true);
  });

  it("stops a window (64 KiB) ahead of a reader that takes nothing, and goes on as it takes", async () => {
    const seen = collector();
    const source = response(256, 64 * 1024);
    const bodies = new ResponseBodies(seen.sink);
    const bodyId = bodies.add(source.net, source.body);
    await until(() => seen.bytes() >= WINDOW, "the first window");
    await settle();
    // The window (64 KiB unread, the last push may cross it) plus what the pump behind it reads
    // ahead (64 KiB and the chunk that crosses it), not 16 MiB.
    expect(seen.bytes()).toBeGreaterThanOrEqual(WINDOW);
    expect(seen.bytes()).toBeLessThan(WINDOW + MAX_PUSH_BYTES);
    expect(source.produced() * 64 * 1024).toBeLessThanOrEqual(WINDOW + MAX_PUSH_BYTES + WINDOW + 64 * 1024);
    const before = seen.bytes();
    // Figures that are not counts of bytes change nothing.
    bodies.taken(bodyId, Number.NaN);
    bodies.taken(bodyId, -MiB);
    await settle();
    expect(seen.bytes()).toBe(before);
    bodies.taken(bodyId, before);
    await until(() => seen.bytes() > before, "more bytes once the reader took some");
    await until(() => {
      if (seen.ended()) return true;
      bodies.taken(bodyId, WINDOW);
      return false;
    }, "the whole body, taken a window at a time");
    expect(seen.bytes()).toBe(256 * 64 * 1024);
    // Each push stays under V8's large-object size (body-pump.ts).
    for (const chunk of seen.chunks) expect(chunk?.bytes.byteLength ?? 0).toBeLessThanOrEqual(MAX_PUSH_BYTES);
  });

  it("sends a body's end with its last bytes when it ends with them, and after them when it ends later", async () => {
    // As a socket's body does: the last bytes, then the stream's end a tick later.
    const endsWith = collector();
    const quick = tickedSource(["data: a\n\n", "data: [DONE]\n\n"], () => new Promise((r) => process.nextTick(r)));
    new ResponseBodies(endsWith.sink).add(quick.net, quick.body);
    await until(() => endsWith.ended(), "the quick body's end");
    expect(endsWith.chunks).toHaveLength(1);
    expect(endsWith.chunks[0]?.last).toBe(true);
    expect(endsWith.chunks[0]?.text).toBe("data: a\n\ndata: [DONE]\n\n");
    // An end that comes a while after the bytes: they go at once, not held for it.
    let release: (() => void) | undefined;
    const later = collector();
    const slow = tickedSource(["data: a\n\n"], () => new Promise<void>((r) => (release = r)));
    new ResponseBodies(later.sink).add(slow.net, slow.body);
    await until(() => later.chunks.length === 1 && release !== undefined, "the bytes before the end");
    expect(later.chunks[0]?.last).toBeUndefined();
    release?.();
    await until(() => later.chunks.length === 2, "the end");
    expect(later.chunks[1]).toBeNull();
  });

  it("sends text bodies' whole UTF-8 chunks decoded too, and binary ones as bytes only", async () => {
    const text = collector();
    const textSource = response(1, 8, { type: "text/event-stream" });
    new ResponseBodies(text.sink).add(textSource.net, textSource.body);
    const binary = collector();
    const binarySource = response(1, 8);
    new ResponseBodies(binary.sink).add(binarySource.net, binarySource.body);
    await until(() => text.chunks.length > 0 && binary.chunks.length > 0, "both first chunks");
    expect(text.chunks[0]?.text).toBe("aaaaaaaa");
    expect(binary.chunks[0]?.text).toBeUndefined();
  });

  it("ends a body that fails mid-way with its error, after the bytes that came first", async () => {
    const seen = collector();
    const source = response(10, 100, { failAfter: 2 });
    new ResponseBodies(seen.sink).add(source.net, source.body);
    await until(() => seen.chunks.at(-1) === null, "the body's end");
    expect(seen.bytes()).toBe(200);
    // The bytes before a failure are never the body's last: its end is the failure.
    expect(seen.chunks.some((chunk) => chunk?.last)).toBe(false);
    expect(seen.chunks.at(-1)).toBeNull();
    expect(seen.error()).toBe("connection reset");
  });

  it("cancels: the connection is closed and nothing more is pushed, and close() cancels them all", async () => {
    const seen = collector();
    const first = response(64, 256 * 1024);
    const second = response(64, 256 * 1024);
    const bodies = new ResponseBodies(seen.sink);
    const firstId = bodies.add(first.net, first.body);
    bodies.add(second.net, second.body);
    await until(() => first.produced() > 0 && second.produced() > 0, "both bodies to start");
    bodies.cancel(firstId);
    const after = seen.countOf(firstId);
    bodies.taken(firstId, 10 * MiB);
    await settle();
    expect(first.cancelled()).toBe(true);
    expect(second.cancelled()).toBe(false);
    expect(seen.countOf(firstId)).toBe(after);
    bodies.close();
    expect(second.cancelled()).toBe(true);
  });
});
