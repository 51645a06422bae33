import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxedToolMeta } from "./sandbox/sandbox-types.js";
import { ToolMetaCache } from "./tool-meta-cache.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const metas: SandboxedToolMeta[] = [
  { name: "hi", description: "Says hi.", parameters: { type: "object" }, kind: "read", hasSubject: false },
  {
    name: "run",
    description: "Runs.",
    parameters: { type: "object" },
    kind: "execute",
    hasSubject: true,
    deferred: true,
  },
];

/** A cache folder holding one written entry; returns the folder and that entry's file. */
function kept(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "pincer-tool-meta-"));
  dirs.push(dir);
  new ToolMetaCache(dir).set("bundle-1", metas);
  const [name] = readdirSync(dir);
  return { dir, file: join(dir, name!) };
}

describe("tool definitions kept on disk", () => {
  it("are read back by the next process", () => {
    const { dir } = kept();
    expect(new ToolMetaCache(dir).get("bundle-1")).toEqual(metas);
    expect(new ToolMetaCache(dir).get("bundle-2")).toBeUndefined();
  });

  it("are not kept when the entry is not a list of tools as the isolate reports them: the isolate is asked again", () => {
    const wrong = [
      "",
      "[",
      "null",
      "{}",
      "[{}]",
      JSON.stringify([{ ...metas[0], kind: "harmless" }]),
      JSON.stringify([{ ...metas[0], name: 7 }]),
      JSON.stringify([{ ...metas[0], parameters: "none" }]),
      JSON.stringify([{ ...metas[0], hasSubject: "no" }]),
      JSON.stringify([{ ...metas[0], deferred: 1 }]),
      JSON.stringify([metas[0], null]),
    ];
    for (const text of wrong) {
      const { dir, file } = kept();
      writeFileSync(file, text);
      expect(new ToolMetaCache(dir).get("bundle-1"), text).toBeUndefined();
    }
  });

  it("are not read through a link, a FIFO or a folder in the entry's place (a FIFO would block the start)", async () => {
    const { execFileSync } = await import("node:child_process");
    const linked = kept();
    const outside = join(linked.dir, "..", `${linked.dir.split("/").pop()}-outside.json`);
    writeFileSync(outside, JSON.stringify(metas));
    dirs.push(outside);
    rmSync(linked.file);
    symlinkSync(outside, linked.file);
    expect(new ToolMetaCache(linked.dir).get("bundle-1")).toBeUndefined();

    const fifo = kept();
    rmSync(fifo.file);
    execFileSync("mkfifo", [fifo.file]);
    expect(new ToolMetaCache(fifo.dir).get("bundle-1")).toBeUndefined();

    const folder = kept();
    rmSync(folder.file);
    mkdirSync(folder.file);
    expect(new ToolMetaCache(folder.dir).get("bundle-1")).toBeUndefined();
  });
});

describe("tool definitions in one process", () => {
  it("are asked for once by calls that come while one asks, and kept for the next", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-tool-meta-"));
    dirs.push(dir);
    let asked = 0;
    let answer: (value: SandboxedToolMeta[]) => void = () => {};
    const ask = () => {
      asked++;
      return new Promise<SandboxedToolMeta[]>((resolve) => {
        answer = resolve;
      });
    };
    const waiting = [new ToolMetaCache(dir).getOr("bundle-1", ask), new ToolMetaCache(dir).getOr("bundle-1", ask)];
    answer(metas);
    expect(await Promise.all(waiting)).toEqual([metas, metas]);
    expect(await new ToolMetaCache(dir).getOr("bundle-1", ask)).toEqual(metas);
    expect(asked).toBe(1);
  });

  it("are asked again after an ask that failed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-tool-meta-"));
    dirs.push(dir);
    const cache = new ToolMetaCache(dir);
    await expect(cache.getOr("bundle-1", () => Promise.reject(new Error("could not start")))).rejects.toThrow(
      "could not start",
    );
    expect(await cache.getOr("bundle-1", async () => metas)).toEqual(metas);
  });
});
