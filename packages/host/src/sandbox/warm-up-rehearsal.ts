import ivm from "isolated-vm";
import { PRELUDE } from "./prelude.js";
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
