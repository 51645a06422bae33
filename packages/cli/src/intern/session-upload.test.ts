import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRepo, downloadFile, listFiles } from "@huggingface/hub";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { type Session, SessionStore } from "@pincer/kernel";
import { scaledTimeout, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSessionUploader } from "./session-upload.js";

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

let repoCount = 0;
const freshRepo = () => `ada/sessions-${++repoCount}`;

function newSession(): Session {
  const store = new SessionStore(mkdtempSync(join(dir, "home-")));
  return store.create({ cwd: dir });
}

function say(session: Session, text: string): void {
  session.append({ type: "message", message: { role: "user", content: text, timestamp: Date.now() } });
}

function uploader(session: Session, repo: string, extra: Partial<Parameters<typeof startSessionUploader>[0]> = {}) {
  const warnings: string[] = [];
  const up = startSessionUploader({
    endpoint: hub.url,
    token: accessToken,
    repo,
    sessionFile: session.path,
    sessionId: session.id,
    startedAt: new Date("2026-03-04T10:00:00Z"),
    intervalMs: 60_000,
    minGapMs: 0,
    warn: (message) => warnings.push(message),
    ...extra,
  });
  return { up, warnings };
}

async function repoFiles(repo: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of listFiles({
    repo: { type: "dataset", name: repo },
    recursive: true,
    hubUrl: hub.url,
    accessToken,
  })) {
    if (entry.type !== "file") continue;
    const blob = await downloadFile({
      repo: { type: "dataset", name: repo },
      path: entry.path,
      hubUrl: hub.url,
      accessToken,
    });
    out.set(entry.path, (await blob!.text()) ?? "");
  }
  return out;
}

/** Counts request body bytes the Hub client sends, per commit. */
function countingFetch() {
  const commits: number[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes("/commit/")) {
      const body = init?.body;
      commits.push(typeof body === "string" ? Buffer.byteLength(body) : body instanceof Blob ? body.size : 0);
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, commits };
}

const waitUntil = (condition: () => boolean) => until(condition, { intervalMs: 10 });

describe("startSessionUploader against a local Hub", () => {
  it("uploads only the lines appended since the last upload, as numbered parts", async () => {
    const session = newSession();
    for (let i = 0; i < 200; i++) say(session, `step ${i}: ${"x".repeat(900)}`);
    const repo = freshRepo();
    const counting = countingFetch();
    const { up } = uploader(session, repo, { fetch: counting.fetch });
    expect(up.url).toBe(`${hub.url}/datasets/${repo}/blob/main/sessions/2026-03-04/${session.id}.jsonl`);

    up.kick();
    await waitUntil(() => up.stats().uploads === 1);
    const firstSize = statSync(session.path).size;
    expect(up.stats().bytesSent).toBe(firstSize);

    say(session, "one more step");
    say(session, "and another");
    const appended = statSync(session.path).size - firstSize;
    up.kick();
    await waitUntil(() => up.stats().uploads === 2);
    expect(up.stats().bytesSent - firstSize).toBe(appended);
    // On the wire too: the second commit carries the new lines, not the 180 KB file again.
    expect(counting.commits).toHaveLength(2);
    expect(counting.commits[1]!).toBeLessThan(appended * 1.5 + 1024);
    expect(counting.commits[0]!).toBeGreaterThan(firstSize);

    const files = await repoFiles(repo);
    const prefix = `sessions/2026-03-04/${session.id}/`;
    expect([...files.keys()].sort()).toEqual([`${prefix}part-0001.jsonl`, `${prefix}part-0002.jsonl`]);
    expect(files.get(`${prefix}part-0001.jsonl`)! + files.get(`${prefix}part-0002.jsonl`)!).toBe(
      readFileSync(session.path, "utf8"),
    );
    await up.close();
  });

  it("on close writes the whole session and deletes the parts in one commit", async () => {
    const session = newSession();
    say(session, "first");
    const repo = freshRepo();
    const { up } = uploader(session, repo);
    up.kick();
    await waitUntil(() => up.stats().uploads === 1);
    say(session, "second");
    const result = await up.close();
    expect(result).toEqual({ uploaded: true, bytes: statSync(session.path).size });
    const files = await repoFiles(repo);
    expect([...files.keys()]).toEqual([`sessions/2026-03-04/${session.id}.jsonl`]);
    expect(files.get(`sessions/2026-03-04/${session.id}.jsonl`)).toBe(readFileSync(session.path, "utf8"));
    expect(await up.close()).toBe(result);
    // The repo was created private.
    const info = await fetch(`${hub.url}/api/datasets/${repo}`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(((await info.json()) as { private: boolean }).private).toBe(true);
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
      expect(warnings[0]).toMatch(/failed \(HTTP 503.*retried later.*safe on disk/);
      say(session, "still working");
    } finally {
      proxy.mode = "pass";
    }
    await waitUntil(() => up.stats().uploads === 1);
    expect(warnings[1]).toMatch(/works again/);
    const files = await repoFiles(repo);
    expect([...files.values()].join("")).toBe(readFileSync(session.path, "utf8"));
    expect((await up.close()).uploaded).toBe(true);
  });

  it("kick returns at once and the loop keeps running while the Hub hangs; close gives up after its bound", async () => {
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
    await waitUntil(() => up.stats().bytesSent === statSync(session.path).size);
    // One upload per 150 ms window at most (plus the first), however many turns kicked it.
    expect(up.stats().uploads).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 150) + 1);
    expect(up.stats().uploads).toBeLessThan(15);
    expect([...(await repoFiles(repo)).values()].join("")).toBe(readFileSync(session.path, "utf8"));
    await up.close();
  });

  it("never sends a secret: env values, the Hub token and token shapes are redacted before upload", async () => {
    const session = newSession();
    const envSecret = "correct-horse-battery-staple-42";
    // Written raw, as if the file had not been redacted on disk: the uploader is the second net.
    appendFileSync(
      session.path,
      `${JSON.stringify({
        type: "message",
        id: "raw00001",
        parentId: session.leafId,
        timestamp: new Date().toISOString(),
        message: {
          role: "user",
          content: `keys: ${envSecret} ${accessToken} sk-proj-abcdefghijklmnop1234567890 "quoted ${envSecret}"`,
          timestamp: 1,
        },
      })}\n`,
    );
    const repo = freshRepo();
    const bodies: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const body = init?.body;
      if (typeof body === "string") bodies.push(body);
      else if (body instanceof Blob) bodies.push(await body.text());
      else if (body instanceof Uint8Array) bodies.push(Buffer.from(body).toString());
      return fetch(input, init);
    };
    const { up } = uploader(session, repo, { env: { TRAINING_API_KEY: envSecret }, fetch: recording });
    up.kick();
    await waitUntil(() => up.stats().uploads === 1);
    expect((await up.close()).uploaded).toBe(true);
    const stored = [...(await repoFiles(repo)).values()].join("");
    expect(stored).toContain("[REDACTED]");
    expect(bodies.some((body) => body.includes('"key":"file"'))).toBe(true);
    const decoded = bodies.map((body) => `${body}\n${decodeBase64Contents(body)}`).join("\n");
    for (const secret of [envSecret, accessToken.slice(3), "sk-proj-abcdefghijklmnop"]) {
      expect(stored).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
    // Still one valid entry per line.
    for (const line of stored.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("refuses a public repo and says what to do", async () => {
    const repo = freshRepo();
    await createRepo({ repo: { type: "dataset", name: repo }, hubUrl: hub.url, accessToken, visibility: "public" });
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
    const files = await repoFiles(repo);
    const part2 = files.get(`sessions/2026-03-04/${session.id}/part-0002.jsonl`)!;
    expect(part2.trim().split("\n")).toHaveLength(1);
    expect(part2).toContain("after the restart");
    await second.close();
    void first.close();
  });
});

function decodeBase64Contents(ndjson: string): string {
  return ndjson
    .split("\n")
    .map((line) => {
      try {
        const value = JSON.parse(line) as { value?: { content?: string; encoding?: string } };
        return value.value?.encoding === "base64" ? Buffer.from(value.value.content ?? "", "base64").toString() : "";
      } catch {
        return "";
      }
    })
    .join("\n");
}

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
  const hanging = new Set<import("node:http").ServerResponse>();
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
