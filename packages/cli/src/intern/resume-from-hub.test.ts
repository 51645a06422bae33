import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commit } from "@huggingface/hub";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { type Session, SessionStore } from "@pincer/kernel";
import { until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchSessionFromHub } from "./resume-from-hub.js";
import { startSessionUploader } from "./session-upload.js";

const accessToken = "hf_resumetesttoken000000000000000000";
let dir: string;
let hub: LocalHub;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-resume-hub-"));
  hub = await startLocalHub({ dir: join(dir, "hub"), token: accessToken, user: "ada" });
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

let repoCount = 0;
const freshRepo = () => `ada/runs-${++repoCount}`;
const freshHome = () => mkdtempSync(join(dir, "home-"));

function newSession(): Session {
  return new SessionStore(join(freshHome(), "sessions")).create({ cwd: "/elsewhere/project" });
}

function say(session: Session, text: string): void {
  session.append({ type: "message", message: { role: "user", content: text, timestamp: Date.now() } });
}

/** Uploads what the session holds now as parts (no consolidation) and returns the uploader. */
async function uploadParts(session: Session, repo: string) {
  const up = startSessionUploader({
    endpoint: hub.url,
    token: accessToken,
    repo,
    sessionFile: session.path,
    sessionId: session.id,
    startedAt: new Date(session.header.createdAt),
    minGapMs: 0,
    warn: () => {},
  });
  const before = up.stats().uploads;
  up.kick();
  await until(() => up.stats().uploads !== before, { message: "the upload", intervalMs: 10 });
  return up;
}

function fetchInto(ref: string, home = freshHome(), cwd = dir) {
  return fetchSessionFromHub({ ref, endpoint: hub.url, token: accessToken, home, cwd });
}

/** The session's lines without the header (whose cwd a resume rewrites). */
const body = (text: string) => text.split("\n").slice(1).join("\n");

describe("fetchSessionFromHub", () => {
  it("rebuilds a session from its parts (a run killed before it could consolidate)", async () => {
    const session = newSession();
    say(session, "train a classifier");
    const repo = freshRepo();
    const up = await uploadParts(session, repo);
    say(session, "now evaluate it");
    up.kick();
    await until(() => up.stats().uploads === 2, "the second upload");

    const home = freshHome();
    const fetched = await fetchInto(repo, home, "/machine-b/project");
    expect(fetched).toMatchObject({ sessionId: session.id, entries: 2, warnings: [] });
    expect(fetched.file).toBe(join(home, "sessions", `${session.id}.jsonl`));
    const text = readFileSync(fetched.file, "utf8");
    expect(body(text)).toBe(body(readFileSync(session.path, "utf8")));
    const reopened = new SessionStore(join(home, "sessions")).open(session.id);
    expect(reopened.header.cwd).toBe("/machine-b/project");
    expect(reopened.buildContext().messages.map((message) => message.content)).toEqual([
      "train a classifier",
      "now evaluate it",
    ]);
    void up.close();
  });

  it("reads the consolidated file by its web URL, then the parts a resumed run added after it", async () => {
    const session = newSession();
    say(session, "day one");
    const repo = freshRepo();
    const up = await uploadParts(session, repo);
    expect((await up.close()).uploaded).toBe(true);

    const byUrl = await fetchInto(up.url);
    expect(byUrl.entries).toBe(1);

    // Machine B continues the downloaded copy and uploads its new lines as parts.
    const continued = new SessionStore(join(byUrl.file, "..")).open(session.id);
    say(continued, "day two");
    const upB = await uploadParts(continued, repo);
    const fetched = await fetchInto(`${repo}:${session.id.slice(0, 12)}`);
    expect(fetched.entries).toBe(2);
    expect(readFileSync(fetched.file, "utf8")).toContain("day two");
    void upB.close();
  });

  it("merges repeated lines by entry id and stops at a line that is not a complete entry", async () => {
    const session = newSession();
    say(session, "one");
    say(session, "two");
    const repo = freshRepo();
    const up = await uploadParts(session, repo);
    void up.close();
    const lines = readFileSync(session.path, "utf8").trim().split("\n");
    const third = JSON.stringify({
      type: "message",
      id: "third001",
      parentId: JSON.parse(lines[2]!).id,
      timestamp: new Date().toISOString(),
      message: { role: "user", content: "three", timestamp: 1 },
    });
    const folder = `sessions/${session.header.createdAt.slice(0, 10)}/${session.id}`;
    await commit({
      repo: { type: "dataset", name: repo },
      hubUrl: hub.url,
      accessToken,
      title: "a retried part and a damaged one",
      operations: [
        // A retry that repeats a line already uploaded, then a new one.
        { operation: "addOrUpdate", path: `${folder}/part-0002.jsonl`, content: new Blob([`${lines[2]}\n${third}\n`]) },
        { operation: "addOrUpdate", path: `${folder}/part-0003.jsonl`, content: new Blob(['{"type":"message","id":']) },
      ],
    });
    const fetched = await fetchInto(`${repo}:${session.id}`);
    expect(fetched.entries).toBe(3);
    expect(fetched.warnings.join("\n")).toMatch(/incomplete last line in .*part-0003/);
    const reopened = new SessionStore(join(fetched.file, "..")).open(session.id);
    expect(reopened.buildContext().messages.map((message) => message.content)).toEqual(["one", "two", "three"]);
  });

  it("picks the newest session of a repo, and says clearly when there is none", async () => {
    const repo = freshRepo();
    const older = newSession();
    say(older, "older");
    const newer = newSession();
    say(newer, "newer");
    // Ids sort by creation time; make sure the second one is later even within the same second.
    const [first, second] = [older, newer].sort((a, b) => a.id.localeCompare(b.id));
    await (await uploadParts(first!, repo)).close();
    // Consolidating while the reader lists and downloads: the reader lists again when parts vanish.
    const closing = (await uploadParts(second!, repo)).close();
    expect((await fetchInto(repo)).sessionId).toBe(second!.id);
    await closing;
    expect((await fetchInto(`${repo}:${first!.id}`)).sessionId).toBe(first!.id);

    await expect(fetchInto(`${repo}:19990101`)).rejects.toThrow(
      /No session "19990101" in dataset .*sessions\/YYYY-MM-DD/,
    );
    await expect(fetchInto("not a repo")).rejects.toThrow(/names no dataset repo/);
    await expect(fetchSessionFromHub({ ref: repo, endpoint: hub.url, home: freshHome(), cwd: dir })).rejects.toThrow(
      /HF_TOKEN can read it/,
    );
  });

  it("keeps a local copy that already holds everything, and refuses to overwrite one that diverged", async () => {
    const session = newSession();
    say(session, "shared");
    const repo = freshRepo();
    await (await uploadParts(session, repo)).close();
    const home = freshHome();
    const fetched = await fetchInto(repo, home);
    // The local copy went on (this machine ran the session further): it wins.
    const local = new SessionStore(join(home, "sessions")).open(session.id);
    say(local, "local only");
    const again = await fetchInto(repo, home);
    expect(again.warnings.join("")).toMatch(/kept the local copy/);
    expect(readFileSync(fetched.file, "utf8")).toContain("local only");
    // Meanwhile the Hub got a line the local copy lacks: diverged.
    say(session, "remote only");
    await (await uploadParts(session, repo)).close();
    await expect(fetchInto(repo, home)).rejects.toThrow(/diverged.*Move the local file aside/);
    writeFileSync(fetched.file, readFileSync(session.path)); // the user takes the Hub's side by hand
  });
});
