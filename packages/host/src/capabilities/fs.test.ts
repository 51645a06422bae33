import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/** A workspace with the write grant, and a folder outside it reached by a symlink from inside. */
function writable() {
  const root = temp();
  const outside = temp();
  writeFileSync(join(outside, "secret.txt"), "secret");
  symlinkSync(outside, join(root, "escape"));
  return { root, outside, fs: createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] }) };
}

describe("fs capability: appendFile", () => {
  it("creates a missing file with its folders, then appends text and bytes in order", async () => {
    const { root, fs } = writable();
    await fs.appendFile("deep/in/log.bin", "ab");
    expect(readFileSync(join(root, "deep/in/log.bin"), "utf8")).toBe("ab");
    await fs.appendFile("deep/in/log.bin", Uint8Array.of(0x63, 0x00, 0x64));
    await fs.appendFile("deep/in/log.bin", "");
    expect([...readFileSync(join(root, "deep/in/log.bin"))]).toEqual([0x61, 0x62, 0x63, 0x00, 0x64]);
  });

  it("refuses outside the write roots, in a read-only root, and through a symlink out of the workspace", async () => {
    const { root, outside, fs } = writable();
    await expect(fs.appendFile(join(outside, "secret.txt"), "x")).rejects.toThrow("outside the granted write roots");
    await expect(fs.appendFile("../elsewhere.txt", "x")).rejects.toThrow("refused");
    await expect(fs.appendFile("escape/secret.txt", "x")).rejects.toThrow(`(really ${outside}/secret.txt) refused`);
    await expect(fs.appendFile("escape/new.txt", "x")).rejects.toThrow("refused");
    const readOnly = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [] });
    await expect(readOnly.appendFile("log.txt", "x")).rejects.toThrow("write of");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
    expect(existsSync(join(root, "log.txt"))).toBe(false);
  });
});

describe("fs capability: rename", () => {
  it("moves a file to a new name, and replaces an existing destination whole", async () => {
    const { root, fs } = writable();
    await fs.writeFile("model.bin.partial", "new weights");
    writeFileSync(join(root, "model.bin"), "old weights, longer than the new ones");
    await fs.rename("model.bin.partial", "model.bin");
    expect(readFileSync(join(root, "model.bin"), "utf8")).toBe("new weights");
    expect(existsSync(join(root, "model.bin.partial"))).toBe(false);
    await fs.rename("model.bin", "sub/dir/model.bin");
    expect(readFileSync(join(root, "sub/dir/model.bin"), "utf8")).toBe("new weights");
    await expect(fs.rename("missing.bin", "other.bin")).rejects.toThrow("ENOENT");
  });

  it("refuses either end outside the write roots or through a symlink out of the workspace, moving nothing", async () => {
    const { root, outside, fs } = writable();
    writeFileSync(join(root, "mine.txt"), "mine");
    await expect(fs.rename("mine.txt", join(outside, "stolen.txt"))).rejects.toThrow("outside the granted write roots");
    await expect(fs.rename("mine.txt", "escape/secret.txt")).rejects.toThrow(`(really ${outside}/secret.txt) refused`);
    await expect(fs.rename(join(outside, "secret.txt"), "taken.txt")).rejects.toThrow("refused");
    await expect(fs.rename("escape/secret.txt", "taken.txt")).rejects.toThrow("refused");
    await expect(fs.rename("mine.txt", "../up.txt")).rejects.toThrow("refused");
    const readOnly = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [] });
    await expect(readOnly.rename("mine.txt", "yours.txt")).rejects.toThrow("write of");
    expect(readFileSync(join(root, "mine.txt"), "utf8")).toBe("mine");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
    expect(existsSync(join(root, "taken.txt"))).toBe(false);
  });
});

describe("fs capability: remove", () => {
  it("deletes a file, and a missing path is not an error", async () => {
    const { root, fs } = writable();
    writeFileSync(join(root, "model.bin.pincer-partial"), "half");
    await fs.remove("model.bin.pincer-partial");
    expect(existsSync(join(root, "model.bin.pincer-partial"))).toBe(false);
    await fs.remove("model.bin.pincer-partial");
  });

  it("refuses directories, paths outside the write roots and through a symlink out of the workspace", async () => {
    const { root, outside, fs } = writable();
    await fs.writeFile("dir/inside.txt", "kept");
    await expect(fs.remove("dir")).rejects.toThrow("is a directory; remove deletes files only");
    await expect(fs.remove(join(outside, "secret.txt"))).rejects.toThrow("outside the granted write roots");
    await expect(fs.remove("escape/secret.txt")).rejects.toThrow(`(really ${outside}/secret.txt) refused`);
    await expect(fs.remove("../up.txt")).rejects.toThrow("refused");
    // A link is judged by where it leads, as for every write: one out of the workspace stays.
    symlinkSync(join(outside, "secret.txt"), join(root, "link.txt"));
    await expect(fs.remove("link.txt")).rejects.toThrow("refused");
    expect(existsSync(join(root, "link.txt"))).toBe(true);
    const readOnly = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [] });
    await expect(readOnly.remove("dir/inside.txt")).rejects.toThrow("write of");
    expect(readFileSync(join(root, "dir/inside.txt"), "utf8")).toBe("kept");
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });
});
