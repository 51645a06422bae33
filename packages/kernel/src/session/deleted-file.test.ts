// A session's file taken away while the session runs: deleted (rm, a cleanup, the folder removed)
// or replaced by another program's rename. Each test performs it on a real file.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Message } from "../messages.js";
import { lockPathFor } from "./lock.js";
import { Session } from "./session.js";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-session-deleted-"));
  file = join(dir, "sessions", "s1.jsonl");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const user = (text: string): Message => ({ role: "user", content: text, timestamp: 1 });

/** The user messages the file at `path` holds, read as a new process would (read-only). */
function userTexts(path: string): string[] {
  const reader = Session.open(path, { readOnly: true });
  return reader
    .entries()
    .flatMap((entry) => (entry.type === "message" && entry.message.role === "user" ? [entry.message.content] : []));
}

describe("a session whose file is deleted while it runs", () => {
  it("writes the file back, goes on appending, and says so once", () => {
    const session = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    const told: string[] = [];
    session.onWarning((message) => told.push(message));
    session.append({ type: "message", message: user("one") });
    session.append({ type: "message", message: user("two") });

    rmSync(file);
    session.append({ type: "message", message: user("three") });
    session.append({ type: "message", message: user("four") });

    expect(userTexts(file)).toEqual(["one", "two", "three", "four"]);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/was deleted while this session was running; it was written back/);
    expect(session.warnings).toContain(told[0]);
    // Nothing of the repair is left beside it.
    expect(existsSync(`${file}.${process.pid}.restoring`)).toBe(false);
    session.close();
  });

  it("takes its lock again when the whole folder went, so a second writer is still turned away", () => {
    const session = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    session.append({ type: "message", message: user("one") });
    rmSync(join(dir, "sessions"), { recursive: true });

    session.append({ type: "message", message: user("two") });

    expect(userTexts(file)).toEqual(["one", "two"]);
    expect(existsSync(lockPathFor(file))).toBe(true);
    expect(() => Session.open(file, { lock: "pincer -p" })).toThrow(/is being written by pid \d+ \(pincer serve\)/);
    session.close();
    expect(existsSync(lockPathFor(file))).toBe(false);
  });

  it("leaves a file another program put in its place alone, keeps its own copy beside it and fails saying where", () => {
    const session = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    session.append({ type: "message", message: user("ours") });
    const theirs = `${file}.theirs`;
    writeFileSync(theirs, "their text\n");
    renameSync(theirs, file);

    const kept = `${file}.${process.pid}.kept`;
    expect(() => session.append({ type: "message", message: user("lost?") })).toThrow(
      `this session's entries up to now are in ${kept}`,
    );
    expect(readFileSync(file, "utf8")).toBe("their text\n");
    expect(userTexts(kept)).toEqual(["ours"]);
    // It stays refused: nothing is written into the other program's file.
    expect(() => session.append({ type: "message", message: user("again") })).toThrow(
      /was replaced by another program/,
    );
    expect(readFileSync(file, "utf8")).toBe("their text\n");
    session.close();
  });
});

describe("a session whose lock file is deleted while it runs", () => {
  it("makes it again at its next write, so a later second writer is still turned away", () => {
    const session = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    session.append({ type: "message", message: user("one") });
    rmSync(lockPathFor(file));

    session.append({ type: "message", message: user("two") });

    expect(() => Session.open(file, { lock: "pincer -p" })).toThrow(/is being written by pid \d+ \(pincer serve\)/);
    session.close();
    expect(existsSync(lockPathFor(file))).toBe(false);
  });

  it("stops writing when a second writer got in meanwhile: the two never both append", () => {
    const first = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    first.append({ type: "message", message: user("first's") });
    rmSync(lockPathFor(file));
    const second = Session.open(file, { lock: "pincer -p" });
    second.append({ type: "message", message: user("second's") });

    expect(() => first.append({ type: "message", message: user("forked?") })).toThrow(
      /is being written by pid \d+ \(pincer -p\)/,
    );
    expect(userTexts(file)).toEqual(["first's", "second's"]);
    second.close();
    first.close();
  });
});

describe("a long session whose file is deleted before a reader needs what it let go of", () => {
  it("writes the file back first, so the whole history still reads", () => {
    const session = Session.create(file, { cwd: "/w", lock: "pincer serve" });
    for (const text of ["one", "two", "three"]) session.append({ type: "message", message: user(text) });
    const kept = session.append({ type: "message", message: user("four") });
    // As a compaction does: the messages before the one it keeps stay only in the file.
    expect(session.letGoBefore(kept.id)).toBe(3);
    const told: string[] = [];
    session.onWarning((message) => told.push(message));

    rmSync(file);
    const texts = session
      .entries()
      .flatMap((entry) => (entry.type === "message" && entry.message.role === "user" ? [entry.message.content] : []));

    expect(texts).toEqual(["one", "two", "three", "four"]);
    expect(userTexts(file)).toEqual(["one", "two", "three", "four"]);
    expect(told).toHaveLength(1);
    session.close();
  });
});
