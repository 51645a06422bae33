/**
 * V8's optimizing compilers (Maglev, TurboFan), which bin.ts turns off for a one-shot's first
 * second. The flags are part of the hash V8 stamps on a code cache and checks when it is used, so
 * print-bundle.ts makes its cache under the flags its script was compiled under (V8 offers no way
 * to read a flag: this module is the one that sets them).
 */
let off = false;

export function optimizersOff(): boolean {
  return off;
}

export function setOptimizers(on: boolean): void {
  const v8 = process.getBuiltinModule("node:v8");
  v8.setFlagsFromString(on ? "--maglev" : "--no-maglev");
  v8.setFlagsFromString(on ? "--turbofan" : "--no-turbofan");
  off = !on;
}
