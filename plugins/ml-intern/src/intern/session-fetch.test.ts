import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalHub, startLocalHub } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commit, ensureDataset } from "./hub-client.js";
import { fetchSession, isHubReference } from "./session-fetch.js";

// What `pincer intern resume owner/name[:id]` brings back from the Hub before ctx.sessions.import
// checks it again (runtime/src/session-import.test.ts): the pieces found, merged, in order.

const token = "hf_fetchtesttoken000000000000000000000";
let dir: string;
let hub: LocalHub;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-fetch-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
});
afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

const access = () => ({ url: hub.url, token });
const header = (id: string) => JSON.stringify({ type: "session", id, createdAt: "2026-03-04T10:00:00.000Z" });
const entry = (id: string, parentId: string | null, text: string) =>
  JSON.stringify({ type: "message", id, parentId, timestamp: "2026-03-04T10:00:01.000Z", text });
let count = 0;

async function put(repo: string, files: Record<string, string>) {
  await ensureDataset(access(), repo);
  await commit(
    access(),
    repo,
    `test ${++count}`,
    Object.entries(files).map(([path, text]) => ({ op: "put" as const, path, text })),
  );
}

describe("fetching an uploaded session from the Hub", () => {
  it("merges the whole file and the parts after it, a repeated line once, and stops at an orphan", async () => {
    const repo = "ada/fetch-merge";
    const id = "20260304-100000-aaaaaa";
    await put(repo, {
      [`sessions/2026-03-04/${id}.jsonl`]: `${header(id)}\n${entry("e1", null, "one")}\n`,
      // A retried part repeats e1; the third line follows nothing.
      [`sessions/2026-03-04/${id}/part-0001.jsonl`]: `${entry("e1", null, "one")}\n${entry("e2", "e1", "two")}\n${entry("e9", "nowhere", "lost")}\n`,
      [`sessions/2026-03-04/${id}/part-0002.jsonl`]: `${entry("e3", "e2", "three")}\n`,
    });
    const fetched = await fetchSession(repo, access());
    expect(fetched.sessionId).toBe(id);
    expect(fetched.repo).toBe(repo);
    const lines = fetched.jsonl.trim().split("\n");
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([id, "e1", "e2"]);
    expect(fetched.warnings.join("\n")).toMatch(/stopped at .*part-0001.*last good entry/);
  });

  it("picks the newest session, or the one an id prefix or URL names, and says clearly when there is none", async () => {
    const repo = "ada/fetch-pick";
    const older = "20260304-100000-bbbbbb";
    const newer = "20260305-100000-cccccc";
    await put(repo, {
      [`sessions/2026-03-04/${older}.jsonl`]: `${header(older)}\n${entry("o1", null, "old")}\n`,
      [`sessions/2026-03-05/${newer}.jsonl`]: `${header(newer)}\n${entry("n1", null, "new")}\n`,
    });
    expect((await fetchSession(repo, access())).sessionId).toBe(newer);
    expect((await fetchSession(`${repo}:20260304`, access())).sessionId).toBe(older);
    const url = `${hub.url}/datasets/${repo}/blob/main/sessions/2026-03-04/${older}.jsonl`;
    expect((await fetchSession(url, access())).sessionId).toBe(older);
    await expect(fetchSession(`${repo}:19990101`, access())).rejects.toThrow(/No session "19990101" in dataset/);
    await expect(fetchSession("not a repo", access())).rejects.toThrow(/names no dataset repo/);
    await expect(fetchSession(`${hub.url}/models/x/y`, access())).rejects.toThrow(/is not a dataset URL/);
    await expect(fetchSession(repo, { url: hub.url })).rejects.toThrow(/Could not list the sessions.*HF_TOKEN/);
  });

  it("never sends the token to a host other than the configured Hub's", async () => {
    const seen: string[] = [];
    const { createServer } = await import("node:http");
    const other = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ""));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(fetchSession(`http://127.0.0.1:${port}/datasets/ada/x`, access())).rejects.toThrow();
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((value) => value === "")).toBe(true);
    } finally {
      other.close();
    }
  });

  it("tells a Hub reference from a local session id", () => {
    expect(isHubReference("20260304-100000-aaaaaa")).toBe(false);
    expect(isHubReference("ada/sessions:2026")).toBe(true);
  });
});
