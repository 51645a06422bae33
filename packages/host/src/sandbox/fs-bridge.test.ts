import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

// The fs operations a large transfer needs, as a sandboxed plugin reaches them through the bridge.
const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-fs-")));
const outside = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-fs-outside-")));
const CONTENT = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);
writeFileSync(join(dir, "weights.bin"), CONTENT);
writeFileSync(join(outside, "secret.txt"), "secret");
symlinkSync(outside, join(dir, "escape"));

/**
 * Two tools: `peek` reads `args.range` of a file and reports the bytes; `assemble` writes a file
 * the way a download does: pieces appended to a temporary name (text and bytes, one of them a view
 * into a larger buffer), then renamed over the destination.
 */
const code = `globalThis.__pincerPlugin = { default: { tools: [{
  name: "peek", description: "t", kind: "read", parameters: { type: "object" },
  async execute(args, ctx) {
    try {
      const bytes = await ctx.fs.readFile(args.path, args.range);
      return { content: JSON.stringify({ length: bytes.length, bytes: Array.from(bytes) }) };
    } catch (error) {
      return { content: String(error.message), isError: true };
    }
  },
}, {
  name: "assemble", description: "t", kind: "edit", parameters: { type: "object" },
  async execute(args, ctx) {
    try {
      const partial = args.to + ".partial";
      await ctx.fs.appendFile(partial, "head:");
      const buffer = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
      await ctx.fs.appendFile(partial, buffer.subarray(2, 5));
      await ctx.fs.appendFile(partial, ":tail");
      await ctx.fs.rename(partial, args.to);
      return { content: "done" };
    } catch (error) {
      return { content: String(error.message), isError: true };
    }
  },
}, {
  name: "forge", description: "t", kind: "edit", parameters: { type: "object" },
  async execute(args, ctx) {
    // Things that pose as byte views: only a real typed array's own bytes may cross.
    const secret = new Uint8Array([115, 101, 99, 114, 101, 116]);
    const posing = { [Symbol.toStringTag]: "Uint8Array", buffer: secret.buffer, byteOffset: 0, byteLength: 6 };
    await ctx.fs.appendFile(args.to, "a:");
    await ctx.fs.appendFile(args.to, posing);
    await ctx.fs.appendFile(args.to, new DataView(secret.buffer));
    await ctx.fs.appendFile(args.to, new Proxy(posing, {}));
    await ctx.fs.appendFile(args.to, new Uint8Array(secret.buffer, 1, 2));
    return { content: "done" };
  },
}] } };`;

const box = new PluginSandbox({
  pluginName: "fs-plugin",
  code,
  fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
  exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
  env: createEnvCapability({ allowed: [], env: {} }),
  request: createNetRequest([]),
});
afterAll(() => {
  box.dispose();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const run = (tool: "peek" | "assemble" | "forge", args: Record<string, unknown>) =>
  box.run(tool, args, {
    toolCallId: `call_${Math.random()}`,
    cwd: dir,
    signal: new AbortController().signal,
    onUpdate: () => {},
  });

describe("sandboxed plugin: ranged reads through the fs bridge", () => {
  it("reads a range, the tail past the end, and the whole file", async () => {
    const inside = JSON.parse(
      String((await run("peek", { path: "weights.bin", range: { offset: 1000, length: 16 } })).content),
    );
    expect(inside.bytes).toEqual(Array.from(CONTENT.subarray(1000, 1016)));
    const tail = JSON.parse(
      String((await run("peek", { path: "weights.bin", range: { offset: 4090, length: 100 } })).content),
    );
    expect(tail.bytes).toEqual(Array.from(CONTENT.subarray(4090)));
    const whole = JSON.parse(String((await run("peek", { path: "weights.bin" })).content));
    expect(whole.length).toBe(4096);
  });

  it("carries the host's refusal of a bad range or a path outside the grant", async () => {
    const bad = await run("peek", { path: "weights.bin", range: { offset: -5, length: 1 } });
    expect(bad.isError).toBe(true);
    expect(String(bad.content)).toContain("range.offset must be a non-negative integer, got -5");
    const refused = await run("peek", { path: "/etc/passwd", range: { offset: 0, length: 4 } });
    expect(refused.isError).toBe(true);
    expect(String(refused.content)).toContain("refused");
  });
});

describe("sandboxed plugin: appendFile and rename through the fs bridge", () => {
  it("appends text and bytes to a new file, then renames it over an existing one", async () => {
    writeFileSync(join(dir, "out.bin"), "the previous version");
    const result = await run("assemble", { to: "out/../out.bin" });
    expect(result.isError, String(result.content)).toBeFalsy();
    expect([...readFileSync(join(dir, "out.bin"))]).toEqual([
      ...Buffer.from("head:"),
      2,
      3,
      4,
      ...Buffer.from(":tail"),
    ]);
    expect(existsSync(join(dir, "out.bin.partial"))).toBe(false);
  });

  it("takes only a real typed array's bytes: an object, a DataView or a proxy posing as one crosses none", async () => {
    const result = await run("forge", { to: "forged.bin" });
    expect(result.isError, String(result.content)).toBeFalsy();
    expect(readFileSync(join(dir, "forged.bin"), "utf8")).toBe("a:ec");
  });

  it("carries the host's refusal of a path outside the write grant or through a symlink out of it", async () => {
    const absolute = await run("assemble", { to: join(outside, "planted.bin") });
    expect(absolute.isError).toBe(true);
    expect(String(absolute.content)).toContain("outside the granted write roots");
    const linked = await run("assemble", { to: "escape/planted.bin" });
    expect(linked.isError).toBe(true);
    expect(String(linked.content)).toContain("refused");
    expect(existsSync(join(outside, "planted.bin"))).toBe(false);
    expect(existsSync(join(outside, "planted.bin.partial"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });
});
