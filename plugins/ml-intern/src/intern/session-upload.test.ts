import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalHub, scaledTimeout, startLocalHub, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commit, listFiles, readFile } from "./hub-client.js";
import { startSessionUploader } from "./session-upload.js";

// The uploader as the plugin runs it, here in Node against the real local Hub: the session is a
// JSONL file and `transcript` reads its complete lines, as the runtime's does for a driven session
// (which also redacts secrets: runtime/src/session-transcript.test.ts).

const accessToken = "hf_uploadtesttoken0000000000000000000";
let dir: string;
let hub: LocalHub;
let proxy: HubProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-upload-"));
  hub = await startLocalHub({ dir: join(dir, "hub"), token: accessToken, user: "ada" });
  proxy = await startProxy(hub.url);
});
afterAll(async () => {
  await proxy.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

let count = 0;
const freshRepo = () => `ada/sessions-${++count}`;

interface TestSession {
  id: string;
  createdAt: string;
  file: string;
  transcript(offset?: number): Promise<{ text: string; next: number }>;
}

function newSession(): TestSession {
  const id = `20260304-100000-${String(++count).padStart(6, "0")}`;
  const file = join(mkdtempSync(join(dir, "home-")), `${id}.jsonl`);
  appendFileSync(file, `${JSON.stringify({ type: "session", id, createdAt: "2026-03-04T10:00:00.000Z" })}\n`);
  return {
    id,
    createdAt: "2026-03-04T10:00:00.000Z",
    file,
    async transcript(offset = 0) {
      const bytes = readFileSync(file).subarray(offset);
      const end = bytes.lastIndexOf(0x0a);
      return end < 0
        ? { text: "", next: offset }
        : { text: bytes.subarray(0, end + 1).toString("utf8"), next: offset + end + 1 };
    },
  };
}

const say = (session: TestSession, text: string) =>
  appendFileSync(session.file, `${JSON.stringify({ type: "message", id: `m${++count}`, text })}\n`);

function uploader(
  session: TestSession,
  repo: string,
  extra: { endpoint?: string; intervalMs?: number; minGapMs?: number; closeTimeoutMs?: number } = {},
) {
  const warnings: string[] = [];
  const up = startSessionUploader({
    hub: { url: extra.endpoint ?? hub.url, token: accessToken },
    repo,
    session,
    intervalMs: extra.intervalMs ?? 60_000,
    minGapMs: extra.minGapMs ?? 0,
    ...(extra.closeTimeoutMs ? { closeTimeoutMs: extra.closeTimeoutMs } : {}),
    warn: (message) => warnings.push(message),
  });
  return { up, warnings };
}

/** The session files of a repo (its README.md, the card, is checked on its own). */
async function repoFiles(repo: string): Promise<Map<string, string>> {
  const access = { url: hub.url, token: accessToken };
  const out = new Map<string, string>();
  for (const file of await listFiles(access, repo, "sessions"))
    out.set(file.path, (await readFile(access, repo, file.path)) ?? "");
  return out;
}

const waitUntil = (condition: () => boolean) => until(condition, { intervalMs: 10 });

describe("the intern's session uploader against a local Hub", () => {
  it("uploads only the lines written since the last upload, as numbered parts", async () => {
    const session = newSession();
    for (let i = 0; i < 200; i++) say(session, `step ${i}: ${"x".repeat(900)}`);
    const repo = freshRepo();
    const { up } = uploader(session, repo);
    expect(up.url).toBe(`${hub.url}/datasets/${repo}/blob/main/sessions/2026-03-04/${session.id}.jsonl`);
    up.kick();
    await waitUntil(() => up.stats().uploads === 1);
    const firstSize = statSync(session.file).size;
    expect(up.stats().bytesSent).toBe(firstSize);

    say(session, "one more step");
    say(session, "and another");
    const appended = statSync(session.file).size - firstSize;
    up.kick();
    await waitUntil(() => up.stats().uploads === 2);
    expect(up.stats().bytesSent - firstSize).toBe(appended);

    const files = await repoFiles(repo);
    const prefix = `sessions/2026-03-04/${session.id}/`;
    expect([...files.keys()].sort()).toEqual([`${prefix}part-0001.jsonl`, `${prefix}part-0002.jsonl`]);
    expect(files.get(`${prefix}part-0001.jsonl`)! + files.get(`${prefix}part-0002.jsonl`)!).toBe(
      readFileSync(session.file, "utf8"),
    );
    await up.close();
  });

  it("on close writes the whole session and deletes the parts in one commit; the repo is private", async () => {
    const session = newSession();
    say(session, "first");
    const repo = freshRepo();
    const { up } = uploader(session, repo);
    up.kick();
    await waitUntil(() => up.stats().uploads === 1);
    say(session, "second");
    const result = await up.close();
    expect(result).toEqual({ uploaded: true, bytes: statSync(session.file).size });
    const files = await repoFiles(repo);
    expect([...files.keys()]).toEqual([`sessions/2026-03-04/${session.id}.jsonl`]);
    expect(files.get(`sessions/2026-03-04/${session.id}.jsonl`)).toBe(readFileSync(session.file, "utf8"));
    expect(await up.close()).toBe(result);
    const info = await fetch(`${hub.url}/api/datasets/${repo}`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(((await info.json()) as { private: boolean }).private).toBe(true);
  });

  it("gives the repo it creates a dataset card, and leaves an existing repo's README alone", async () => {
    const session = newSession();
    say(session, "first");
    const repo = freshRepo();
    const { up } = uploader(session, repo);
    await up.close();
    const access = { url: hub.url, token: accessToken };
    const card = await readFile(access, repo, "README.md");
    expect(card).toMatch(/^---\npretty_name: Pincer ML intern sessions\nviewer: false\n/);
    expect(card).toContain(`pincer intern resume ${repo}:<id>`);
    const info = (await (
      await fetch(`${hub.url}/api/datasets/${repo}?full=true`, { headers: { Authorization: `Bearer ${accessToken}` } })
    ).json()) as { cardData: Record<string, unknown> };
    expect(info.cardData).toMatchObject({ viewer: false, tags: ["pincer", "agent-sessions", "ml-intern"] });

    // A second run on the same repo finds it there and writes no card over what the user may have edited.
    await commit(access, repo, "The user's own words", [{ op: "put", path: "README.md", text: "# mine\n" }]);
    const next = newSession();
    say(next, "second run");
    await uploader(next, repo).up.close();
    expect(await readFile(access, repo, "README.md")).toBe("# mine\n");
  });

  it("retries after the Hub answered 503, warning once, and catches up when it recovers", async () => {
    const session = newSession();
    say(session, "while the hub is down");
    const repo = freshRepo();
    proxy.mode = "503";
    const { up, warnings } = uploader(session, repo, { endpoint: proxy.url, intervalMs: 30 });
    try {
      up.kick();
      await waitUntil(() => up.stats().failures >= 3);
      expect(up.stats().uploads).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/failed \(.*HTTP 503.*retried later.*safe on disk/);
      say(session, "still working");
    } finally {
      proxy.mode = "pass";
    }
    await waitUntil(() => up.stats().uploads === 1);
    expect(warnings[1]).toMatch(/works again/);
    expect([...(await repoFiles(repo)).values()].join("")).toBe(readFileSync(session.file, "utf8"));
    expect((await up.close()).uploaded).toBe(true);
  });

  it("kick returns at once while the Hub hangs; close gives up after its bound and says where the session is", async () => {
    const session = newSession();
    say(session, "the hub will not answer");
    proxy.mode = "hang";
    try {
      const { up } = uploader(session, freshRepo(), { endpoint: proxy.url, closeTimeoutMs: 300 });
      const started = performance.now();
      for (let i = 0; i < 100; i++) {
        say(session, `turn ${i}`);
        up.kick();
      }
      expect(performance.now() - started).toBeLessThan(scaledTimeout(500));
      await until(() => proxy.pending > 0, "an upload to reach the hanging Hub");
      const closing = performance.now();
      const result = await up.close();
      expect(performance.now() - closing).toBeLessThan(scaledTimeout(2_000));
      expect(result.uploaded).toBe(false);
      expect(result.error).toMatch(/did not answer within 0.3 s.*complete on disk at/);
    } finally {
      proxy.mode = "pass";
      proxy.release();
    }
  });

  it("coalesces kicks: a fast loop makes one commit per minGapMs, and the last lines still go up", async () => {
    const session = newSession();
    const repo = freshRepo();
    const { up } = uploader(session, repo, { minGapMs: 150 });
    const started = performance.now();
    for (let turn = 0; turn < 30; turn++) {
      say(session, `turn ${turn}`);
      up.kick();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitUntil(() => up.stats().bytesSent === statSync(session.file).size);
    expect(up.stats().uploads).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 150) + 1);
    expect(up.stats().uploads).toBeLessThan(15);
    expect([...(await repoFiles(repo)).values()].join("")).toBe(readFileSync(session.file, "utf8"));
    await up.close();
  });

  it("refuses a public repo and says what to do, and the run goes on", async () => {
    const repo = freshRepo();
    const [organization, name] = repo.split("/");
    const created = await fetch(`${hub.url}/api/repos/create`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "dataset", name, organization, private: false }),
    });
    expect(created.ok).toBe(true);
    const session = newSession();
    say(session, "do not publish me");
    const { up, warnings } = uploader(session, repo);
    up.kick();
    const result = await up.close();
    expect(result.uploaded).toBe(false);
    expect(result.error).toMatch(/is public.*make the repo private/);
    expect(warnings.join("\n")).toMatch(/is public/);
    expect(await repoFiles(repo)).toEqual(new Map());
  });

  it("a new uploader for the same session (a restarted process) continues the parts without resending", async () => {
    const session = newSession();
    say(session, "before the restart");
    const repo = freshRepo();
    const first = uploader(session, repo).up;
    first.kick();
    await waitUntil(() => first.stats().uploads === 1);
    // The process dies here: no close(), no consolidation.
    say(session, "after the restart");
    const second = uploader(session, repo).up;
    second.kick();
    await waitUntil(() => second.stats().uploads === 1);
    const part2 = (await repoFiles(repo)).get(`sessions/2026-03-04/${session.id}/part-0002.jsonl`)!;
    expect(part2.trim().split("\n")).toHaveLength(1);
    expect(part2).toContain("after the restart");
    await second.close();
    void first.close();
  });
});

interface HubProxy {
  url: string;
  mode: "pass" | "503" | "hang";
  pending: number;
  release(): void;
  close(): Promise<void>;
}

/** An HTTP proxy in front of the Hub that can answer 503 or never answer. */
async function startProxy(target: string): Promise<HubProxy> {
  const upstream = new URL(target);
  const hanging = new Set<ServerResponse>();
  const state: HubProxy = {
    url: "",
    mode: "pass",
    pending: 0,
    release() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      state.pending = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        state.release();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    if (state.mode === "503") {
      req.resume();
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"Service Unavailable"}');
      return;
    }
    if (state.mode === "hang") {
      req.resume();
      hanging.add(res);
      state.pending++;
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
