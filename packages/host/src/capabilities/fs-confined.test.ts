import { execFileSync } from "node:child_process";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsCapability, MAX_READ_BYTES } from "./fs.js";

// What the race-free fs capability does with hard links, special files, links inside the roots and
// files too large for one read.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-fs-confined-")));
  dirs.push(dir);
  return dir;
}
function workspace() {
  const root = temp();
  const outside = temp();
  return { root, outside, fs: createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] }) };
}

describe("fs capability: hard links to files outside the roots", () => {
  it("reads one (the same file under a name inside), never appends through it, and writes only its own name", async () => {
    const { root, outside, fs } = workspace();
    writeFileSync(join(outside, "shared.txt"), "outside content");
    linkSync(join(outside, "shared.txt"), join(root, "linked.txt"));
    // Reading: a hard link is the file itself, under a name the user put inside the roots (package
    // managers such as pnpm link whole trees into node_modules this way).
    expect(await fs.readText("linked.txt")).toBe("outside content");
    await expect(fs.appendFile("linked.txt", " and more")).rejects.toThrow("has 2 hard links");
    await fs.writeFile("linked.txt", "replaced here");
    expect(readFileSync(join(outside, "shared.txt"), "utf8")).toBe("outside content");
    expect(readFileSync(join(root, "linked.txt"), "utf8")).toBe("replaced here");
    expect(statSync(join(outside, "shared.txt")).nlink).toBe(1);
  });

  it("writeFile keeps the permissions of the file it replaces", async () => {
    const { root, fs } = workspace();
    writeFileSync(join(root, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    await fs.writeFile("run.sh", "#!/bin/sh\necho hi\n");
    expect(statSync(join(root, "run.sh")).mode & 0o777).toBe(0o755);
  });
});

describe("fs capability: special files and sizes", () => {
  it("refuses a FIFO and a directory without waiting on them", async () => {
    const { root, fs } = workspace();
    execFileSync("mkfifo", [join(root, "pipe")]);
    mkdirSync(join(root, "folder"));
    await expect(fs.readFile("pipe")).rejects.toThrow("pipe is not a regular file");
    await expect(fs.appendFile("pipe", "x")).rejects.toThrow(/not a regular file|ENXIO/);
    await expect(fs.readFile("folder")).rejects.toThrow("folder is a directory");
    await expect(fs.writeFile("folder", "x")).rejects.toThrow("folder is a directory");
  });

  it("refuses a whole read above the cap up front and serves it by ranges; a huge length reads to the end", async () => {
    const { root, fs } = workspace();
    // Sparse: 1.9 GB that take no disk. Refused from its size alone, before anything is read.
    writeFileSync(join(root, "huge.bin"), "");
    truncateSync(join(root, "huge.bin"), 1_900_000_000);
    const rss = process.memoryUsage().rss;
    await expect(fs.readFile("huge.bin")).rejects.toThrow(
      `readFile(huge.bin): the file has 1900000000 bytes, more than one read returns (${MAX_READ_BYTES} bytes)`,
    );
    await expect(fs.readText("huge.bin")).rejects.toThrow("Read it in pieces");
    await expect(fs.readFile("huge.bin", { offset: 0, length: 2 ** 31 })).rejects.toThrow(
      "the range asks for 1900000000 of its bytes from offset 0",
    );
    await expect(fs.readFile("huge.bin", { offset: 0, length: Number.MAX_SAFE_INTEGER })).rejects.toThrow(
      "Read it in pieces",
    );
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
    expect((await fs.readFile("huge.bin", { offset: 1_899_999_990, length: 2 ** 31 })).length).toBe(10);
    writeFileSync(join(root, "small.txt"), "tiny");
    expect(await fs.readFile("small.txt", { offset: 1, length: Number.MAX_SAFE_INTEGER })).toEqual(
      new TextEncoder().encode("iny"),
    );
  });

  it("refuses ranges that are not safe non-negative integers", async () => {
    const { root, fs } = workspace();
    writeFileSync(join(root, "a.txt"), "abc");
    for (const bad of [2 ** 53, Number.POSITIVE_INFINITY, -0.5, "1", null]) {
      await expect(fs.readFile("a.txt", { offset: 0, length: bad as number })).rejects.toThrow(
        "range.length must be a non-negative integer",
      );
    }
  });
});

describe("fs capability: symlinks inside the roots", () => {
  it("reads, stats and writes through a link that stays inside; rename and remove act on the link itself", async () => {
    const { root, fs } = workspace();
    mkdirSync(join(root, "docs"));
    writeFileSync(join(root, "docs/guide.md"), "guide");
    symlinkSync("docs/guide.md", join(root, "GUIDE.md"));
    symlinkSync("docs", join(root, "manual"));
    expect(await fs.readText("GUIDE.md")).toBe("guide");
    expect(await fs.readText("manual/guide.md")).toBe("guide");
    expect((await fs.stat("GUIDE.md"))?.type).toBe("file");
    expect((await fs.stat("manual"))?.type).toBe("directory");
    await fs.writeFile("GUIDE.md", "edited");
    expect(readFileSync(join(root, "docs/guide.md"), "utf8")).toBe("edited");
    expect(lstatSync(join(root, "GUIDE.md")).isSymbolicLink()).toBe(true);
    await fs.appendFile("GUIDE.md", "!");
    expect(readFileSync(join(root, "docs/guide.md"), "utf8")).toBe("edited!");
    await fs.rename("GUIDE.md", "README.md");
    expect(lstatSync(join(root, "README.md")).isSymbolicLink()).toBe(true);
    await fs.remove("README.md");
    expect(existsSync(join(root, "README.md"))).toBe(false);
    expect(readFileSync(join(root, "docs/guide.md"), "utf8")).toBe("edited!");
  });

  it("stat answers null for a dangling link and refuses one that leads out; errors name the plugin's path", async () => {
    const { root, outside, fs } = workspace();
    symlinkSync("nowhere", join(root, "dangling"));
    symlinkSync(join(outside, "missing"), join(root, "out"));
    expect(await fs.stat("dangling")).toBeNull();
    await expect(fs.stat("out")).rejects.toThrow("refused");
    await expect(fs.stat(join(outside, "missing"))).rejects.toThrow("refused");
    const failure = await fs.rename("absent.txt", "b.txt").catch((error: Error) => error.message);
    expect(failure).toContain("ENOENT");
    expect(failure).toContain(join(root, "absent.txt"));
    expect(failure).not.toContain("/proc/");
  });

  it("never creates a directory outside the roots, even the first level of a missing root", async () => {
    const base = temp();
    const root = join(base, "out", "ws");
    const fs = createFsCapability({ cwd: base, readRoots: [], writeRoots: [root] });
    await fs.writeFile(join(root, "a/b.txt"), "made with its root");
    expect(readFileSync(join(root, "a/b.txt"), "utf8")).toBe("made with its root");
    await expect(fs.mkdir(join(base, "sibling/x"))).rejects.toThrow("refused");
    expect(existsSync(join(base, "sibling"))).toBe(false);
  });
});
