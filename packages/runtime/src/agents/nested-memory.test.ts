import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nestedMemoryHooks } from "./nested-memory.js";

let work: string;
let cwd: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "pincer-nested-memory-"));
  cwd = join(work, "project");
  mkdirSync(join(cwd, "data"), { recursive: true });
  writeFileSync(join(cwd, "data", "a.txt"), "1,2,3\n");
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function hooks() {
  const warnings: string[] = [];
  const after = nestedMemoryHooks({ cwd, pincerHome: join(work, "home"), loaded: [], warn: (m) => warnings.push(m) })
    .afterToolCall as (call: unknown, result: unknown) => { context?: string } | undefined;
  const read = (path: string) =>
    after({ id: "c", name: "read", arguments: { path } }, { content: "", isError: false })?.context;
  return { read, warnings };
}

/** A folder's times set well in the past, as a folder nobody touched lately has them. */
const age = (folder: string, seconds: number) => utimesSync(folder, seconds, seconds);

describe("nested memory files below cwd", () => {
  it("looks through an unchanged folder once, and again once a file is added to it", () => {
    const { read } = hooks();
    age(join(cwd, "data"), 1_000_000);
    expect(read("data/a.txt")).toBeUndefined();
    // A memory file slipped in with the folder's time put back: proof the folder is not looked
    // through again while its time stands (the look a long session no longer repeats).
    writeFileSync(join(cwd, "data", "AGENTS.md"), "Use the loss column.\n");
    age(join(cwd, "data"), 1_000_000);
    expect(read("data/a.txt")).toBeUndefined();
    // Adding a file changes the folder's time: the memory file joins, once.
    age(join(cwd, "data"), 2_000_000);
    expect(read("data/a.txt")).toContain("Use the loss column.");
    expect(read("data/a.txt")).toBeUndefined();
  });

  it("trusts a fine-grained folder time once it is a moment old, a time in whole seconds only after two", () => {
    const { read } = hooks();
    const data = join(cwd, "data");
    const second = Math.floor(Date.now() / 1000);
    // About a second ago, with a fraction of a second (what ext4 or tmpfs keeps): trusted, so
    // a memory file slipped in with the time put back is not seen.
    const fine = second - 1 + 0.25;
    utimesSync(data, fine, fine);
    expect(read("data/a.txt")).toBeUndefined();
    writeFileSync(join(data, "AGENTS.md"), "Fine rules.\n");
    utimesSync(data, fine, fine);
    expect(read("data/a.txt")).toBeUndefined();
    // A time in whole seconds (a filesystem that keeps seconds) is not trusted within two seconds
    // (here it is one to three seconds ahead, as a clock a little off can make it): looked through every time.
    const whole = second + 3;
    utimesSync(data, whole, whole);
    rmSync(join(data, "AGENTS.md"));
    utimesSync(data, whole, whole);
    expect(read("data/a.txt")).toBeUndefined();
    writeFileSync(join(data, "CLAUDE.md"), "Whole rules.\n");
    utimesSync(data, whole, whole);
    expect(read("data/a.txt")).toContain("Whole rules.");
  });

  it("finds a memory file created just now, in a folder read a moment before", () => {
    const { read } = hooks();
    mkdirSync(join(cwd, "data", "deep"));
    expect(read("data/deep")).toBeUndefined();
    writeFileSync(join(cwd, "data", "deep", "CLAUDE.md"), "Deep rules.\n");
    expect(read("data/deep/x.txt")).toContain("Deep rules.");
  });

  it("gives nothing for paths outside cwd, and keeps working after a folder is removed", () => {
    const { read } = hooks();
    expect(read("../elsewhere/x.txt")).toBeUndefined();
    expect(read("/etc/hostname")).toBeUndefined();
    age(join(cwd, "data"), 1_000_000);
    expect(read("data/a.txt")).toBeUndefined();
    rmSync(join(cwd, "data"), { recursive: true });
    expect(read("data/a.txt")).toBeUndefined();
    mkdirSync(join(cwd, "data"));
    writeFileSync(join(cwd, "data", "AGENTS.md"), "Back again.\n");
    expect(read("data/a.txt")).toContain("Back again.");
  });
});
