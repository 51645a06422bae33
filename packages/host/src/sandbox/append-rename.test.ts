import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-append-")));
const outside = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-append-outside-")));
writeFileSync(join(outside, "secret.txt"), "secret");
symlinkSync(outside, join(dir, "escape"));

/**
 * A plugin that writes a file the way a download does: pieces appended to a temporary name (text
 * and bytes, one of them a view into a larger buffer), then renamed over the destination.
 */
const code = `globalThis.__pincerPlugin = { default: { tools: [{
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
}] } };`;

const box = new PluginSandbox({
  pluginName: "append-plugin",
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

const run = (args: Record<string, unknown>) =>
  box.run("assemble", args, {
    toolCallId: `call_${Math.random()}`,
    cwd: dir,
    signal: new AbortController().signal,
    onUpdate: () => {},
  });

describe("sandboxed plugin: appendFile and rename through the fs bridge", () => {
  it("appends text and bytes to a new file, then renames it over an existing one", async () => {
    writeFileSync(join(dir, "out.bin"), "the previous version");
    const result = await run({ to: "out/../out.bin" });
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

  it("carries the host's refusal of a path outside the write grant or through a symlink out of it", async () => {
    const absolute = await run({ to: join(outside, "planted.bin") });
    expect(absolute.isError).toBe(true);
    expect(String(absolute.content)).toContain("outside the granted write roots");
    const linked = await run({ to: "escape/planted.bin" });
    expect(linked.isError).toBe(true);
    expect(String(linked.content)).toContain("refused");
    expect(existsSync(join(outside, "planted.bin"))).toBe(false);
    expect(existsSync(join(outside, "planted.bin.partial"))).toBe(false);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
  });
});
