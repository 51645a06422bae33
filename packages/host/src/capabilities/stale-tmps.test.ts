import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPrivateTmp, removePrivateTmp } from "./os-sandbox.js";
import { STALE_AFTER_MS, sweepStaleTmps } from "./stale-tmps.js";

const host = JSON.stringify(join(import.meta.dirname, "../../dist/index.js"));
const later = () => Date.now() + STALE_AFTER_MS + 60_000;
const children: ChildProcess[] = [];
const scratches: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-sweep-test-"));
  scratches.push(dir);
  return dir;
}

/** A Pincer process (the built host) that makes a private /tmp under `tmp`, writes in it and waits. */
async function processWithPrivateTmp(tmp: string): Promise<{ child: ChildProcess; dir: string }> {
  const code = `const { createPrivateTmp } = await import(${host});
    const dir = createPrivateTmp();
    (await import("node:fs")).writeFileSync(dir + "/clone.txt", "what a command left");
    console.log(dir);
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let out = "";
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    out += chunk;
    if (out.includes("\n")) break;
  }
  return { child, dir: out.trim() };
}

describe("private /tmps of killed processes", () => {
  it("are named for the process that made them", () => {
    const dir = createPrivateTmp();
    try {
      expect(basename(dir)).toMatch(new RegExp(`^pincer-tmp-${process.pid}-[A-Za-z0-9]{6}$`));
    } finally {
      removePrivateTmp(dir);
    }
  });

  it("are removed once an hour old; a live process's, this one's, a legacy name and other folders stay", async () => {
    const tmp = scratch();
    const killed = await processWithPrivateTmp(tmp);
    killed.child.kill("SIGKILL");
    await once(killed.child, "exit");
    // kill -9: its exit listener never ran, so the folder and what its command wrote are still there.
    expect(existsSync(join(killed.dir, "clone.txt"))).toBe(true);
    const running = await processWithPrivateTmp(tmp);
    const own = join(tmp, `pincer-tmp-${process.pid}-abcDEF`);
    const legacy = join(tmp, "pincer-tmp-AbC123");
    const other = join(tmp, "pincer-tmp-notes");
    for (const dir of [own, legacy, other]) mkdirSync(dir);
    writeFileSync(join(tmp, "pincer-tmp-999999999-abcdef"), "a file, not a folder");

    // Within the hour nothing goes: the pid alone cannot tell a process in another pid namespace.
    expect(await sweepStaleTmps({ dir: tmp })).toBe(0);
    expect(existsSync(killed.dir)).toBe(true);

    expect(await sweepStaleTmps({ dir: tmp, now: later() })).toBe(1);
    expect(existsSync(killed.dir)).toBe(false);
    for (const kept of [running.dir, own, legacy, other, join(tmp, "pincer-tmp-999999999-abcdef")]) {
      expect(existsSync(kept)).toBe(true);
    }
  });

  it("go by the age of the folder itself, and a temp folder that is not there is no error", async () => {
    const tmp = scratch();
    const killed = await processWithPrivateTmp(tmp);
    killed.child.kill("SIGKILL");
    await once(killed.child, "exit");
    const hourAgo = (Date.now() - STALE_AFTER_MS - 60_000) / 1000;
    utimesSync(killed.dir, hourAgo, hourAgo);
    expect(await sweepStaleTmps({ dir: tmp })).toBe(1);
    expect(existsSync(killed.dir)).toBe(false);
    expect(await sweepStaleTmps({ dir: join(tmp, "missing") })).toBe(0);
  });
});
