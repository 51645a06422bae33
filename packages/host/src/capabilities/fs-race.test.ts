import { type ChildProcess, spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsCapability } from "./fs.js";
import type { ProtectedPath } from "./protected-paths.js";

// A plugin (or a command it spawned) swaps a directory and a symlink out of the workspace while the
// fs capability reads and writes through that path. Whatever the timing, nothing outside the granted
// roots is ever read or changed. CI runs the counts below; PINCER_STRESS=1 runs 10,000 of each.
const COUNT = process.env.PINCER_STRESS ? 10_000 : 2_000;

const dirs: string[] = [];
const swappers: ChildProcess[] = [];
afterEach(async () => {
  for (const child of swappers.splice(0)) {
    child.kill("SIGKILL");
    if (child.exitCode === null && child.signalCode === null) await new Promise((done) => child.once("exit", done));
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-fs-race-")));
  dirs.push(dir);
  return dir;
}

/**
 * A workspace whose `swap` leads, in turn, to a directory inside holding `f` = "inside" and to a
 * folder outside holding `f` = "secret"; another process swaps them as fast as it can. `exchange`
 * renames a real directory and a symlink in and out of the name (with gaps where it is missing);
 * `retarget` keeps `swap` a symlink and replaces it atomically (no gap, so a write that makes missing
 * folders never fills one).
 */
async function racedWorkspace(how: "exchange" | "retarget", where: "outside" | "protected" = "outside") {
  const root = temp();
  // `protected`: the secret is in a protected folder inside the root (PINCER_HOME under a workspace at ~).
  const outside = where === "outside" ? temp() : join(root, ".pincer");
  if (where === "protected") mkdirSync(outside);
  const guarded: ProtectedPath[] =
    where === "protected" ? [{ path: outside, why: "Pincer's own settings and secrets" }] : [];
  writeFileSync(join(outside, "f"), "secret");
  const inside = how === "exchange" ? "swap" : "swap.real";
  mkdirSync(join(root, inside));
  writeFileSync(join(root, inside, "f"), "inside");
  writeFileSync(join(root, inside, ".real"), "");
  symlinkSync(outside, join(root, "swap.link"));
  if (how === "retarget") symlinkSync("swap.real", join(root, "swap"));
  const loop =
    how === "exchange"
      ? `renameSync(at("swap"), at("swap.dir"));
         renameSync(at("swap.link"), at("swap"));
         renameSync(at("swap"), at("swap.link"));
         renameSync(at("swap.dir"), at("swap"));`
      : `symlinkSync(${JSON.stringify(outside)}, at("swap.next"));
         renameSync(at("swap.next"), at("swap"));
         symlinkSync("swap.real", at("swap.next"));
         renameSync(at("swap.next"), at("swap"));`;
  // A write that makes missing folders may fill an exchange's gap with a directory of its own; the
  // swapper then clears that one away and puts its two back, so the race goes on.
  const script = `
    const { existsSync, lstatSync, renameSync, rmSync, symlinkSync } = require("node:fs");
    const at = (name) => ${JSON.stringify(root)} + "/" + name;
    const repair = () => {
      for (const name of ["swap", "swap.dir"]) {
        let stats;
        try { stats = lstatSync(at(name)); } catch { continue; }
        if (stats.isSymbolicLink()) { if (!existsSync(at("swap.link"))) renameSync(at(name), at("swap.link")); }
        else if (!existsSync(at(name) + "/.real")) rmSync(at(name), { recursive: true, force: true });
      }
      if (existsSync(at("swap.dir")) && !existsSync(at("swap"))) renameSync(at("swap.dir"), at("swap"));
    };
    process.stdout.write("ready\\n");
    // Ends with the test's process: a runner killed mid-test (a timeout, a SIGKILL) left it
    // swapping for ever, a core's worth of CPU on the machine.
    const parent = process.ppid;
    for (let turn = 1; ; turn++) {
      if (turn % 1024 === 0 && process.ppid !== parent) process.exit(0);
      try {
        ${loop}
      } catch {
        try { repair(); } catch {}
      }
    }`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  swappers.push(child);
  await new Promise<void>((ready) => child.stdout?.once("data", () => ready()));
  return {
    root,
    outside,
    fs: createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root], protectedPaths: guarded }),
  };
}

/** Runs `op` `count` times, `width` at once; counts what each settled as. */
async function hammer(count: number, op: (i: number) => Promise<string>): Promise<Map<string, number>> {
  const outcomes = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const outcome = await op(i).catch((error: Error) => {
        const message = String(error.message);
        return message.includes("refused") ? "refused" : message.split(":")[0] || message;
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return outcomes;
}

describe("fs capability under a directory/symlink swap race", () => {
  it.each([
    { where: "outside", label: "outside the roots" },
    { where: "protected", label: "in a protected folder inside a root" },
  ] as const)(
    `never reads a secret $label: ${COUNT} reads of every kind against a swapper`,
    async ({ where }) => {
      const { fs } = await racedWorkspace("exchange", where);
      const outcomes = await hammer(COUNT, async (i) => {
        const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
        switch (i % 4) {
          case 0:
            return text(await fs.readFile("swap/f"));
          case 1:
            return text(await fs.readFile("swap/f", { offset: 0, length: 6 }));
          case 2:
            return fs.readText("swap/f");
          default:
            return (await fs.readdir("swap")).some((entry) => entry.name === "f") ? "listed" : "empty";
        }
      });
      expect(outcomes.has("secret"), `outcomes: ${JSON.stringify([...outcomes])}`).toBe(false);
      // The race was real: reads succeeded inside, and others met the link (refused) or the gap.
      expect(outcomes.get("inside") ?? 0).toBeGreaterThan(0);
      expect([...outcomes.keys()].some((key) => key !== "inside" && key !== "listed")).toBe(true);
    },
    120_000,
  );

  it.each([
    ["exchange", "outside"],
    ["retarget", "outside"],
    ["exchange", "protected"],
    ["retarget", "protected"],
  ] as const)(
    `never writes where it may not: ${COUNT} writes of every kind against a swapper (%s, the secret's folder %s)`,
    async (how, where) => {
      const { root, outside, fs } = await racedWorkspace(how, where);
      const outcomes = await hammer(COUNT, async (i) => {
        switch (i % 5) {
          case 0:
            await fs.writeFile("swap/f", "overwritten");
            return "written";
          case 1:
            await fs.appendFile(`swap/appended-${i}`, "x");
            return "appended";
          case 2:
            await fs.mkdir(`swap/made-${i}/deeper`);
            return "made";
          case 3:
            await fs.writeFile(`swap/new-${i}/file`, "x");
            return "created";
          default:
            await fs.rename("swap/f", "swap/f");
            return "renamed";
        }
      });
      const seen = JSON.stringify([...outcomes]);
      expect(readdirSync(outside), `outcomes: ${seen}`).toEqual(["f"]);
      expect(readFileSync(join(outside, "f"), "utf8")).toBe("secret");
      expect(outcomes.get("written") ?? 0, seen).toBeGreaterThan(0);
      expect(outcomes.get("refused") ?? 0, seen).toBeGreaterThan(0);
      if (how === "retarget") expect(readFileSync(join(root, "swap.real/f"), "utf8")).toBe("overwritten");
    },
    120_000,
  );

  it("a plugin's own renames of directories around an outward link cannot redirect a read either", async () => {
    // Without spawning anything: `p/l` is a real directory in one tree and a link out in the other,
    // and the plugin swaps the trees with the capability's own rename while it reads `p/l/f`.
    const root = temp();
    const outside = temp();
    writeFileSync(join(outside, "f"), "secret");
    mkdirSync(join(root, "tree-in/l"), { recursive: true });
    writeFileSync(join(root, "tree-in/l/f"), "inside");
    mkdirSync(join(root, "tree-out"));
    symlinkSync(outside, join(root, "tree-out/l"));
    const fs = createFsCapability({ cwd: root, readRoots: [root], writeRoots: [root] });
    await fs.rename("tree-in", "p");
    let stop = false;
    const swapper = (async () => {
      while (!stop) {
        await fs.rename("p", "tree-in");
        await fs.rename("tree-out", "p");
        await fs.rename("p", "tree-out");
        await fs.rename("tree-in", "p");
      }
    })();
    const outcomes = await hammer(COUNT / 2, async () => Buffer.from(await fs.readFile("p/l/f")).toString("utf8"));
    stop = true;
    await swapper;
    expect(outcomes.has("secret"), `outcomes: ${JSON.stringify([...outcomes])}`).toBe(false);
    expect(outcomes.get("inside") ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
