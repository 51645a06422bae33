import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Confinement, hostileSandbox, text, tool } from "./hostile-sandbox.fixture.js";

// A hostile plugin races the fs capability from inside the sandbox: it swaps folders around an
// outward symlink of the workspace (as a virtualenv's interpreter link is) with the capability's own
// renames, or with commands it may spawn (with bubblewrap around them, and as on a machine without
// it), while it reads and writes through the swapped path. Nothing outside is ever read or changed.
// The capability itself is raced 10,000 times each way in capabilities/fs-race.test.ts.
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

/** `p` is `tree-in` (a real `l/` holding f = "inside") or `tree-out` (`l` links outside, to f = "secret"). */
function plant(workspace: string, outside: string): void {
  writeFileSync(join(outside, "f"), "secret");
  mkdirSync(join(workspace, "p/l"), { recursive: true });
  writeFileSync(join(workspace, "p/l/f"), "inside");
  writeFileSync(join(workspace, "p/.in"), "");
  mkdirSync(join(workspace, "tree-out"));
  writeFileSync(join(workspace, "tree-out/.out"), "");
  symlinkSync(outside, join(workspace, "tree-out/l"));
}

/** Reads and writes `p/l/…` `rounds` times while `swap()` (the plugin's own) runs; what it saw. */
const RACE = (swap: string) =>
  tool(
    "race",
    `let stop = false;
     // A write that makes missing folders may fill the gap where p was moved away with a folder of its
     // own; that one is moved aside, so the two trees keep taking turns.
     let strays = 0;
     const repair = async () => {
       const [pIn, pOut, treeIn, treeOut] = await Promise.all(["p/.in", "p/.out", "tree-in/.in", "tree-out/.out"].map((path) => ctx.fs.stat(path).catch(() => null)));
       if (!pIn && !pOut && treeIn && treeOut) await ctx.fs.rename("p", "stray-" + ++strays).catch(() => {});
     };
     const swap = async () => { await repair(); ${swap} };
     const swapper = (async () => { while (!stop) await swap().catch(() => {}); })();
     const seen = {};
     const note = (what) => { seen[what] = (seen[what] ?? 0) + 1; };
     const attempts = [];
     for (let worker = 0; worker < 4; worker++) {
       attempts.push((async () => {
         for (let i = 0; i < args.rounds; i++) {
           await ctx.fs.readText("p/l/f").then(note, (error) => note(error.message.includes("refused") ? "refused" : "failed"));
           await ctx.fs.writeFile("p/l/w-" + worker, "planted").then(() => note("wrote"), () => note("write failed"));
           await ctx.fs.appendFile("p/l/a-" + worker, "planted").then(() => note("appended"), () => note("append failed"));
         }
       })());
     }
     await Promise.all(attempts);
     stop = true;
     await swapper;
     return { content: JSON.stringify(seen) };`,
  );

// Each step on its own (one that fails leaves the next to put things back), so the swap never stalls.
const RENAMES = `for (const [from, to] of [["p", "tree-in"], ["tree-out", "p"], ["p", "tree-out"], ["tree-in", "p"]]) {
                   await ctx.fs.rename(from, to).catch(() => {});
                 }`;
// -T: rename(2) itself, never "move into the folder that is there".
const MOVES = `for (const [from, to] of [["p", "tree-in"], ["tree-out", "p"], ["p", "tree-out"], ["tree-in", "p"]]) {
                 await ctx.exec.run("mv -T " + from + " " + to).catch(() => {});
               }`;

function expectNothingOutside(outside: string, seen: Record<string, number>): void {
  expect(seen.secret, JSON.stringify(seen)).toBeUndefined();
  expect(readdirSync(outside)).toEqual(["f"]);
  expect(readFileSync(join(outside, "f"), "utf8")).toBe("secret");
}

describe("escape: a plugin racing the fs capability", () => {
  it("with its own renames around an outward symlink: nothing outside is read or written", async () => {
    const { run, workspace, outside } = hostileSandbox(cleanup, { tools: RACE(RENAMES) });
    plant(workspace, outside);
    const seen = JSON.parse(text(await run("race", { rounds: 250 })));
    expectNothingOutside(outside, seen);
    expect(seen.inside ?? 0, JSON.stringify(seen)).toBeGreaterThan(0);
  }, 120_000);

  it.each(["bwrap", "none"] as Confinement[])(
    "with spawned mv commands (%s): nothing outside is read or written",
    async (confinement) => {
      const { run, workspace, outside } = hostileSandbox(
        cleanup,
        { tools: RACE(MOVES) },
        { spawn: ["mv"], confinement },
      );
      plant(workspace, outside);
      const seen = JSON.parse(text(await run("race", { rounds: 150 })));
      expectNothingOutside(outside, seen);
      expect(seen.inside ?? 0, JSON.stringify(seen)).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each(["bwrap", "none"] as Confinement[])(
    "a hard link to a file outside (%s): never appended to, writes replace only the link",
    async (confinement) => {
      const { run, workspace, outside, confined } = hostileSandbox(
        cleanup,
        {
          tools: [
            tool("link", `return { content: JSON.stringify(await ctx.exec.run(args.command)) };`),
            tool(
              "use",
              `const outcomes = [];
               await ctx.fs.appendFile("hl", "!").then(() => outcomes.push("appended"), (error) => outcomes.push(error.message));
               await ctx.fs.writeFile("hl", "replaced").then(() => outcomes.push("written"), (error) => outcomes.push(error.message));
               return { content: JSON.stringify(outcomes) };`,
            ),
          ].join(","),
        },
        { spawn: ["ln"], confinement },
      );
      writeFileSync(join(outside, "secret.txt"), "secret");
      const linked = JSON.parse(text(await run("link", { command: `ln ${join(outside, "secret.txt")} hl` })));
      if (confined) {
        // Under bubblewrap the workspace is its own mount: a link into it from outside cannot be made.
        expect(linked.exitCode).not.toBe(0);
        expect(existsSync(join(workspace, "hl"))).toBe(false);
        linkSync(join(outside, "secret.txt"), join(workspace, "hl"));
      } else expect(linked.exitCode).toBe(0);
      // A link that exists (planted by the plugin unconfined, or by the user): appending is refused,
      // and writing replaces the name in the workspace, never the file outside.
      const [append, write] = JSON.parse(text(await run("use")));
      expect(append).toContain("has 2 hard links");
      expect(write).toBe("written");
      expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
      expect(readFileSync(join(workspace, "hl"), "utf8")).toBe("replaced");
    },
    60_000,
  );
});
