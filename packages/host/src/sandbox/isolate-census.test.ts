import { setFlagsFromString } from "node:v8";
import ivm from "isolated-vm";
import { afterEach, describe, expect, it } from "vitest";
import { countIsolate, isolateHeaps } from "./isolate-census.js";

const isolates: ivm.Isolate[] = [];
afterEach(() => {
  for (const isolate of isolates.splice(0)) isolate.dispose();
});

describe("isolateHeaps", () => {
  it("takes figure after figure of an idle isolate without growing it", async () => {
    // V8's gc in the contexts made from now on (the census collects in a context of its own).
    setFlagsFromString("--expose-gc");
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    isolates.push(isolate);
    const context = await isolate.createContext();
    await context.eval("globalThis.kept = Array.from({ length: 2000 }, (_, i) => ({ i, text: 'row ' + i }));");
    countIsolate(isolate, "census-idle");
    const used = async () => {
      const heap = (await isolateHeaps({ collect: true })).find((each) => each.plugin === "census-idle");
      expect(heap?.collected).toBe(true);
      return heap!.usedBytes;
    };
    const first = await used();
    const figures: number[] = [];
    for (let figure = 0; figure < 8; figure++) figures.push(await used());
    // A context made for each figure stayed until V8 let it go: ~150 KB more at each of them.
    expect(Math.max(...figures) - first).toBeLessThan(32 * 1024);
    // And the figure is the isolate's: what its own context holds is in it, and goes with it.
    await context.eval("globalThis.kept = null;");
    expect(await used()).toBeLessThan(first - 100 * 1024);
  });
});
