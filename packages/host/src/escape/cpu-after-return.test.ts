import { afterEach, describe, expect, it } from "vitest";
import { hostileSandbox, text, tool, until } from "./hostile-sandbox.fixture.js";

// Work a plugin leaves behind when its call returns (timers, promise chains, microtask storms) is
// metered and stopped: the plugin that did it is stopped and told, the next call of an innocent
// plugin is never the one killed, and the session goes on.
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

const SPIN = "const until = Date.now() + 60_000; while (Date.now() < until) {}";
const TOOLS = [
  tool("ping", `return { content: "pong" };`),
  // A timer due later than the call's end; \`check\` then waits for a later one of its own.
  tool(
    "leave-timer",
    `ctx.state.set("fired", false); setTimeout(() => ctx.state.set("fired", true), 100); return { content: "left" };`,
  ),
  tool(
    "check-timer",
    `await new Promise((done) => setTimeout(done, 300)); return { content: String(ctx.state.get("fired")) };`,
  ),
  tool("leave-interval", `setInterval(() => { ${SPIN} }, 1); return { content: "left" };`),
  // The storm starts when a request made during the call settles, after the call has returned.
  tool(
    "leave-storm",
    `const storm = () => Promise.resolve().then(storm);
     ctx.fs.stat(".").then(() => { console.log("storming"); storm(); });
     return { content: "left" };`,
  ),
  tool("leave-chain", `const again = () => ctx.fs.stat(".").then(again, again); again(); return { content: "left" };`),
  tool(
    "spin-in-timer",
    `await new Promise((done) => setTimeout(() => { ${SPIN} done(); }, 0)); return { content: "never" };`,
  ),
].join(",");

describe("escape: CPU after a call returns", () => {
  it("drops a timer still pending when the call returns: it never fires", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    expect(text(await run("leave-timer"))).toBe("left");
    // The plugin's own later timer fires first: the earlier one was dropped with the call.
    expect(text(await run("check-timer"))).toBe("false");
  });

  it("a microtask storm left behind is stopped; the plugin's next call is told why, the one after works", async () => {
    const { run, logs } = hostileSandbox(cleanup, { tools: TOOLS }, { limits: { cpuMsPerCall: 2000 } });
    const innocent = hostileSandbox(cleanup, { tools: TOOLS });
    const left = await run("leave-storm");
    if (left.isError) {
      // The request settled before the call ended: the storm kept the call from returning, and the
      // call itself was stopped at its CPU limit.
      expect(text(left)).toContain("used more than 2000 ms of CPU");
    } else {
      expect(text(left)).toBe("left");
      // Asked while the storm runs: the call waits for it to be stopped and is told; it is not the
      // one killed for the storm's CPU.
      await until(() => logs.some((line) => line.includes("storming")), "the storm to start");
      const told = await run("ping");
      expect(told.isError).toBe(true);
      expect(text(told)).toMatch(
        /was stopped: it used \d+ ms of CPU \(more than 1000 ms\) after its calls had returned/,
      );
      // Meanwhile another plugin's calls went on untouched.
      expect(text(await innocent.run("ping"))).toBe("pong");
    }
    expect(text(await innocent.run("ping"))).toBe("pong");
    expect(text(await run("ping"))).toBe("pong");
  }, 60_000);

  it("an interval left spinning is dropped, or stopped as the plugin's if it already spun: no later call is killed", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS }, { limits: { cpuMsPerCall: 1000 } });
    expect(text(await run("leave-interval"))).toBe("left");
    // Its first tick may come before the call's end is seen; then its spin is the plugin's, told once.
    const next = await run("ping");
    if (next.isError) expect(text(next)).toContain("after its calls had returned");
    else expect(text(next)).toBe("pong");
    for (let i = 0; i < 3; i++) expect(text(await run("ping"))).toBe("pong");
  }, 60_000);

  it("host requests made after the call returned are refused, and a plugin that keeps asking is stopped", async () => {
    const { run, logs } = hostileSandbox(cleanup, { tools: TOOLS });
    expect(text(await run("leave-chain"))).toBe("left");
    await until(() => logs.some((line) => line.includes("kept asking the host for work")), "the chain to be stopped");
    const told = await run("ping");
    expect(told.isError).toBe(true);
    expect(text(told)).toContain("kept asking the host for work (stat, 100 times) after its calls had returned");
    expect(text(await run("ping"))).toBe("pong");
  }, 60_000);

  it("a timer's work during a call counts against that call's CPU limit", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS }, { limits: { cpuMsPerCall: 300 } });
    const result = await run("spin-in-timer");
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("used more than 300 ms of CPU");
    expect(text(await run("ping"))).toBe("pong");
  }, 60_000);
});
