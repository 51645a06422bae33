import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hostileSandbox, text, tool } from "./hostile-sandbox.fixture.js";

// Floods and oversize data through every bridge: each is capped on the isolate's side before it
// crosses, the call ends with a clear error or a cut (never the host's heap or a native assertion),
// the host's memory stays bounded, and the plugin and others go on working.
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

const MB = 1024 * 1024;
/** How much the host's resident memory may grow while one flood runs. */
const RSS_BUDGET = 320 * MB;

/** Runs `work` while sampling the host's resident memory; the peak growth over the start. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
  globalThis.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growth: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

const ONE_MB_STRING = `"x".repeat(${MB})`;
const TOOLS = [
  tool("ping", `return { content: "pong" };`),
  tool(
    "log-4gb",
    `const line = ${ONE_MB_STRING}; for (let i = 0; i < 4096; i++) console.log(line); return { content: "logged" };`,
  ),
  tool(
    "update-4gb",
    `const chunk = ${ONE_MB_STRING}; for (let i = 0; i < 4096; i++) ctx.onUpdate(chunk); return { content: "updated" };`,
  ),
  tool(
    "write-flood",
    `const data = new Uint8Array(4 * ${MB}); const writes = [];
     for (let i = 0; i < 24; i++) writes.push(ctx.fs.writeFile("flood.bin", data));
     await Promise.all(writes); return { content: "written" };`,
  ),
  tool(
    "request-flood",
    `const stats = []; for (let i = 0; i < 20000; i++) stats.push(ctx.fs.stat("."));
     const done = await Promise.all(stats); return { content: String(done.length) };`,
  ),
  tool(
    "write-too-big",
    `await ctx.fs.writeFile("big.bin", new Uint8Array(80 * ${MB})); return { content: "written" };`,
  ),
  tool("read", `const bytes = await ctx.fs.readFile(args.path, args.range); return { content: String(bytes.length) };`),
  tool(
    "numbers",
    `const ids = [setTimeout(() => {}, 1e308), setTimeout(() => {}, -Infinity), setInterval(() => {}, Number.NaN), setTimeout(() => {}, 2 ** 53)];
     for (const id of ids) clearTimeout(id);
     const random = crypto.getRandomValues(new Uint8Array(65536));
     const refusals = [];
     for (const range of [{ offset: 2 ** 53, length: 1 }, { offset: 0, length: -1 }, { offset: 0, length: 2 ** 64 }, { offset: { valueOf: () => 2 ** 31 }, length: 2 ** 31 }]) {
       await ctx.fs.readFile("small.txt", range).then(() => refusals.push("read"), (error) => refusals.push(error.message));
     }
     return { content: JSON.stringify({ random: random.length, refusals }) };`,
  ),
  tool("long-path", `await ctx.fs.stat("a/".repeat(100000)); return { content: "stat" };`),
].join(",");

const PROVIDERS = `{ id: "flood", models: [], create: () => ({ async *stream() {
  const text = "y".repeat(1024);
  for (let i = 0; i < 200000; i++) yield { type: "text_delta", text };
  yield { type: "stop", reason: "stop" };
} }) }`;

describe("escape: floods through the bridges", () => {
  it("4 GB of console.log: cut in the isolate, the host keeps a megabyte", async () => {
    const { run, logs } = hostileSandbox(cleanup, { tools: TOOLS });
    const { value, growth } = await peakGrowth(() => run("log-4gb"));
    expect(text(value)).toBe("logged");
    expect(growth).toBeLessThan(RSS_BUDGET);
    expect(logs.join("").length).toBeLessThan(2 * MB);
    expect(logs.at(-1)).toContain("further console output dropped");
    expect(text(await run("ping"))).toBe("pong");
  }, 120_000);

  it("4 GB of ctx.onUpdate: cut in the isolate at the update cap", async () => {
    const { box, workspace } = hostileSandbox(cleanup, { tools: TOOLS });
    const updates: string[] = [];
    const { value, growth } = await peakGrowth(() =>
      box.run(
        "update-4gb",
        {},
        { toolCallId: "u1", cwd: workspace, signal: new AbortController().signal, onUpdate: (u) => updates.push(u) },
      ),
    );
    expect(text(value)).toBe("updated");
    expect(growth).toBeLessThan(RSS_BUDGET);
    expect(updates.join("").length).toBeLessThan(1_100_000);
    expect(updates.at(-1)).toContain("further progress output dropped");
  }, 120_000);

  it("200 MB of stream events: the stream ends with an error at the 64 MB cap", async () => {
    const { stream } = hostileSandbox(cleanup, { providers: PROVIDERS });
    const { value: events, growth } = await peakGrowth(async () => {
      let count = 0;
      let last: unknown;
      for (const event of await stream("flood")) {
        count++;
        last = event;
      }
      return { count, last };
    });
    expect(events.last).toMatchObject({ type: "error" });
    expect(JSON.stringify(events.last)).toContain("more than 64 MB of events in one call");
    expect(events.count).toBeLessThan(70_000);
    expect(growth).toBeLessThan(RSS_BUDGET + 256 * MB);
  }, 120_000);

  it("a flood of writes and of requests waits in the isolate: at most 64 MB and 1,024 requests cross at once", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    const writes = await peakGrowth(() => run("write-flood"));
    // Either every write went through, or the plugin ran out of its own memory holding them.
    expect(text(writes.value)).toMatch(/^written$|ran out of memory|Array buffer allocation failed/);
    expect(writes.growth).toBeLessThan(RSS_BUDGET);
    const requests = await peakGrowth(() => run("request-flood"));
    expect(text(requests.value)).toMatch(/^20000$|ran out of memory/);
    expect(requests.growth).toBeLessThan(RSS_BUDGET);
    expect(text(await run("ping"))).toBe("pong");
  }, 120_000);

  it("one host call carries at most 64 MB, and a path at most 4,096 characters", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    const big = await run("write-too-big");
    expect(big.isError).toBe(true);
    expect(text(big)).toContain("writeFile: more than one host call carries (64 MB)");
    const long = await run("long-path");
    expect(text(long)).toContain("a path of 200000 characters; the most is 4096");
  });

  it("a 1.9 GB read is refused from its size; a length past 2^31 never reaches a native assertion", async () => {
    const { run, workspace } = hostileSandbox(cleanup, { tools: TOOLS });
    writeFileSync(join(workspace, "huge.bin"), "");
    truncateSync(join(workspace, "huge.bin"), 1_900_000_000);
    writeFileSync(join(workspace, "small.txt"), "small");
    const { value, growth } = await peakGrowth(() => run("read", { path: "huge.bin" }));
    expect(value.isError).toBe(true);
    expect(text(value)).toContain("the file has 1900000000 bytes, more than one read returns");
    expect(growth).toBeLessThan(RSS_BUDGET);
    const ranged = await run("read", { path: "huge.bin", range: { offset: 0, length: 2 ** 31 } });
    expect(text(ranged)).toContain("Read it in pieces");
    expect(text(await run("read", { path: "huge.bin", range: { offset: 0, length: 16 } }))).toBe("16");
    expect(text(await run("read", { path: "small.txt", range: { offset: 1, length: 2 ** 40 } }))).toBe("4");
  });

  it("huge, negative and odd numbers into timers, random bytes and ranges are refused or clamped", async () => {
    const { run, workspace } = hostileSandbox(cleanup, { tools: TOOLS });
    writeFileSync(join(workspace, "small.txt"), "small");
    const result = JSON.parse(text(await run("numbers")));
    expect(result.random).toBe(65536);
    expect(result.refusals).toHaveLength(4);
    for (const refusal of result.refusals.slice(0, 3)) expect(refusal).toContain("must be a non-negative integer");
    expect(result.refusals[3]).toBe("read");
  });
});
