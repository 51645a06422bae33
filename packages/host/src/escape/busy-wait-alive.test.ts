import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const WATCHDOG = new URL("../../dist/sandbox/isolate-watchdog.js", import.meta.url).href;

// A call that arrives while the isolate is still busy with what an earlier call left behind waits
// for the watchdog to see it quiet (isolate-keeper.ts). Between calls the watchdog's timer does not
// hold the process open, so the wait itself must: a script (an embedder, a bench, `pincer -p` with
// nothing else pending) whose only work is that call would otherwise exit mid-await, unanswered.
// The isolate here is a stand-in whose CPU time grows for a while (it is busy), then stops.
const SCRIPT = `
import { IsolateWatchdog } from ${JSON.stringify(WATCHDOG)};
let cpu = 0n;
let busyTicks = 5;
const isolate = {
  isDisposed: false,
  get cpuTime() {
    if (busyTicks > 0) { busyTicks--; cpu += 1_000_000n; }
    return cpu;
  },
};
const watchdog = new IsolateWatchdog(isolate, { cpuMsPerCall: 1000, wallMsPerCall: 1000, idleCpuMs: 900 }, () => {});
watchdog.setActive(false);
await watchdog.quiet();
console.log("quiet");
watchdog.stop();
`;

describe("escape: a call waiting for a busy isolate to go quiet", () => {
  it("keeps the process alive until the isolate is quiet", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", SCRIPT], { timeout: 30_000 });
    expect(stdout.trim()).toBe("quiet");
  }, 40_000);
});
