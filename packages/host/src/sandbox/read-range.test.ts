import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";

const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-sandbox-range-")));
const CONTENT = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);
writeFileSync(join(dir, "weights.bin"), CONTENT);

/** A plugin whose tool reads `args.range` of a file through its fs grant and reports the bytes. */
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
}] } };`;

const box = new PluginSandbox({
  pluginName: "range-plugin",
  code,
  fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [] }),
  exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
  env: createEnvCapability({ allowed: [], env: {} }),
  request: createNetRequest([]),
});
afterAll(() => {
  box.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: Record<string, unknown>) =>
  box.run("peek", args, {
    toolCallId: `call_${Math.random()}`,
    cwd: dir,
    signal: new AbortController().signal,
    onUpdate: () => {},
  });

describe("sandboxed plugin: ranged reads through the fs bridge", () => {
  it("reads a range, the tail past the end, and the whole file", async () => {
    const inside = JSON.parse(
      String((await run({ path: "weights.bin", range: { offset: 1000, length: 16 } })).content),
    );
    expect(inside.bytes).toEqual(Array.from(CONTENT.subarray(1000, 1016)));
    const tail = JSON.parse(String((await run({ path: "weights.bin", range: { offset: 4090, length: 100 } })).content));
    expect(tail.bytes).toEqual(Array.from(CONTENT.subarray(4090)));
    const whole = JSON.parse(String((await run({ path: "weights.bin" })).content));
    expect(whole.length).toBe(4096);
  });

  it("carries the host's refusal of a bad range or a path outside the grant", async () => {
    const bad = await run({ path: "weights.bin", range: { offset: -5, length: 1 } });
    expect(bad.isError).toBe(true);
    expect(String(bad.content)).toContain("range.offset must be a non-negative integer, got -5");
    const outside = await run({ path: "/etc/passwd", range: { offset: 0, length: 4 } });
    expect(outside.isError).toBe(true);
    expect(String(outside.content)).toContain("refused");
  });
});
