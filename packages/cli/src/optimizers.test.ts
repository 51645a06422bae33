import { cachedDataVersionTag } from "node:v8";
import { afterEach, describe, expect, it } from "vitest";
import { optimizersOff, setOptimizers, withNodeFlags } from "./optimizers.js";

// V8's cachedDataVersionTag() hashes its version and flags: the stamp a code cache must match.
describe("setOptimizers", () => {
  const nodeGetBuiltinModule = process.getBuiltinModule;
  const nodeTag = cachedDataVersionTag();
  afterEach(() => setOptimizers(true));

  it("turns the optimizers off and on again, with Node's own flags and getBuiltinModule back", () => {
    setOptimizers(false);
    expect(optimizersOff()).toBe(true);
    expect(cachedDataVersionTag()).not.toBe(nodeTag);
    setOptimizers(true);
    expect(optimizersOff()).toBe(false);
    expect(cachedDataVersionTag()).toBe(nodeTag);
    expect(process.getBuiltinModule).toBe(nodeGetBuiltinModule);
  });

  it("runs work under Node's flags while they are off, and leaves them off", () => {
    setOptimizers(false);
    const offTag = cachedDataVersionTag();
    expect(withNodeFlags(() => cachedDataVersionTag())).toBe(nodeTag);
    expect(cachedDataVersionTag()).toBe(offTag);
    // Even when the work throws.
    expect(() =>
      withNodeFlags(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(cachedDataVersionTag()).toBe(offTag);
  });

  it("loads built-ins through process.getBuiltinModule under Node's flags while they are off", () => {
    setOptimizers(false);
    const offTag = cachedDataVersionTag();
    expect(process.getBuiltinModule).not.toBe(nodeGetBuiltinModule);
    expect(process.getBuiltinModule("node:child_process")).toBe(nodeGetBuiltinModule("node:child_process"));
    expect(process.getBuiltinModule("node:no-such-module")).toBeUndefined();
    expect(cachedDataVersionTag()).toBe(offTag);
  });

  it("changes nothing when the optimizers are on", () => {
    expect(withNodeFlags(() => cachedDataVersionTag())).toBe(nodeTag);
    expect(cachedDataVersionTag()).toBe(nodeTag);
  });
});
