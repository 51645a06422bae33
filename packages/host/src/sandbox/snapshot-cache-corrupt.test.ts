import {
  closeSync,
  cpSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ivm from "isolated-vm";
import { afterEach, describe, expect, it } from "vitest";
import { SnapshotCache } from "./snapshot-cache.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-snap-corrupt-")));
  dirs.push(dir);
  return dir;
}

const scripts = [{ code: "globalThis.answer = 42;", filename: "plugin.js" }];

/** A snapshot made in one folder, copied to a fresh one: what the next process finds on disk. */
function made(): { dir: string; key: string; bin: string } {
  const source = folder();
  const key = new SnapshotCache(source).keyFor("prelude", "code");
  expect(new SnapshotCache(source).create(key, scripts)).toBeDefined();
  const dir = folder();
  cpSync(source, dir, { recursive: true });
  return { dir, key, bin: join(dir, `${key}.bin`) };
}

async function answer(snapshot: ivm.ExternalCopy<ArrayBuffer>): Promise<unknown> {
  const isolate = new ivm.Isolate({ memoryLimit: 32, snapshot });
  try {
    return await (await isolate.createContext()).eval("answer");
  } finally {
    isolate.dispose();
  }
}

// V8 takes a snapshot on trust: given a truncated or altered one it crashes the process
// (SIGSEGV, or SIGTRAP from a failed CHECK). Had any of these been handed to V8, this worker
// would have died and the test with it.
describe("a snapshot on disk that is not what was made", () => {
  it("is checked against its SHA-256 when copied (another inode), and used when it matches", async () => {
    const { dir, key } = made();
    const snapshot = new SnapshotCache(dir).load(key);
    expect(snapshot).toBeDefined();
    expect(await answer(snapshot!)).toBe(42);
  });

  it("is refused when cut short, and made again by the next start", async () => {
    const { dir, key, bin } = made();
    truncateSync(bin, Math.floor(readFileSync(bin).length / 2));
    const cache = new SnapshotCache(dir);
    expect(cache.load(key)).toBeUndefined();
    const again = cache.create(key, scripts);
    expect(await answer(again!)).toBe(42);
    expect(await answer(new SnapshotCache(dir).load(key)!)).toBe(42);
  });

  it("is refused when bytes inside it were changed in place (same size)", () => {
    const { dir, key, bin } = made();
    const size = readFileSync(bin).length;
    const fd = openSync(bin, "r+");
    for (let at = 64; at < size; at += 4093) writeSync(fd, Buffer.from([0xff, 0x00, 0xa5]), 0, 3, at);
    closeSync(fd);
    expect(readFileSync(bin).length).toBe(size);
    expect(new SnapshotCache(dir).load(key)).toBeUndefined();
  });

  it("is refused when zeroed, when its sum is missing or garbled, and when it is a link", async () => {
    const zeroed = made();
    const length = readFileSync(zeroed.bin).length;
    const fd = openSync(zeroed.bin, "r+");
    writeSync(fd, Buffer.alloc(length), 0, length, 0);
    closeSync(fd);
    expect(new SnapshotCache(zeroed.dir).load(zeroed.key)).toBeUndefined();

    const unsummed = made();
    rmSync(join(unsummed.dir, `${unsummed.key}.sum`));
    expect(new SnapshotCache(unsummed.dir).load(unsummed.key)).toBeUndefined();

    const garbled = made();
    for (const text of [
      "",
      "{",
      "null",
      '{"sha256": 1}',
      JSON.stringify({ sha256: "0".repeat(64), size: 1, ino: 1, ctimeMs: 1 }),
    ]) {
      const sum = join(garbled.dir, `${garbled.key}.sum`);
      rmSync(sum, { force: true });
      const out = openSync(sum, "w");
      writeSync(out, text);
      closeSync(out);
      expect(new SnapshotCache(garbled.dir).load(garbled.key)).toBeUndefined();
    }

    // A link to a good snapshot elsewhere is not followed: the cache holds plain files only.
    const linked = made();
    const elsewhere = made();
    rmSync(linked.bin);
    const { symlinkSync } = await import("node:fs");
    symlinkSync(elsewhere.bin, linked.bin);
    expect(new SnapshotCache(linked.dir).load(linked.key)).toBeUndefined();
  });
});
