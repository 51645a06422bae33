import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyUsage, type Message } from "../messages.js";
import { createRedactor } from "../redact.js";
import { compactionSummaryMessage, Session } from "./session.js";
import { SESSION_FORMAT_VERSION } from "./types.js";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-session-"));
  file = join(dir, "nested", "s1.jsonl");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
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

function texts(session: Session): string[] {
  return session
    .buildContext()
    .messages.map((message) =>
      typeof message.content === "string"
        ? message.content
        : message.content.map((block) => ("text" in block ? block.text : "")).join(""),
    );
}

describe("Session", () => {
  it("writes the header, appends entries and reads them back", () => {
    const session = Session.create(file, { cwd: "/work" });
    expect(session.id).toBe("s1");
    expect(session.leafId).toBeNull();
    const first = say(session, user("hello"));
    const model = session.append({ type: "model_change", model: "anthropic/claude-sonnet-5-5" });
    const second = say(session, assistant("hi"));

    expect(first.id).toMatch(/^[0-9a-f]{8}$/);
    expect(first.parentId).toBeNull();
    expect(model.parentId).toBe(first.id);
    expect(second.parentId).toBe(model.id);
    expect(Number.isNaN(Date.parse(second.timestamp))).toBe(false);

    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      type: "session",
      version: SESSION_FORMAT_VERSION,
      id: "s1",
      cwd: "/work",
    });

    const reopened = Session.open(file);
    expect(reopened.warnings).toEqual([]);
    expect(reopened.header).toEqual(session.header);
    expect(reopened.entries()).toEqual(session.entries());
    expect(reopened.leafId).toBe(second.id);
    expect(reopened.getEntry(first.id)).toEqual(first);
    expect(reopened.buildContext()).toEqual({
      messages: [user("hello"), assistant("hi")],
      model: "anthropic/claude-sonnet-5-5",
    });
  });

  it("puts each entry on disk before append returns", () => {
    const session = Session.create(file, { cwd: "/work" });
    const before = statSync(file).size;
    say(session, user("run the tests"));
    expect(statSync(file).size).toBeGreaterThan(before);
    expect(Session.open(file).entries()).toHaveLength(1);
  });

  it("loses nothing when the process is killed with SIGKILL right after append", () => {
    Session.create(file, { cwd: "/work" });
    const child = join(dir, "append-then-die.mjs");
    writeFileSync(
      child,
      `const { Session } = await import(process.argv[2]);
       const session = Session.open(process.argv[3]);
       // The file stays open between appends: each is written before append returns all the same.
       for (const content of ["first", "second", "last words"])
         session.append({ type: "message", message: { role: "user", content, timestamp: 1 } });
       process.kill(process.pid, "SIGKILL");`,
    );
    const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));
    const sessionModule = new URL("./session.ts", import.meta.url).href;
    const result = spawnSync(process.execPath, ["--import", "tsx", child, sessionModule, file], { cwd: repoRoot });
    expect(result.signal, result.stderr.toString()).toBe("SIGKILL");
    expect(texts(Session.open(file))).toEqual(["first", "second", "last words"]);
  });

  it.runIf(existsSync("/proc/self/fd"))("holds the file open from its first append until close, once", () => {
    const held = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === realpathSync(file);
        } catch {
          return false; // the directory's own descriptor, gone by now
        }
      }).length;
    const session = Session.create(file, { cwd: "/work" });
    expect(held()).toBe(0);
    for (let i = 0; i < 5; i++) say(session, user(`q${i}`));
    expect(held()).toBe(1);
    session.close();
    expect(held()).toBe(0);
    expect(() => say(session, user("after close"))).toThrow(/is closed/);
    expect(texts(Session.open(file))).toEqual(["q0", "q1", "q2", "q3", "q4"]);
  });

  it("refuses to overwrite an existing session file", () => {
    Session.create(file, { cwd: "/work" });
    expect(() => Session.create(file, { cwd: "/work" })).toThrow();
  });

  it("branches: each branch has its own context, and the file keeps both", () => {
    const session = Session.create(file, { cwd: "/work" });
    const root = say(session, user("q1"));
    say(session, assistant("a1"));
    const mainTip = say(session, user("q2 on main"));

    session.branch(root.id);
    expect(session.leafId).toBe(root.id);
    const side = say(session, assistant("a1 retried"));
    expect(side.parentId).toBe(root.id);
    expect(texts(session)).toEqual(["q1", "a1 retried"]);
    expect(session.pathToLeaf().map((entry) => entry.id)).toEqual([root.id, side.id]);

    session.branch(mainTip.id);
    expect(texts(session)).toEqual(["q1", "a1", "q2 on main"]);

    const reopened = Session.open(file);
    expect(reopened.entries()).toHaveLength(4);
    // The leaf after reopening is the last entry written.
    expect(reopened.leafId).toBe(side.id);
    expect(texts(reopened)).toEqual(["q1", "a1 retried"]);
    expect(() => reopened.branch("nope")).toThrow(/no entry "nope"/);
  });

  it("replaces what the last compaction summarised with a summary message", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    say(session, assistant("a1"));
    const q2 = say(session, user("q2"));
    say(session, assistant("a2"));
    session.append({ type: "compaction", summary: "first summary", firstKeptEntryId: q2.id, tokensBefore: 100 });
    const q3 = say(session, user("q3"));
    say(session, assistant("a3"));
    const compaction = session.append({
      type: "compaction",
      summary: "second summary",
      firstKeptEntryId: q3.id,
      tokensBefore: 200,
    });
    say(session, user("q4"));

    const context = Session.open(file).buildContext();
    expect(context.messages[0]).toEqual(compactionSummaryMessage("second summary", Date.parse(compaction.timestamp)));
    expect(context.messages[0]!.content).toBe(
      "<summary of earlier conversation>\nsecond summary\n</summary of earlier conversation>",
    );
    expect(texts(Session.open(file)).slice(1)).toEqual(["q3", "a3", "q4"]);
  });

  it("rejects a compaction that keeps from an entry off the current branch", () => {
    const session = Session.create(file, { cwd: "/work" });
    const root = say(session, user("q1"));
    const off = say(session, assistant("a1"));
    session.branch(root.id);
    say(session, assistant("other"));
    expect(() =>
      session.append({ type: "compaction", summary: "s", firstKeptEntryId: off.id, tokensBefore: 1 }),
    ).toThrow(/not on the current branch/);
  });

  it("copies given entries verbatim after the header", () => {
    const source = Session.create(file, { cwd: "/work" });
    say(source, user("q1"));
    say(source, assistant("a1"));
    const copyFile = join(dir, "copy.jsonl");
    const forkedFrom = { sessionId: source.id, entryId: source.leafId! };
    const copy = Session.create(copyFile, { cwd: "/work", forkedFrom, entries: source.pathToLeaf() });
    expect(copy.entries()).toEqual(source.entries());
    expect(copy.leafId).toBe(source.leafId);
    expect(Session.open(copyFile).header.forkedFrom).toEqual(forkedFrom);
    expect(Session.open(copyFile).entries()).toEqual(source.entries());
  });

  it("repairs a half-written last line: drops it, truncates the file, appends cleanly", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    const kept = say(session, assistant("a1"));
    const cleanSize = statSync(file).size;
    const half = '{"type":"message","id":"deadbeef","parentId":"';
    appendFileSync(file, half);

    const resumed = Session.open(file);
    expect(resumed.warnings).toEqual([
      `dropped an incomplete last line (${half.length} bytes) left by an interrupted write; it is kept in ${file}.torn, and the session resumes from the last complete entry`,
    ]);
    expect(readFileSync(`${file}.torn`, "utf8")).toBe(half);
    expect(statSync(file).size).toBe(cleanSize);
    expect(resumed.leafId).toBe(kept.id);
    say(resumed, user("q2"));

    const again = Session.open(file);
    expect(again.warnings).toEqual([]);
    expect(texts(again)).toEqual(["q1", "a1", "q2"]);
  });

  it("drops a complete-looking last line that is missing fields", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    appendFileSync(file, '{"type":"message","id":"abc"}\n');
    const resumed = Session.open(file);
    expect(resumed.warnings).toHaveLength(1);
    expect(resumed.entries()).toHaveLength(1);
  });

  it("restores the newline when a crash cut only the newline", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.slice(0, -1));
    const resumed = Session.open(file);
    expect(resumed.entries()).toHaveLength(1);
    say(resumed, user("q2"));
    expect(Session.open(file).entries()).toHaveLength(2);
  });

  it("refuses a corrupt line in the middle, naming the file and line", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    say(session, user("q2"));
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = "{not json";
    writeFileSync(file, lines.join("\n"));
    expect(() => Session.open(file)).toThrow(`${file}:2: corrupt session entry (not valid JSON)`);
  });

  it("refuses an entry whose parent is unknown", () => {
    const session = Session.create(file, { cwd: "/work" });
    say(session, user("q1"));
    appendFileSync(
      file,
      `${JSON.stringify({ type: "message", id: "orphan01", parentId: "missing1", timestamp: new Date().toISOString(), message: user("x") })}\n`,
    );
    expect(() => Session.open(file)).toThrow(`${file}:3: entry "orphan01" follows unknown entry "missing1"`);
  });

  it("refuses a missing header, an empty file, and a newer format", () => {
    writeFileSync(file.replace("nested/", ""), "");
    expect(() => Session.open(file.replace("nested/", ""))).toThrow(/is empty/);

    const noHeader = join(dir, "no-header.jsonl");
    writeFileSync(
      noHeader,
      `${JSON.stringify({ type: "message", id: "a", parentId: null, timestamp: "t", message: user("x") })}\n`,
    );
    expect(() => Session.open(noHeader)).toThrow(/not a session file/);

    const newer = join(dir, "newer.jsonl");
    writeFileSync(
      newer,
      `${JSON.stringify({ type: "session", version: SESSION_FORMAT_VERSION + 1, id: "n", cwd: "/", createdAt: "t" })}\n`,
    );
    expect(() => Session.open(newer)).toThrow(/version 2, but this Pincer reads up to version 1. Upgrade Pincer/);

    expect(() => Session.open(join(dir, "absent.jsonl"))).toThrow(/not found/);
  });

  it("redacts secrets in what it writes, keeping the JSON valid", () => {
    const key = "sk-proj-abcDEF1234567890ghijklmnop";
    const envSecret = 'pa"ss\\word-1234';
    const redact = createRedactor({ secrets: [envSecret] });
    const session = Session.create(file, { cwd: "/work", redact });
    say(session, user(`my key is ${key} and password ${envSecret}`));
    session.append({ type: "custom", customType: "env", data: { [key]: "as a key", nested: [`Bearer ${key}`] } });

    const raw = readFileSync(file, "utf8");
    expect(raw).not.toContain(key);
    expect(raw).not.toContain("abcDEF1234567890");
    expect(raw).not.toContain('pa\\"ss');
    const reopened = Session.open(file);
    expect(texts(reopened)).toEqual(["my key is [REDACTED] and password [REDACTED]"]);
    expect(reopened.entries()[1]).toMatchObject({ data: { "[REDACTED]": "as a key", nested: ["Bearer [REDACTED]"] } });
    // This process keeps the original text; only the file is scrubbed.
    expect(texts(session)[0]).toContain(key);
  });

  it("never redacts ids, so the tree survives a pattern that matches them", () => {
    const session = Session.create(file, { cwd: "/work", redact: createRedactor({ patterns: [/\b[0-9a-f]{8}\b/] }) });
    say(session, user("commit 0badf00d"));
    say(session, assistant("ok"));
    const reopened = Session.open(file);
    expect(reopened.entries().map((entry) => entry.id)).toEqual(session.entries().map((entry) => entry.id));
    expect(texts(reopened)).toEqual(["commit [REDACTED]", "ok"]);
  });

  it("keeps an in-memory session off the disk", () => {
    const session = Session.inMemory({ cwd: "/work" });
    say(session, user("q1"));
    expect(session.path).toBe("");
    expect(texts(session)).toEqual(["q1"]);
  });

  it("resumes a 10,000-entry session with the right context", () => {
    const session = Session.create(file, { cwd: "/work" });
    let firstKept = "";
    for (let index = 0; index < 10_000; index++) {
      const entry = say(session, index % 2 === 0 ? user(`q${index}`) : assistant(`a${index}`));
      if (index === 9_000) firstKept = entry.id;
      if (index === 9_500) {
        session.append({ type: "compaction", summary: "long story", firstKeptEntryId: firstKept, tokensBefore: 1 });
      }
    }
    const resumed = Session.open(file);
    expect(resumed.entries()).toHaveLength(10_001);
    const messages = texts(resumed);
    expect(messages).toHaveLength(1 + 1_000);
    expect(messages[1]).toBe("q9000");
    expect(messages.at(-1)).toBe("a9999");
  });
});
