import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NOTE_AFTER_MS, ProcessRecords } from "./process-records.js";

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function records(): ProcessRecords {
  const dir = mkdtempSync(join(tmpdir(), "pincer-records-"));
  dirs.push(dir);
  return new ProcessRecords(join(dir, "processes"));
}

describe("process notes", () => {
  it("notes a group once it has run a moment, and forgets it when it ends", () => {
    vi.useFakeTimers();
    const store = records();
    const forget = store.addSoon({ pgid: process.pid, label: "bash: make" });
    vi.advanceTimersByTime(NOTE_AFTER_MS - 1);
    expect(existsSync(store.dir)).toBe(false);
    vi.advanceTimersByTime(1);
    const [name] = readdirSync(store.dir);
    expect(name).toBe(`${process.pid}.json`);
    expect(JSON.parse(readFileSync(join(store.dir, name as string), "utf8"))).toMatchObject({
      pgid: process.pid,
      label: "bash: make",
      ownerPid: process.pid,
    });
    forget();
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it("writes nothing for a group that ended before then", () => {
    vi.useFakeTimers();
    const store = records();
    const forget = store.addSoon({ pgid: process.pid, label: "bash: echo hi" });
    forget();
    vi.advanceTimersByTime(10 * NOTE_AFTER_MS);
    expect(existsSync(store.dir)).toBe(false);
    // Forgetting twice is harmless.
    forget();
  });
});
