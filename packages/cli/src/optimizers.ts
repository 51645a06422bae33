/**
 * V8's compilers past its interpreter (Sparkplug, Maglev, TurboFan), which bin.ts turns off for a
 * one-shot's first second. The flags are part of the hash V8 stamps on a code cache and checks when it is used, so
 * print-bundle.ts makes its cache under the flags its script was compiled under (V8 offers no way
 * to read a flag: this module is the one that sets them).
 */
let off = false;

const nodeGetBuiltinModule = process.getBuiltinModule;

export function optimizersOff(): boolean {
  return off;
}

export function setOptimizers(on: boolean): void {
  setFlags(on);
  off = !on;
  // Node's code cache of its built-ins carries that hash too: while the flags are ours, a built-in
  // loaded for the first time compiles from source. The first command of a run loads
  // child_process (process.getBuiltinModule in the host), which took 2.7 ms of the main thread
  // that way and takes 0.8 ms from the cache: such a load runs under Node's flags.
  process.getBuiltinModule = on ? nodeGetBuiltinModule : getBuiltinModuleFromCache;
}

function setFlags(on: boolean): void {
  const v8 = nodeGetBuiltinModule.call(process, "node:v8") as typeof import("node:v8");
  v8.setFlagsFromString(on ? "--maglev" : "--no-maglev");
  v8.setFlagsFromString(on ? "--turbofan" : "--no-turbofan");
  // Sparkplug's baseline code: ~1 MiB of a one-shot's peak (the compiler's pages of the node
  // binary, its code space) for functions a turn runs a few times; CPU the same without it.
  v8.setFlagsFromString(on ? "--sparkplug" : "--no-sparkplug");
}

/** Runs `work` under Node's own flags, putting ours back after (for a moment: no tier-up can happen in it). */
export function withNodeFlags<T>(work: () => T): T {
  if (!off) return work();
  setFlags(true);
  try {
    return work();
  } finally {
    setFlags(false);
  }
}

const getBuiltinModuleFromCache = ((id: string) =>
  withNodeFlags(() => nodeGetBuiltinModule.call(process, id))) as typeof process.getBuiltinModule;
