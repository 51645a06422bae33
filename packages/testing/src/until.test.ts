import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scaledTimeout, testTimeoutScale, until, waitForEvent } from "./until.js";

afterEach(() => vi.unstubAllEnvs());

describe("until", () => {
  it("returns the first truthy value a check gives, sync or async", async () => {
    let calls = 0;
    expect(await until(() => ++calls >= 3 && `after ${calls}`, { intervalMs: 1 })).toBe("after 3");
    expect(await until(async () => ({ ready: true }))).toEqual({ ready: true });
  });

  it("treats a throwing check as not yet, and names the last error when time runs out", async () => {
    let calls = 0;
    const value = await until(
      () => {
        if (++calls < 3) throw new Error("not there");
        return calls;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
    await expect(
      until(
        () => {
          throw new Error("still missing");
        },
        { timeoutMs: 30, intervalMs: 5, message: "the file" },
      ),
    ).rejects.toThrow(/Timed out after \d+ ms waiting for the file; the last check threw: still missing/);
  });

  it("describes the state at the deadline when the message is a function", async () => {
    const seen: string[] = ["a"];
    await expect(until(() => false, { timeoutMs: 10, message: () => `"b" in ${seen.join(",")}` })).rejects.toThrow(
      'waiting for "b" in a',
    );
    expect(await until(() => 1, "a string is the message")).toBe(1);
  });

  it("scales deadlines by PINCER_TEST_TIMEOUT_SCALE, ignoring nonsense", () => {
    expect(testTimeoutScale({})).toBe(1);
    expect(testTimeoutScale({ PINCER_TEST_TIMEOUT_SCALE: "3" })).toBe(3);
    expect(testTimeoutScale({ PINCER_TEST_TIMEOUT_SCALE: "-2" })).toBe(1);
    expect(testTimeoutScale({ PINCER_TEST_TIMEOUT_SCALE: "fast" })).toBe(1);
    vi.stubEnv("PINCER_TEST_TIMEOUT_SCALE", "2.5");
    expect(scaledTimeout(1000)).toBe(2500);
  });
});

describe("waitForEvent", () => {
  it("resolves with the first event the filter accepts, from an EventEmitter or an EventTarget", async () => {
    const emitter = new EventEmitter();
    const line = waitForEvent<string>(emitter, "line", (text) => text.startsWith("ready"));
    emitter.emit("line", "booting");
    emitter.emit("line", "ready on 8080");
    expect(await line).toBe("ready on 8080");
    expect(emitter.listenerCount("line")).toBe(0);

    const target = new EventTarget();
    const event = waitForEvent<Event>(target, "done");
    target.dispatchEvent(new Event("done"));
    expect((await event).type).toBe("done");
  });

  it("fails at once on the failOn event, and after the deadline otherwise", async () => {
    const emitter = new EventEmitter();
    const ready = waitForEvent(emitter, "ready", { failOn: "exit", message: "the server to listen" });
    emitter.emit("exit", 1);
    await expect(ready).rejects.toThrow('"exit" came before the server to listen: 1');
    expect(emitter.listenerCount("exit")).toBe(0);
    await expect(waitForEvent(emitter, "never", { timeoutMs: 10 })).rejects.toThrow(/Timed out after \d+ ms/);
  });
});
