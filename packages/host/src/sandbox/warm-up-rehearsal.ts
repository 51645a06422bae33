import { join } from "node:path";
import ivm from "isolated-vm";
import { PRELUDE } from "./prelude.js";
import { SnapshotCache } from "./snapshot-cache.js";
import { WARM_UP } from "./warm-up.js";

/** What the warm-up did: each step it completed (a model call's event types, a tool's result), and each that failed. */
export interface WarmUpReport {
  steps: Array<{ name: string; events?: string[]; result?: unknown }>;
  failed: string[];
}

/**
 * Runs the snapshot warm-up over a bundle in an ordinary isolate, where its record can be read
 * (V8's snapshot creator keeps only the code it compiled): how a built-in's tests check that the
 * warm-up reaches the paths its first call takes.
 */
export async function rehearseWarmUp(bundle: string, pluginName = "plugin"): Promise<WarmUpReport> {
  const isolate = new ivm.Isolate({ memoryLimit: 256 });
  try {
    const context = await isolate.createContext();
    await context.eval(PRELUDE, { filename: "pincer-prelude.js", timeout: 5000 });
    await context.eval(bundle, { filename: `${pluginName}/plugin.js`, timeout: 5000 });
    return (await context.eval(WARM_UP, { promise: true, copy: true, timeout: 10_000 })) as WarmUpReport;
  } finally {
    isolate.dispose();
  }
}

/**
 * Makes a bundle's warmed snapshot in `dir` as a built-in's first start does, and a cold one beside
 * it, and starts an isolate from the warmed one. What the warm-up leaves in the snapshot creator's
 * heap must be serializable, or V8 aborts the whole process while making it; a warmed snapshot
 * that is no larger than the cold one kept nothing (its warm-up threw, and it fell back).
 */
export function makeWarmedSnapshot(
  bundle: string,
  pluginName: string,
  dir: string,
): { starts: boolean; warmBytes: number; coldBytes: number } {
  const scripts = [
    { code: PRELUDE, filename: "pincer-prelude.js" },
    { code: bundle, filename: `${pluginName}/plugin.js` },
  ];
  const made = (cache: SnapshotCache) => cache.create(cache.keyFor(PRELUDE, pluginName), scripts);
  const warm = made(new SnapshotCache(join(dir, "warm")));
  const cold = made(new SnapshotCache(join(dir, "cold"), ""));
  if (!warm || !cold) return { starts: false, warmBytes: 0, coldBytes: 0 };
  const isolate = new ivm.Isolate({ snapshot: warm, memoryLimit: 128 });
  try {
    const starts = isolate.createContextSync().evalSync("typeof __pincer.attach") === "function";
    return { starts, warmBytes: warm.copy().byteLength, coldBytes: cold.copy().byteLength };
  } finally {
    isolate.dispose();
  }
}
