import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Session, SessionStore } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { sessionsDir } from "./home.js";
import { importSession } from "./session-import.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `pincer-import-${name}-`));
  dirs.push(dir);
  return dir;
};

/** A session on "machine A", with messages; its JSONL is what a driver brings back from the Hub. */
function sessionWith(...texts: string[]): Session {
  const session = new SessionStore(temp("a")).create({ cwd: "/machine-a/project" });
  for (const text of texts) session.append({ type: "message", message: { role: "user", content: text, timestamp: 1 } });
  return session;
}
const contents = (session: Session) =>
  session.buildContext().messages.map((message) => (message as { content: unknown }).content);

describe("importing a session copy (ctx.sessions.import)", () => {
  it("adds it to this home's sessions, in this folder, readable by the session store", () => {
    const original = sessionWith("one", "two");
    const home = temp("home");
    const result = importSession(readFileSync(original.path, "utf8"), { home, cwd: "/machine-b/project" });
    expect(result).toEqual({ id: original.id, entries: 2, kept: false, warnings: [] });
    const copy = new SessionStore(sessionsDir(home)).read(original.id);
    expect(copy.header.cwd).toBe("/machine-b/project");
    expect(contents(copy)).toEqual(["one", "two"]);
  });

  it("counts a repeated entry once and stops at a line that does not follow the ones before it", () => {
    const original = sessionWith("one", "two");
    const lines = readFileSync(original.path, "utf8").trim().split("\n");
    const orphan = JSON.stringify({ ...JSON.parse(lines[2]!), id: "orphan01", parentId: "nowhere" });
    const text = [...lines, lines[2], orphan, lines[1]].join("\n");
    const result = importSession(text, { home: temp("home"), cwd: "/b" });
    expect(result.entries).toBe(2);
    expect(result.warnings.join("\n")).toMatch(/stopped at line 5: it is not an entry that follows/);
  });

  it("refuses a header that could name a path, or no header at all", () => {
    const home = temp("home");
    const hostile = JSON.stringify({ type: "session", id: "../../.ssh/authorized_keys", cwd: "/" });
    expect(() => importSession(`${hostile}\n`, { home, cwd: "/b" })).toThrow(/not a Pincer session header/);
    expect(() => importSession('{"type":"message"}\n', { home, cwd: "/b" })).toThrow(/not a Pincer session header/);
    expect(() => importSession("", { home, cwd: "/b" })).toThrow(/no header line/);
  });

  it("keeps a local copy that holds everything, takes a copy that extends it, refuses one that diverged", () => {
    const original = sessionWith("one");
    const home = temp("home");
    const first = readFileSync(original.path, "utf8");
    importSession(first, { home, cwd: "/b" });
    expect(importSession(first, { home, cwd: "/b" })).toMatchObject({ kept: true });

    original.append({ type: "message", message: { role: "user", content: "two", timestamp: 2 } });
    expect(importSession(readFileSync(original.path, "utf8"), { home, cwd: "/b" })).toMatchObject({
      kept: false,
      entries: 2,
    });

    // Machine B went on locally; the copy went on elsewhere: each has an entry the other lacks.
    const local = join(sessionsDir(home), `${original.id}.jsonl`);
    const last = JSON.parse(readFileSync(local, "utf8").trim().split("\n").at(-1)!) as { id: string };
    appendFileSync(
      local,
      `${JSON.stringify({ type: "message", id: "localonly", parentId: last.id, timestamp: new Date().toISOString(), message: { role: "user", content: "local", timestamp: 3 } })}\n`,
    );
    original.append({ type: "message", message: { role: "user", content: "remote", timestamp: 3 } });
    expect(() => importSession(readFileSync(original.path, "utf8"), { home, cwd: "/b" })).toThrow(
      /diverged.*Move the local file aside/,
    );
    expect(readFileSync(local, "utf8")).toContain("localonly");
  });

  it("refuses to replace a session a live process is writing: its next entries stay in its file", () => {
    const original = sessionWith("one");
    const home = temp("home");
    importSession(readFileSync(original.path, "utf8"), { home, cwd: "/b" });
    original.append({ type: "message", message: { role: "user", content: "two", timestamp: 2 } });
    const copy = readFileSync(original.path, "utf8");
    // This home's session, resumed by a live writer (a `pincer serve` here).
    const live = new SessionStore(sessionsDir(home)).open(original.id, { lock: "pincer serve" });
    const before = readFileSync(live.path, "utf8");

    expect(() => importSession(copy, { home, cwd: "/b" })).toThrow(
      /is being written by pid \d+ \(pincer serve\).*Stop it, then bring the copy back again/,
    );
    expect(readFileSync(live.path, "utf8")).toBe(before);
    live.append({ type: "message", message: { role: "user", content: "still here", timestamp: 3 } });
    expect(readFileSync(live.path, "utf8")).toContain("still here");

    live.close();
    expect(() => importSession(copy, { home, cwd: "/b" })).toThrow(/diverged/);
  });

  it("ends the session at a message entry whose message is not one (the work before it goes on)", () => {
    const original = sessionWith("one", "two");
    const home = temp("home");
    const lines = readFileSync(original.path, "utf8").trim().split("\n");
    const broken = JSON.stringify({ ...JSON.parse(lines[2]!), message: "not a message" });
    const result = importSession([lines[0], lines[1], broken].join("\n"), { home, cwd: "/b" });
    expect(result.entries).toBe(1);
    expect(result.warnings.join("\n")).toMatch(/stopped at line 3/);
    expect(contents(new SessionStore(sessionsDir(home)).read(original.id))).toEqual(["one"]);
  });
});
