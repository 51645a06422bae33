import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SnapshotCache } from "./snapshot-cache.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("a snapshot that cannot be written (a full disk)", () => {
  it("is not remembered as unsnapshottable: the start uses it, and a later start writes it", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-snap-full-")));
    dirs.push(dir);
    const cache = new SnapshotCache(dir);
    const key = cache.keyFor("prelude", "code-1");
    const scripts = [{ code: "globalThis.answer = 42;", filename: "plugin.js" }];
    // Where the snapshot's temporary file goes, something that cannot be written: the write fails.
    const temp = join(dir, `${key}.bin.${process.pid}.tmp`);
    mkdirSync(join(temp, "blocked"), { recursive: true });
    expect(cache.create(key, scripts)).toBeDefined();
    expect(readdirSync(dir)).toEqual([]);
    // The disk has room again: the next start makes and keeps the snapshot.
    expect(cache.create(key, scripts)).toBeDefined();
    expect(readdirSync(dir).sort()).toEqual([`${key}.bin`, `${key}.sum`]);
    expect(cache.load(key)).toBeDefined();
  });
});
