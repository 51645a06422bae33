import { readdirSync, readFileSync } from "node:fs";
import { STANDBY_SCRIPT } from "./standby-shell.js";

/** This process's children that are shells standing by (bwrap running the standby script), by pid. */
export function standbys(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(STANDBY_SCRIPT)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A standby starts only where this process forks its commands itself (spawnsInProcess): a test
 * worker past 128 MiB would fork through the spawner. For the tests of a describe block.
 */
export function forkInProcess(hooks: { beforeEach(fn: () => void): void; afterEach(fn: () => void): void }): void {
  let before: string | undefined;
  hooks.beforeEach(() => {
    before = process.env.PINCER_SPAWNER;
    process.env.PINCER_SPAWNER = "never";
  });
  hooks.afterEach(() => {
    if (before === undefined) delete process.env.PINCER_SPAWNER;
    else process.env.PINCER_SPAWNER = before;
  });
}
