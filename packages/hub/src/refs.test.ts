import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const token = "hf_refs_test_token";
let dir: string;
let hub: LocalHub;

const auth = { Authorization: `Bearer ${token}` };
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, { ...init, headers: { ...auth, "Content-Type": "application/json", ...init.headers } });
const json = async (path: string, init: RequestInit = {}) => {
  const res = await api(path, init);
  expect(res.status, `${init.method ?? "GET"} ${path}: ${res.status}`).toBeLessThan(300);
  return res.json();
};
const commit = (repo: string, rev: string, lines: object[], query = "") =>
  api(`/api/models/${repo}/commit/${encodeURIComponent(rev)}${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: [{ key: "header", value: { summary: "change", description: "why" } }, ...lines]
      .map((l) => JSON.stringify(l))
      .join("\n"),
  });
const file = (path: string, text: string) => ({
  key: "file",
  value: { path, content: Buffer.from(text).toString("base64"), encoding: "base64" },
});
const paths = async (repo: string, rev: string) =>
  ((await json(`/api/models/${repo}/tree/${encodeURIComponent(rev)}?recursive=true`)) as { path: string }[]).map(
    (e) => e.path,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-refs-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
  await json("/api/repos/create", { method: "POST", body: JSON.stringify({ name: "proj" }) });
  expect((await commit("ada/proj", "main", [file("a.txt", "a")])).status).toBe(200);
});

afterAll(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("branches, tags and pull requests on the local Hub", () => {
  it("creates and deletes tags, lists them with the branches, and resolves them", async () => {
    await json("/api/models/ada/proj/tag/main", {
      method: "POST",
      body: JSON.stringify({ tag: "v1.0", message: "first" }),
    });
    const again = await api("/api/models/ada/proj/tag/main", { method: "POST", body: JSON.stringify({ tag: "v1.0" }) });
    expect(again.status).toBe(409);
    expect((await commit("ada/proj", "main", [file("b.txt", "b")])).status).toBe(200);

    const refs = await json("/api/models/ada/proj/refs");
    expect(refs.tags).toEqual([
      { name: "v1.0", ref: "refs/tags/v1.0", targetCommit: expect.stringMatching(/^[0-9a-f]{40}$/) },
    ]);
    expect(refs.branches.map((b: { name: string }) => b.name)).toEqual(["main"]);
    expect(refs.pullRequests).toBeUndefined();
    // The tag stays on the commit it named: b.txt came later.
    expect(await paths("ada/proj", "v1.0")).toEqual(["a.txt"]);
    expect(await paths("ada/proj", "refs/tags/v1.0")).toEqual(["a.txt"]);
    expect((await api("/ada/proj/resolve/v1.0/a.txt")).status).toBe(200);

    await json("/api/models/ada/proj/tag/v1.0", { method: "DELETE" });
    expect((await json("/api/models/ada/proj/refs")).tags).toEqual([]);
    expect((await api("/api/models/ada/proj/tag/v1.0", { method: "DELETE" })).status).toBe(404);
  });

  it("opens a pull request with create_pr=1, commits to refs/pr/N, lists it and merges it", async () => {
    const opened = await commit("ada/proj", "main", [file("pr.txt", "proposed")], "?create_pr=1");
    expect(opened.status).toBe(200);
    const answer = await opened.json();
    expect(answer.pullRequestUrl).toBe(`${hub.url}/ada/proj/discussions/1`);
    expect(await paths("ada/proj", "main")).not.toContain("pr.txt");
    expect(await paths("ada/proj", "refs/pr/1")).toContain("pr.txt");

    // A second commit to the pull request's ref moves it, not main.
    expect((await commit("ada/proj", "refs/pr/1", [file("pr2.txt", "more")])).status).toBe(200);
    expect(await paths("ada/proj", "refs/pr/1")).toEqual(expect.arrayContaining(["pr.txt", "pr2.txt"]));

    const refs = await json("/api/models/ada/proj/refs?include_prs=1");
    expect(refs.pullRequests).toEqual([{ name: "1", ref: "refs/pr/1", targetCommit: expect.any(String) }]);

    const list = await json("/api/models/ada/proj/discussions?type=pull_request&status=open");
    expect(list).toMatchObject({ count: 1, start: 0, numClosedDiscussions: 0 });
    expect(list.discussions[0]).toMatchObject({
      num: 1,
      title: "change",
      status: "open",
      isPullRequest: true,
      author: { name: "ada" },
      repo: { name: "ada/proj", type: "model" },
    });
    const detail = await json("/api/models/ada/proj/discussions/1");
    expect(detail.changes).toEqual({ base: "refs/heads/main" });
    expect(detail.events.map((e: { type: string }) => e.type)).toEqual(["comment", "commit", "commit"]);

    await json("/api/models/ada/proj/discussions/1/merge", { method: "POST", body: "{}" });
    expect(await paths("ada/proj", "main")).toEqual(expect.arrayContaining(["pr.txt", "pr2.txt"]));
    const merged = await json("/api/models/ada/proj/discussions/1");
    expect(merged.status).toBe("merged");
    expect(merged.changes.mergeCommitId).toMatch(/^[0-9a-f]{40}$/);
    const none = await json("/api/models/ada/proj/discussions?type=pull_request&status=open");
    expect(none.count).toBe(0);
  });

  it("opens a draft pull request through the discussions API, and closes it", async () => {
    const created = await json("/api/models/ada/proj/discussions", {
      method: "POST",
      body: JSON.stringify({ title: "Empty PR", description: "to fill", pullRequest: true }),
    });
    expect(created).toMatchObject({ num: 2, pullRequest: true });
    expect((await json("/api/models/ada/proj/discussions/2")).status).toBe("draft");
    // A draft is open to commits, so the open filter lists it (the merged #1 is closed).
    const open = await json("/api/models/ada/proj/discussions?type=pull_request&status=open");
    expect(open.discussions.map((d: { num: number; status: string }) => [d.num, d.status])).toEqual([[2, "draft"]]);
    const closed = await json("/api/models/ada/proj/discussions?type=pull_request&status=closed");
    expect(closed.discussions.map((d: { num: number }) => d.num)).toEqual([1]);
    expect((await commit("ada/proj", "refs/pr/2", [file("c.txt", "c")])).status).toBe(200);
    expect((await json("/api/models/ada/proj/discussions/2")).status).toBe("open");
    await json("/api/models/ada/proj/discussions/2/status", {
      method: "POST",
      body: JSON.stringify({ status: "closed", comment: "not needed" }),
    });
    expect((await json("/api/models/ada/proj/discussions/2")).status).toBe("closed");
    expect((await api("/api/models/ada/proj/discussions/9")).status).toBe(404);
  });

  it("accepts an lfsFile line without a size, and refuses a wrong one", async () => {
    const data = Buffer.alloc(2048, 7);
    const oid = createHash("sha256").update(data).digest("hex");
    const batch = await json("/ada/proj.git/info/lfs/objects/batch", {
      method: "POST",
      body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects: [{ oid, size: data.length }] }),
    });
    expect((await fetch(batch.objects[0].actions.upload.href, { method: "PUT", body: data })).status).toBe(200);
    const wrong = await commit("ada/proj", "main", [
      { key: "lfsFile", value: { path: "w.bin", algo: "sha256", oid, size: 3 } },
    ]);
    expect(wrong.status).toBe(422);
    const sizeless = await commit("ada/proj", "main", [
      { key: "lfsFile", value: { path: "w.bin", algo: "sha256", oid } },
    ]);
    expect(sizeless.status).toBe(200);
    const tree = await json("/api/models/ada/proj/tree/main");
    expect(tree.find((e: { path: string }) => e.path === "w.bin")).toMatchObject({ size: 2048, lfs: { oid } });
  });
});

describe("gated repos on the local Hub", () => {
  it("serves a gated repo's files only to its owner and granted users, with the Hub's GatedRepo answer", async () => {
    await json("/api/repos/create", {
      method: "POST",
      body: JSON.stringify({ name: "gated-data", organization: "bigorg", type: "dataset" }),
    });
    await api("/api/datasets/bigorg/gated-data/commit/main", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: [{ key: "header", value: { summary: "data" } }, file("train.csv", "text,label\nhi,1\n")]
        .map((l) => JSON.stringify(l))
        .join("\n"),
    });
    await json("/api/datasets/bigorg/gated-data/settings", {
      method: "PUT",
      body: JSON.stringify({ gated: "manual" }),
    });
    expect((await json("/api/datasets/bigorg/gated-data")).gated).toBe("manual");

    const refused = await api("/datasets/bigorg/gated-data/resolve/main/train.csv");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-error-code")).toBe("GatedRepo");
    expect((await refused.json()).error).toMatch(/restricted and you are not in the authorized list/);
    const viewer = await api("/datasets-server/first-rows?dataset=bigorg/gated-data&config=default&split=train");
    expect(viewer.status).toBe(403);

    await json("/api/datasets/bigorg/gated-data/user-access-request/grant", {
      method: "POST",
      body: JSON.stringify({ user: "ada" }),
    });
    const allowed = await api("/datasets/bigorg/gated-data/resolve/main/train.csv");
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toBe("text,label\nhi,1\n");
  });

  it("has no open mode: a Hub started without a token makes one, and an anonymous caller gets 401 and no data", async () => {
    const openDir = mkdtempSync(join(tmpdir(), "pincer-hub-open-"));
    const open = await startLocalHub({ dir: openDir, user: "ada" });
    try {
      expect(open.token.length).toBeGreaterThanOrEqual(32);
      const post = (path: string, body: unknown, method = "POST") =>
        fetch(`${open.url}${path}`, {
          method,
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${open.token}` },
          body: JSON.stringify(body),
        });
      expect((await post("/api/repos/create", { name: "llama", organization: "meta" })).status).toBe(200);
      expect((await post("/api/models/meta/llama/settings", { gated: "auto" }, "PUT")).status).toBe(200);
      const anonymous = await fetch(`${open.url}/meta/llama/resolve/main/README.md`);
      expect(anonymous.status).toBe(401);
      const guessed = await fetch(`${open.url}/api/models/meta/llama`, {
        headers: { Authorization: "Bearer anything" },
      });
      expect(guessed.status).toBe(401);
    } finally {
      await open.close();
      rmSync(openDir, { recursive: true, force: true });
    }
  });
});

describe("an LFS upload cut mid-way", () => {
  it("leaves no object and no temporary file behind, and a wrong body is refused", async () => {
    const data = Buffer.alloc(4 * 1024 * 1024, 3);
    const oid = createHash("sha256").update(data).digest("hex");
    const batch = await json("/ada/proj.git/info/lfs/objects/batch", {
      method: "POST",
      body: JSON.stringify({ operation: "upload", objects: [{ oid, size: data.length }] }),
    });
    const href = new URL(batch.objects[0].actions.upload.href);
    // Send half the declared body, then drop the connection.
    await new Promise<void>((resolve) => {
      const req = request(href, { method: "PUT", headers: { "Content-Length": data.length } });
      req.on("error", () => resolve());
      req.write(data.subarray(0, data.length / 2), () => setTimeout(() => req.destroy(), 50));
      req.on("close", () => resolve());
    });
    await until(() => readdirSync(join(dir, "tmp")).length === 0, "the temporary files to go");
    expect(existsSync(join(dir, "blobs", oid))).toBe(false);

    const other = Buffer.alloc(data.length, 4);
    const mismatch = await fetch(href, { method: "PUT", body: other });
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()).error).toMatch(/does not match/);
    expect(existsSync(join(dir, "blobs", oid))).toBe(false);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);

    const commitWithout = await commit("ada/proj", "main", [
      { key: "lfsFile", value: { path: "cut.bin", algo: "sha256", oid, size: data.length } },
    ]);
    expect(commitWithout.status).toBe(422);
    expect((await fetch(href, { method: "PUT", body: data })).status).toBe(200);
    expect(existsSync(join(dir, "blobs", oid))).toBe(true);
  });
});
