import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsCapability } from "./fs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-fs-range-")));
  dirs.push(dir);
  return dir;
}

/** 1000 bytes whose value is their offset modulo 251, so a wrong offset shows. */
const CONTENT = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

function granted() {
  const root = temp();
  writeFileSync(join(root, "data.bin"), CONTENT);
  return { root, fs: createFsCapability({ cwd: root, readRoots: [root], writeRoots: [] }) };
}

describe("fs capability: ranged reads", () => {
  it("reads exactly the range asked for inside the file", async () => {
    const { fs } = granted();
    expect(await fs.readFile("data.bin", { offset: 300, length: 100 })).toEqual(CONTENT.subarray(300, 400));
    expect(await fs.readFile("data.bin", { offset: 0, length: 1 })).toEqual(CONTENT.subarray(0, 1));
    expect(await fs.readFile("data.bin", { offset: 10, length: 0 })).toEqual(new Uint8Array(0));
  });

  it("returns the bytes there are at the end, and none past it", async () => {
    const { fs } = granted();
    expect(await fs.readFile("data.bin", { offset: 900, length: 100 })).toEqual(CONTENT.subarray(900));
    expect(await fs.readFile("data.bin", { offset: 950, length: 4096 })).toEqual(CONTENT.subarray(950));
    expect(await fs.readFile("data.bin", { offset: 1000, length: 10 })).toEqual(new Uint8Array(0));
    expect(await fs.readFile("data.bin", { offset: 5000, length: 10 })).toEqual(new Uint8Array(0));
  });

  it("reads the whole file without a range, as before", async () => {
    const { fs } = granted();
    expect(await fs.readFile("data.bin")).toEqual(CONTENT);
  });

  it("refuses negative, fractional or missing offsets and lengths, saying which", async () => {
    const { fs } = granted();
    await expect(fs.readFile("data.bin", { offset: -1, length: 10 })).rejects.toThrow(
      "readFile(data.bin): range.offset must be a non-negative integer, got -1",
    );
    await expect(fs.readFile("data.bin", { offset: 0, length: 1.5 })).rejects.toThrow(
      "range.length must be a non-negative integer, got 1.5",
    );
    await expect(fs.readFile("data.bin", { offset: Number.NaN, length: 1 })).rejects.toThrow(
      "range.offset must be a non-negative integer",
    );
    await expect(fs.readFile("data.bin", {} as { offset: number; length: number })).rejects.toThrow(
      "range.offset must be a non-negative integer",
    );
  });

  it("refuses a range of a file outside the granted roots", async () => {
    const { fs } = granted();
    const outside = temp();
    writeFileSync(join(outside, "secret.bin"), CONTENT);
    await expect(fs.readFile(join(outside, "secret.bin"), { offset: 0, length: 10 })).rejects.toThrow(
      "outside the granted read roots",
    );
    await expect(fs.readFile("/etc/passwd", { offset: 0, length: 10 })).rejects.toThrow("refused");
  });
});
