// Plugin sandbox benchmarks: isolate start, the cost of one tool call through the bridge, a 1 MB
// read through the fs capability, and the memory an idle plugin holds. Used by bench/run.js;
// `node bench/sandbox.js` prints them alone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createEnvCapability,
  createExecCapability,
  createFsCapability,
  createNetRequest,
  PluginSandbox,
  protectedPaths,
  SnapshotCache,
} from "@pincer/host";

const root = fileURLToPath(new URL("..", import.meta.url));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function sandbox(code, dir, snapshots) {
  return new PluginSandbox({
    pluginName: "bench",
    code,
    fs: createFsCapability({ cwd: dir, readRoots: [dir], writeRoots: [dir] }),
    exec: createExecCapability({ cwd: dir, allowedCommands: [] }),
    env: createEnvCapability({ allowed: [], env: {} }),
    request: createNetRequest([]),
    ...(snapshots ? { snapshots } : {}),
  });
}

async function startTimes(code, dir, runs, snapshots) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const box = sandbox(code, dir, snapshots);
    const started = process.hrtime.bigint();
    await box.definitions();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    box.dispose();
  }
  return median(times);
}

/**
 * A 1 MB file read through the fs capability (the race-free open, locate and the check against the
 * roots less the protected paths below them, then the read) against the same
 * read made directly, in alternating pairs: the ratio is the median of the pairs, so a burst of load
 * from elsewhere hits both halves of a pair. Also the same read by a sandboxed tool, bridge included.
 */
async function fsReadBench(dir, quick) {
  const file = join(dir, "one-mb.bin");
  writeFileSync(
    file,
    new Uint8Array(1024 * 1024).map((_, i) => i % 251),
  );
  // The root holds every protected path (a workspace at ~): the most exclusions each check weighs.
  const fs = createFsCapability({
    cwd: dir,
    readRoots: [dir],
    writeRoots: [],
    protectedPaths: protectedPaths({ pincerHome: join(dir, ".pincer") }, { HOME: dir }),
  });
  const time = async (read) => {
    const started = process.hrtime.bigint();
    const bytes = await read();
    if (bytes.length !== 1024 * 1024) throw new Error(`read ${bytes.length} bytes`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const runs = quick ? 50 : 300;
  const pairs = { direct: [], capability: [] };
  for (let i = 0; i < runs + 10; i++) {
    const capability = await time(() => fs.readFile(file));
    const direct = await time(() => readFile(file));
    if (i >= 10) {
      pairs.capability.push(capability);
      pairs.direct.push(direct);
    }
  }
  const box = sandbox(READER, dir);
  const ctx = { toolCallId: "", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
  const bridged = [];
  for (let i = 0; i < (quick ? 20 : 100) + 5; i++) {
    const started = process.hrtime.bigint();
    const result = await box.run("read", { path: file }, { ...ctx, toolCallId: `r${i}` });
    if (result.content !== String(1024 * 1024)) throw new Error(`sandboxed read: ${JSON.stringify(result.content)}`);
    if (i >= 5) bridged.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  box.dispose();
  return {
    directMs: median(pairs.direct),
    capabilityMs: median(pairs.capability),
    ratio: median(pairs.capability.map((ms, i) => ms / pairs.direct[i])),
    sandboxedToolMs: median(bridged),
  };
}

const READER = `globalThis.__pincerPlugin = { default: { tools: [{ name: "read", description: "r", kind: "read",
  parameters: { type: "object" }, async execute(args, ctx) { return { content: String((await ctx.fs.readFile(args.path)).length) }; } }] } };`;

const ECHO = `globalThis.__pincerPlugin = { default: { tools: [{ name: "echo", description: "e", kind: "read",
  parameters: { type: "object" }, async execute(args) { return { content: String(args.n) }; } }] } };`;

export async function runSandboxBench({ quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-sandbox-"));
  try {
    const coreTools = readFileSync(join(root, "plugins/core-tools/dist/plugin.js"), "utf8");
    const openai = readFileSync(join(root, "plugins/provider-openai/dist/plugin.js"), "utf8");
    const snapshots = new SnapshotCache(join(dir, "snapshots"));
    const runs = quick ? 5 : 20;
    // Warm the snapshot files (made once per code version, like the first run after install).
    await startTimes(coreTools, dir, 1, snapshots);
    await startTimes(openai, dir, 1, snapshots);
    const start = {
      coreToolsEvaluated: await startTimes(coreTools, dir, runs),
      coreToolsSnapshot: await startTimes(coreTools, dir, runs, snapshots),
      openaiEvaluated: await startTimes(openai, dir, quick ? 3 : 10),
      openaiSnapshot: await startTimes(openai, dir, runs, snapshots),
    };

    // One call through the bridge (JSON in, JSON out, limits armed) against the same call direct.
    const calls = quick ? 500 : 5000;
    const box = sandbox(ECHO, dir);
    const [tool] = await box.tools();
    const ctx = { toolCallId: "", cwd: dir, signal: new AbortController().signal, onUpdate() {} };
    for (let i = 0; i < 200; i++) await box.run(tool.name, { n: i }, { ...ctx, toolCallId: `w${i}` });
    let started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await box.run("echo", { n: i }, { ...ctx, toolCallId: `c${i}` });
    const sandboxedMs = Number(process.hrtime.bigint() - started) / 1e6 / calls;
    const direct = async (args) => ({ content: String(args.n) });
    started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await direct({ n: i });
    const directMs = Number(process.hrtime.bigint() - started) / 1e6 / calls;
    box.dispose();

    // Resident memory of idle plugins: start N core-tools isolates, hold them, measure.
    const count = quick ? 10 : 30;
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const idle = [];
    for (let i = 0; i < count; i++) {
      const held = sandbox(coreTools, dir, snapshots);
      await held.definitions();
      idle.push(held);
    }
    globalThis.gc?.();
    const perPluginMiB = (process.memoryUsage().rss - before) / count / 2 ** 20;
    for (const held of idle) held.dispose();

    const fsRead1MB = await fsReadBench(dir, quick);

    return { start, callOverheadMs: sandboxedMs - directMs, sandboxedCallMs: sandboxedMs, perPluginMiB, fsRead1MB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runSandboxBench({ quick: process.argv.includes("--quick") }), null, 2));
}
