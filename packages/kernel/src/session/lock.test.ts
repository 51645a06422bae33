import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireSessionLock, lockPathFor, SessionBusyError } from "./lock.js";
import { Session } from "./session.js";
import { SessionStore } from "./store.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-lock-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("one writer per session", () => {
  it("a second writer is turned away, naming the first; after release it may write", () => {
    const store = new SessionStore(dir);
    const first = store.create({ cwd: "/w", lock: "pincer -p" });
    first.append({ type: "message", message: { role: "user", content: "hi", timestamp: 1 } });
    let busy: unknown;
    try {
      store.open(first.id, { lock: "pincer serve" });
    } catch (error) {
      busy = error;
    }
    expect(busy).toBeInstanceOf(SessionBusyError);
    expect((busy as SessionBusyError).holder).toMatchObject({ pid: process.pid, command: "pincer -p" });
    expect((busy as Error).message).toMatch(
      new RegExp(`being written by pid ${process.pid} \\(pincer -p\\) since \\d{4}-`),
    );
    // Readers are never turned away.
    expect(store.read(first.id).entries()).toHaveLength(1);

    first.close();
    expect(existsSync(lockPathFor(first.path))).toBe(false);
    const second = store.open(first.id, { lock: "pincer serve" });
    expect(second.warnings).toEqual([]);
    second.close();
  });

  it("a lock whose process died is taken over, and the session says so", () => {
    const store = new SessionStore(dir);
    const session = store.create({ cwd: "/w" });
    const pid = deadPid();
    writeFileSync(
      lockPathFor(session.path),
      JSON.stringify({
        pid,
        hostname: hostname(),
        command: "pincer -p",
        since: "2026-01-01T00:00:00.000Z",
        token: "x",
      }),
    );
    const reopened = store.open(session.id, { lock: "pincer -p" });
    expect(reopened.warnings[0]).toMatch(new RegExp(`took over this session from pid ${pid} \\(pincer -p\\)`));
    expect(JSON.parse(readFileSync(lockPathFor(session.path), "utf8")).pid).toBe(process.pid);
    reopened.close();
  });

  it("a lock held by a live process on another machine is never taken over", () => {
    const store = new SessionStore(dir);
    const session = store.create({ cwd: "/w" });
    writeFileSync(
      lockPathFor(session.path),
      JSON.stringify({
        pid: 1,
        hostname: "elsewhere",
        command: "pincer",
        since: "2026-01-01T00:00:00.000Z",
        token: "y",
      }),
    );
    expect(() => store.open(session.id, { lock: "pincer -p" })).toThrow(/pid 1 \(pincer\) on elsewhere/);
  });

  it("a damaged lock file is taken over once it is not brand new", () => {
    const store = new SessionStore(dir);
    const session = store.create({ cwd: "/w" });
    const lock = lockPathFor(session.path);
    writeFileSync(lock, "{ half");
    expect(() => store.open(session.id, { lock: "pincer -p" })).toThrow(SessionBusyError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    store.open(session.id, { lock: "pincer -p" }).close();
  });

  it("two processes racing for the same session: exactly one gets it", async () => {
    const path = join(dir, "race.jsonl");
    Session.create(path, { cwd: "/w" });
    const script = `
      const { acquireSessionLock } = await import(${JSON.stringify(new URL("./lock.ts", import.meta.url).href)});
      try { acquireSessionLock(${JSON.stringify(path)}, "racer"); process.stdout.write("got"); }
      catch (error) { process.stdout.write(error.name); }
      process.stdin.resume(); // the winner holds the lock until every racer has tried`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]),
    );
    const outcomes = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = "";
            child.stdout.on("data", (chunk) => {
              out += chunk;
              resolve(out);
            });
          }),
      ),
    );
    const exited = children.map((child) => new Promise((resolve) => child.on("close", resolve)));
    for (const child of children) child.stdin.end();
    await Promise.all(exited);
    expect(outcomes.filter((outcome) => outcome === "got")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "SessionBusyError")).toHaveLength(3);
    // Every racer exited, so the lock went with the winner.
    expect(existsSync(lockPathFor(path))).toBe(false);
    expect(() => acquireSessionLock(path, "after").release()).not.toThrow();
  });
});
