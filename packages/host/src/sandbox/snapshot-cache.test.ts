import { cpSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolContext } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { createEnvCapability } from "../capabilities/env.js";
import { createExecCapability } from "../capabilities/exec.js";
import { createFsCapability } from "../capabilities/fs.js";
import { createNetRequest } from "../net-request.js";
import { PluginSandbox } from "./plugin-sandbox.js";
import { PRELUDE } from "./prelude.js";
import { SnapshotCache } from "./snapshot-cache.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function start(code: string, dir: string, snapshots: SnapshotCache) {
  const sandbox = new PluginSandbox({
    pluginName: "snap",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: ["GREETING"], env: { GREETING: "hello" } }),
    request: createNetRequest([]),
    snapshots,
  });
  cleanups.push(() => sandbox.dispose());
  const ctx: ToolContext = { toolCallId: "c", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
  return { sandbox, run: () => sandbox.run("hi", {}, ctx) };
}

const plugin = (topLevel = "") => `${topLevel}
  let loads = (globalThis.loads || 0) + 1; globalThis.loads = loads;
  globalThis.__pincerPlugin = { default: { tools: [{ name: "hi", description: "d", kind: "read", parameters: { type: "object" },
    async execute(args, ctx) { await new Promise((r) => setTimeout(r, 1)); return { content: ctx.env.get("GREETING") + " " + typeof process }; } }] } };`;

describe("isolate snapshots", () => {
  it("starts a plugin from its snapshot, with the bridge attached afresh", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-snap-")));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cache = new SnapshotCache(join(dir, "snapshots"));
    expect((await start(plugin(), dir, cache).run()).content).toBe("hello undefined");
    expect(readdirSync(join(dir, "snapshots")).filter((file) => file.endsWith(".bin"))).toHaveLength(1);
    // Another session of this process starts from the same copy, not a second one of its own.
    const key = cache.keyFor(PRELUDE, plugin());
    expect(new SnapshotCache(join(dir, "snapshots")).load(key)).toBe(cache.load(key));
    // A second process would find the file: a cache over a copy of it reads it from disk.
    const other = realpathSync(mkdtempSync(join(tmpdir(), "pincer-snap-")));
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    cpSync(join(dir, "snapshots"), join(other, "snapshots"), { recursive: true });
    const again = start(plugin(), other, new SnapshotCache(join(other, "snapshots")));
    expect((await again.run()).content).toBe("hello undefined");
    expect((await again.sandbox.tools()).map((tool) => tool.name)).toEqual(["hi"]);
  });

  it("starts a bundle that needs the host while loading the ordinary way, and remembers that", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-snap-")));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cache = new SnapshotCache(join(dir, "snapshots"));
    const code = plugin("crypto.randomUUID();");
    expect((await start(code, dir, cache).run()).content).toBe("hello undefined");
    expect(readdirSync(join(dir, "snapshots")).some((file) => file.endsWith(".unsnapshottable"))).toBe(true);
    expect((await start(code, dir, cache).run()).content).toBe("hello undefined");
  });
});
