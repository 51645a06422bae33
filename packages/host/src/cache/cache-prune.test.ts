import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCacheFile, USED_RESOLUTION_MS } from "./cache-entry.js";
import { PRUNE_EVERY_MS, pruneCache, pruneCacheWhenDue } from "./cache-prune.js";

const DAY = 24 * 60 * 60 * 1000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-cache-prune-"));
  dirs.push(dir);
  return dir;
}

/** Writes `<folder>/<name>` of `bytes` bytes, last used `daysAgo` days ago. */
function entry(cache: string, folder: string, name: string, bytes: number, daysAgo: number): string {
  mkdirSync(join(cache, folder), { recursive: true });
  const file = join(cache, folder, name);
  writeFileSync(file, Buffer.alloc(bytes, 1));
  const when = new Date(Date.now() - daysAgo * DAY);
  utimesSync(file, when, when);
  return file;
}

function sizeOf(cache: string): number {
  let total = 0;
  for (const folder of readdirSync(cache, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const name of readdirSync(join(cache, folder.name))) total += statSync(join(cache, folder.name, name)).size;
  }
  return total;
}

describe("pruning PINCER_HOME/cache", () => {
  it("keeps a cache filled past its limits bounded: unused entries go, then the least recently used", async () => {
    const cache = cacheDir();
    // Months of plugin updates and Node upgrades: a snapshot of 64 KB a day, and other entries.
    for (let day = 0; day < 120; day++) {
      entry(cache, "snapshots", `${day.toString(16).padStart(40, "0")}.bin`, 64 * 1024, day);
      entry(cache, "snapshots", `${day.toString(16).padStart(40, "0")}.sum`, 100, day);
    }
    for (let day = 0; day < 120; day++) entry(cache, "manifests", day.toString(16).padStart(40, "0"), 0, day);
    for (let day = 0; day < 120; day++)
      entry(cache, "front-matter", `${day.toString(16).padStart(40, "0")}.json`, 300, day);
    const before = sizeOf(cache);
    const limits = { maxAgeDays: 30, maxBytes: 1024 * 1024 };
    const result = await pruneCache(cache, limits);
    expect(result.bytesBefore).toBe(before);
    expect(result.bytesAfter).toBe(sizeOf(cache));
    expect(sizeOf(cache)).toBeLessThanOrEqual(limits.maxBytes);
    // Nothing older than the age limit is left, in any folder; the newest are all there.
    for (const folder of ["snapshots", "manifests", "front-matter"]) {
      for (const name of readdirSync(join(cache, folder))) {
        expect(Date.now() - statSync(join(cache, folder, name)).mtimeMs).toBeLessThan(31 * DAY);
      }
    }
    // Over the byte limit, the least recently used go first, whatever their folder: each folder
    // keeps its newest days (equal times may fall either way), and an entry's files go together.
    const days = (folder: string) =>
      readdirSync(join(cache, folder)).map((name) => Number.parseInt(name.split(".")[0]!, 16));
    const newest = (folder: string, copies: number) => {
      const kept = days(folder).sort((a, b) => a - b);
      const count = kept.length / copies;
      expect(kept).toEqual([...Array(count).keys()].flatMap((day) => Array(copies).fill(day)));
      return count;
    };
    const counts = [newest("snapshots", 2), newest("manifests", 1), newest("front-matter", 1)];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThan(30);
    // Pruning again removes nothing more.
    expect((await pruneCache(cache, limits)).removed).toBe(0);
  });

  it("an entry's last use is its newest file: a snapshot used daily (its .sum marked) stays, whatever its .bin's age", async () => {
    const cache = cacheDir();
    const bin = entry(cache, "snapshots", "a.bin", 1000, 90);
    const sum = entry(cache, "snapshots", "a.sum", 10, 90);
    entry(cache, "snapshots", "b.bin", 1000, 90);
    // A read marks the entry used (at most once a day: no write on most starts).
    expect(readCacheFile(sum, 1024)).toBeDefined();
    expect(Date.now() - statSync(sum).mtimeMs).toBeLessThan(USED_RESOLUTION_MS);
    await pruneCache(cache);
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(join(cache, "snapshots", "b.bin"))).toBe(false);
  });

  it("drops the temporary file of a write that died, links, FIFOs; follows nothing and leaves folders alone", async () => {
    const cache = cacheDir();
    const outside = cacheDir();
    const precious = join(outside, "precious.json");
    writeFileSync(precious, "{}");
    const old = new Date(Date.now() - 90 * DAY);
    utimesSync(precious, old, old);
    const dying = entry(cache, "tools", "v3-a.json.123.tmp", 10, 1);
    const writing = entry(cache, "tools", "v3-b.json.456.tmp", 10, 0);
    symlinkSync(precious, join(cache, "tools", "v3-c.json"));
    symlinkSync(outside, join(cache, "linked-folder"));
    execFileSync("mkfifo", [join(cache, "tools", "v3-d.json")]);
    mkdirSync(join(cache, "tools", "nested"));
    entry(cache, "tools", "nested/v3-e.json", 10, 90);
    await pruneCache(cache);
    expect(existsSync(dying)).toBe(false);
    expect(existsSync(writing)).toBe(true);
    expect(readdirSync(join(cache, "tools")).sort()).toEqual(["nested", "v3-b.json.456.tmp"]);
    expect(existsSync(join(cache, "tools", "nested", "v3-e.json"))).toBe(true);
    expect(existsSync(precious)).toBe(true);
    expect(existsSync(join(cache, "linked-folder"))).toBe(true);
  });

  it("runs at most once a day, from one stat on the starts between, and never without a cache folder", async () => {
    const cache = cacheDir();
    const old = entry(cache, "front-matter", "a.json", 10, 60);
    expect(await pruneCacheWhenDue(join(cache, "missing"))).toBeUndefined();
    expect((await pruneCacheWhenDue(cache))?.removed).toBe(1);
    expect(existsSync(old)).toBe(false);
    const older = entry(cache, "front-matter", "b.json", 10, 60);
    expect(await pruneCacheWhenDue(cache)).toBeUndefined();
    expect(existsSync(older)).toBe(true);
    // A day later (the stamp's time moved back), it is due again.
    const dayAgo = new Date(Date.now() - PRUNE_EVERY_MS - 1000);
    utimesSync(join(cache, ".pruned"), dayAgo, dayAgo);
    expect((await pruneCacheWhenDue(cache))?.removed).toBe(1);
  });
});

describe("reading a cache entry", () => {
  it("refuses what is not a plain file within the limit, without blocking on a FIFO", () => {
    const cache = cacheDir();
    const file = entry(cache, "x", "a.json", 100, 0);
    expect(readCacheFile(file, 100)?.bytes.length).toBe(100);
    expect(readCacheFile(file, 99)).toBeUndefined();
    const fifo = join(cache, "x", "fifo.json");
    execFileSync("mkfifo", [fifo]);
    expect(readCacheFile(fifo, 100)).toBeUndefined();
    const link = join(cache, "x", "link.json");
    symlinkSync(file, link);
    expect(readCacheFile(link, 100)).toBeUndefined();
    symlinkSync("/dev/zero", join(cache, "x", "zero.json"));
    expect(readCacheFile(join(cache, "x", "zero.json"), 100)).toBeUndefined();
    expect(readCacheFile(join(cache, "x"), 100)).toBeUndefined();
  });
});
