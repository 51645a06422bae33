import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hostileSandbox, text, tool } from "./hostile-sandbox.fixture.js";

// Tricks against the bridge itself: results the host cannot handle, errors dressed as the host's,
// the isolate's half of the bridge called or patched by the plugin, getters and shared memory.
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

const nest = (depth: number) =>
  `let value = "leaf"; for (let i = 0; i < ${depth}; i++) value = { value }; return { content: "deep", details: value };`;
const TOOLS = [
  tool("count", `const n = (ctx.state.get("n") ?? 0) + 1; ctx.state.set("n", n); return { content: String(n) };`),
  tool("very-deep", nest(200_000)),
  tool("deep", nest(100)),
  tool("fake-timeout", `throw new Error("Script execution timed out.");`),
  tool("fake-oom", `throw new Error("Isolate was disposed during execution due to memory limit");`),
  tool("poisoned-error", `throw { get message() { throw new Error("gotcha"); } };`),
  tool(
    "call-entries",
    `const outcomes = [];
     const attempt = (label, fn) => { try { fn(); outcomes.push(label + ": allowed"); } catch (error) { outcomes.push(label + ": " + error.message); } };
     attempt("entry", () => __pincer.entry("run", "a guessed key"));
     attempt("attach", () => __pincer.attach(null, null, "{}", "mine"));
     attempt("redefine", () => Object.defineProperty(globalThis, "__pincer", { value: {} }));
     globalThis.__pincer = { entry: () => "replaced" };
     outcomes.push("still frozen: " + Object.isFrozen(globalThis.__pincer));
     return { content: outcomes.join("\\n") };`,
  ),
  tool(
    "patched-intrinsics",
    `const typed = Object.getPrototypeOf(Uint8Array.prototype);
     Object.defineProperty(typed, "byteLength", { get() { return 0; }, configurable: true });
     Array.isArray = () => false;
     JSON.stringify = () => "{}";
     Function.prototype.call = function () { return 0; };
     const outcomes = [];
     await ctx.fs.writeFile("big.bin", new Uint8Array(80 * 1024 * 1024)).then(() => outcomes.push("80 MB crossed"), (error) => outcomes.push(error.message));
     const small = new Uint8Array(1000).fill(7);
     await ctx.fs.writeFile("small.bin", small.subarray(100, 300));
     outcomes.push("small written");
     return { content: outcomes.join("\\n") };`,
  ),
  tool(
    "shifty-range",
    `let reads = 0;
     const range = { get offset() { return reads++ === 0 ? 0 : 2 ** 40; }, get length() { return 5; } };
     const bytes = await ctx.fs.readFile("five.txt", range);
     return { content: new TextDecoder().decode(bytes) + " after " + reads + " read(s) of offset" };`,
  ),
  tool(
    "shared-memory",
    `const shared = new Uint8Array(new SharedArrayBuffer(8)).fill(65);
     await ctx.fs.writeFile("shared.txt", shared);
     let waited;
     try { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); waited = "waited"; } catch (error) { waited = error.message; }
     return { content: waited };`,
  ),
  tool(
    "reentrant-path",
    `let depth = 0;
     const path = { toString() { depth++; if (depth < 100000) ctx.fs.stat(path); return "."; } };
     await ctx.fs.stat(path);
     return { content: "depth " + depth };`,
  ),
].join(",");

describe("escape: tricks against the bridge", () => {
  it("a result nested too deep for the host is refused as a tool error, and the host goes on", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    const veryDeep = await run("very-deep");
    expect(veryDeep.isError).toBe(true);
    expect(text(veryDeep)).toContain("its result is not plain data");
    const deep = await run("deep");
    expect(deep.isError).toBe(true);
    expect(text(deep)).toContain("returned a result nested deeper than 64 levels");
    expect(text(await run("count"))).toBe("1");
  });

  it("errors dressed as the host's are the plugin's own: nothing is stopped, its state stays", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    expect(text(await run("count"))).toBe("1");
    expect(text(await run("fake-timeout"))).toBe("fake-timeout failed: Script execution timed out.");
    expect(text(await run("fake-oom"))).toBe(
      "fake-oom failed: Isolate was disposed during execution due to memory limit",
    );
    expect(text(await run("poisoned-error"))).toBe("poisoned-error failed: an error that cannot be described");
    expect(text(await run("count"))).toBe("2");
  });

  it("the plugin cannot call, replace or re-attach the host's entries", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    expect(text(await run("call-entries")).split("\n")).toEqual([
      "entry: not the host",
      "attach: already attached",
      "redefine: Cannot redefine property: __pincer",
      "still frozen: true",
    ]);
    expect(text(await run("count"))).toBe("1");
  });

  it("patched intrinsics change nothing the bridge measures or sends", async () => {
    const { run, workspace } = hostileSandbox(cleanup, { tools: TOOLS });
    expect(text(await run("patched-intrinsics")).split("\n")).toEqual([
      "writeFile: more than one host call carries (64 MB). Send it in pieces (fs.appendFile writes a file piece by piece).",
      "small written",
    ]);
    // Exactly the view's 200 bytes crossed, not its buffer.
    expect(readFileSync(join(workspace, "small.bin"))).toEqual(Buffer.alloc(200, 7));
  });

  it("getters are read once, before anything crosses; shared memory crosses as a copy and cannot be waited on", async () => {
    const { run, workspace } = hostileSandbox(cleanup, { tools: TOOLS });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(workspace, "five.txt"), "fivebytes");
    expect(text(await run("shifty-range"))).toBe("fiveb after 1 read(s) of offset");
    expect(text(await run("shared-memory"))).toBe("Atomics.wait is not available in a plugin sandbox");
    expect(readFileSync(join(workspace, "shared.txt"), "utf8")).toBe("AAAAAAAA");
  });

  it("a path that calls back into the bridge as it is read ends the plugin's own call, not the host", async () => {
    const { run } = hostileSandbox(cleanup, { tools: TOOLS });
    const result = await run("reentrant-path");
    // Its own stack runs out first, or every request is answered: either way the host is untouched.
    expect(text(result)).toMatch(/Maximum call stack size exceeded|depth 100000|ran out of memory/);
    expect(text(await run("count"))).toMatch(/^\d+$|restarted/);
    expect(text(await run("count"))).toMatch(/^\d+$/);
  }, 60_000);
});
