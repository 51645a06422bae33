import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { probeBwrap } from "./bwrap-probe.js";
import { checkOsSandbox } from "./os-sandbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-probe-")));
  dirs.push(dir);
  return dir;
}

/** A bwrap stand-in that counts its runs and answers as told (each test its own path: no shared memo). */
function fakeBwrap(dir: string, works: boolean): { path: string; runs(): number } {
  const path = join(dir, `bwrap-${works ? "ok" : "broken"}`);
  const counter = join(dir, "runs");
  writeFileSync(
    path,
    `#!/bin/sh\necho x >> '${counter}'\n${works ? "exit 0" : "echo 'bwrap: No permissions to create new namespace' >&2; exit 1"}\n`,
  );
  chmodSync(path, 0o755);
  return { path, runs: () => (existsSync(counter) ? readFileSync(counter, "utf8").split("\n").length - 1 : 0) };
}

describe("the bwrap probe's remembered answer", () => {
  it("lives in the user's state folder (0700), not in the shared temp folder", () => {
    const state = join(temp(), "run");
    const bwrap = fakeBwrap(temp(), true);
    const shared = join(tmpdir(), `pincer-bwrap-probe-${process.getuid?.() ?? "user"}.json`);
    const before = existsSync(shared) ? statSync(shared).mtimeMs : undefined;
    expect(probeBwrap(bwrap.path, state)).toEqual({ ok: true, reason: "" });
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(statSync(join(state, "bwrap-probe.json")).mode & 0o777).toBe(0o600);
    expect(existsSync(shared) ? statSync(shared).mtimeMs : undefined).toBe(before);
  });

  it("cannot be forged to say bubblewrap is missing: only a success is remembered", () => {
    const state = temp();
    const bwrap = fakeBwrap(temp(), true);
    // An attacker (a plugin granted the folder, another user) writes a failure where the answer lives.
    writeFileSync(join(state, "bwrap-probe.json"), JSON.stringify({ key: "anything", ok: false, reason: "forged" }));
    const check = checkOsSandbox({ bwrapPath: bwrap.path, stateDir: state });
    expect(check).toEqual({ sandboxed: true });
    expect(bwrap.runs()).toBe(1);
  });

  it("a failure is probed again by every process, and says how to fix it", () => {
    const state = temp();
    const bwrap = fakeBwrap(temp(), false);
    const check = checkOsSandbox({ bwrapPath: bwrap.path, stateDir: state });
    expect(check.sandboxed).toBe(false);
    expect(check.unconfined).toBe("ask");
    expect(check.warning).toContain("No permissions to create new namespace");
    expect(check.warning).toContain("apt-get install bubblewrap");
    expect(existsSync(join(state, "bwrap-probe.json"))).toBe(false);
  });

  it("distrusts an answer file others could have written", () => {
    const state = temp();
    const bwrap = fakeBwrap(temp(), true);
    probeBwrap(bwrap.path, state);
    expect(bwrap.runs()).toBe(1);
    chmodSync(join(state, "bwrap-probe.json"), 0o666);
    // A fresh process (the in-memory answer is per path: call through a link to the same binary).
    const again = join(temp(), "bwrap-again");
    writeFileSync(again, readFileSync(bwrap.path));
    chmodSync(again, 0o755);
    expect(probeBwrap(again, state).ok).toBe(true);
    expect(bwrap.runs()).toBe(2);
  });
});
