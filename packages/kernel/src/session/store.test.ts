import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyUsage, type Message } from "../messages.js";
import { createRedactor } from "../redact.js";
import type { Session } from "./session.js";
import { newSessionId, SessionStore, shorten } from "./store.js";

let home: string;
let store: SessionStore;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "pincer-store-"));
  store = new SessionStore(join(home, "sessions"));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function user(text: string): Message {
  return { role: "user", content: text, timestamp: 1 };
}

function assistant(text: string): Message {
  return {
    role: "assistant",
    content: [{ type: "text", text }],
    model: "openai/gpt-5",
    usage: emptyUsage(),
    stopReason: "stop",
    timestamp: 2,
  };
}

function say(session: Session, message: Message) {
  return session.append({ type: "message", message });
}

/** Sets a session's last-write time, so ordering does not depend on the clock's resolution. */
function touch(session: Session, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(session.path, when, when);
}

describe("newSessionId", () => {
  it("is the UTC time plus random hex, and sorts by time", () => {
    expect(newSessionId(new Date("2025-03-04T05:06:07.890Z"))).toMatch(/^20250304-050607-[0-9a-f]{6}$/);
    expect(newSessionId(new Date("2025-03-04T05:06:07Z")) < newSessionId(new Date("2025-03-04T05:06:08Z"))).toBe(true);
  });
});

describe("SessionStore", () => {
  it("creates <id>.jsonl files and opens them by id", () => {
    const session = store.create({ cwd: "/work/a" });
    expect(session.path).toBe(join(home, "sessions", `${session.id}.jsonl`));
    expect(session.header.cwd).toBe("/work/a");
    say(session, user("hello"));
    expect(store.open(session.id).entries()).toEqual(session.entries());
  });

  it("opens by unique prefix and explains none or several matches", () => {
    const dir = join(home, "sessions");
    const a = store.create({ cwd: "/w" });
    // Fixed ids so the prefixes are predictable.
    for (const id of ["20250101-120000-aaaaaa", "20250101-120000-bbbbbb", "20250102-090000-cccccc"]) {
      writeFileSync(
        join(dir, `${id}.jsonl`),
        `${JSON.stringify({ type: "session", version: 1, id, cwd: "/w", createdAt: "x" })}\n`,
      );
    }
    expect(store.open("20250102").id).toBe("20250102-090000-cccccc");
    expect(store.open("20250101-120000-b").id).toBe("20250101-120000-bbbbbb");
    expect(store.open(a.id).id).toBe(a.id);
    expect(() => store.open("20250101")).toThrow(
      '"20250101" matches 2 sessions: 20250101-120000-bbbbbb, 20250101-120000-aaaaaa. Give more of the id to pick one.',
    );
    expect(() => store.open("1999")).toThrow(/No session id starts with "1999"/);
    expect(() => store.open("../etc/passwd")).toThrow(/not a session id/);
    expect(() => store.open("")).toThrow(/not a session id/);
    expect(() => new SessionStore(join(home, "nowhere")).open("x")).toThrow(/there are no sessions yet/);
  });

  it("lists newest first with title and entry count, filtered by cwd", () => {
    const old = store.create({ cwd: "/work/a" });
    old.append({ type: "model_change", model: "openai/gpt-5" });
    say(old, user(`  fix the\n  build ${"x".repeat(100)}`));
    say(old, assistant("done"));
    const other = store.create({ cwd: "/work/b" });
    say(other, user("in b"));
    const recent = store.create({ cwd: "/work/a" });
    touch(old, 300);
    touch(other, 200);
    touch(recent, 100);

    const all = store.list();
    expect(all.map((info) => info.id)).toEqual([recent.id, other.id, old.id]);
    const oldInfo = all[2]!;
    expect(oldInfo).toMatchObject({
      id: old.id,
      path: old.path,
      cwd: "/work/a",
      createdAt: old.header.createdAt,
      entryCount: 3,
    });
    expect(oldInfo.title).toBe(`fix the build ${"x".repeat(65)}…`);
    expect([...oldInfo.title]).toHaveLength(80);
    expect(all[0]).toMatchObject({ entryCount: 0, title: "" });
    expect(Date.parse(all[0]!.updatedAt)).toBeGreaterThan(Date.parse(all[1]!.updatedAt));

    expect(store.list({ cwd: "/work/a" }).map((info) => info.id)).toEqual([recent.id, old.id]);
    expect(store.list({ cwd: "/work/a/" }).map((info) => info.id)).toEqual([recent.id, old.id]);
    expect(store.list({ cwd: "/elsewhere" })).toEqual([]);
    expect(new SessionStore(join(home, "nowhere")).list()).toEqual([]);
  });

  it("lists a session that is being written, and skips files that are not sessions", () => {
    const session = store.create({ cwd: "/w" });
    say(session, user("q1"));
    appendFileSync(session.path, '{"type":"message","id":"half');
    writeFileSync(join(store.dir, "junk.jsonl"), "not json\n");
    const infos = store.list();
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatchObject({ id: session.id, entryCount: 1, title: "q1" });
  });

  it("finds the latest session of a directory for --continue", () => {
    expect(store.latest("/work/a")).toBeUndefined();
    const first = store.create({ cwd: "/work/a" });
    const second = store.create({ cwd: "/work/a" });
    const elsewhere = store.create({ cwd: "/work/b" });
    say(first, user("first"));
    say(second, user("second"));
    say(elsewhere, user("elsewhere"));
    touch(first, 30);
    touch(second, 20);
    touch(elsewhere, 10);
    expect(store.latest("/work/a")?.id).toBe(second.id);

    say(first, user("continue this one"));
    expect(store.latest("/work/a")?.id).toBe(first.id);
    expect(store.latest("/work/b")?.id).toBe(elsewhere.id);
  });

  it("--continue skips a session with nothing but its header (a start that failed)", () => {
    const real = store.create({ cwd: "/work/a" });
    say(real, user("the real conversation"));
    touch(real, 30);
    store.create({ cwd: "/work/a" }); // newer, but empty
    expect(store.latest("/work/a")?.id).toBe(real.id);
  });

  it("a deferred session writes nothing until its first message, then everything at once", () => {
    const session = store.create({ cwd: "/work/a", deferWrite: true });
    session.append({ type: "model_change", model: "openai/gpt-5" });
    expect(existsSync(session.path)).toBe(false);
    expect(store.list()).toEqual([]);
    say(session, user("hello"));
    expect(store.latest("/work/a")?.id).toBe(session.id);
    const reopened = store.read(session.id);
    expect(reopened.entries().map((entry) => entry.type)).toEqual(["model_change", "message"]);
  });

  it("forks the path up to an entry into a new session with the same ids", () => {
    const source = store.create({ cwd: "/work/a" });
    const q1 = say(source, user("q1"));
    const a1 = say(source, assistant("a1"));
    say(source, user("q2"));
    source.branch(q1.id);
    say(source, assistant("a1 again"));

    const fork = store.fork(source.id.slice(0, 18), a1.id);
    expect(fork.id).not.toBe(source.id);
    expect(fork.header).toMatchObject({ cwd: "/work/a", forkedFrom: { sessionId: source.id, entryId: a1.id } });
    expect(fork.entries()).toEqual([q1, a1]);
    expect(fork.leafId).toBe(a1.id);

    const q2b = say(fork, user("q2 in the fork"));
    expect(q2b.parentId).toBe(a1.id);
    const reopened = store.open(fork.id);
    expect(reopened.buildContext().messages).toEqual([user("q1"), assistant("a1"), user("q2 in the fork")]);
    expect(store.open(source.id).entries()).toHaveLength(4);
    expect(() => store.fork(source.id, "nope")).toThrow(/no entry "nope"/);
  });

  it("redacts secrets in every session it writes", () => {
    const key = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    const redacting = new SessionStore(join(home, "sessions"), { redact: createRedactor({ secrets: [key] }) });
    const session = redacting.create({ cwd: "/w" });
    const entry = say(session, user(`use ${key}`));
    const fork = redacting.fork(session.id, entry.id);
    for (const path of [session.path, fork.path]) expect(readFileSync(path, "utf8")).not.toContain("AbCdEfGh");
    expect(redacting.list()[0]!.title).toBe("use [REDACTED]");
  });
});

describe("shorten", () => {
  it("keeps short text and cuts long text on a character boundary", () => {
    expect(shorten("a\n b", 80)).toBe("a b");
    expect(shorten("🙂".repeat(5), 3)).toBe("🙂🙂…");
  });
});
