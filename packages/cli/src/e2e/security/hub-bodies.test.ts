import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalHub } from "@pincer/hub";
import { until } from "@pincer/testing";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServedHub } from "../served-hub.js";
import { attackedHub, json } from "./hub-fixture.js";
import { idleConnection, rawRequest, streamUpload } from "./raw-http.js";

/**
 * Attacks on `pincer hub serve` through what a request carries: bodies of the wrong type or size
 * (a 1.4 GB upload to a 10-byte URL), bodies nobody reads, traversal in names, revisions and
 * paths, huge headers and headers that never end. Each asserts the refusal and that it goes on.
 */

const fx = attackedHub();
const { auth, api, stillServing, storedBytes } = fx;
let hub: ServedHub;
let token: string;
beforeAll(() => {
  ({ hub, token } = fx);
});

describe("pincer hub serve: bodies", () => {
  it("refuses bodies that are not JSON where JSON is meant (415), and creates nothing", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await api("/api/repos/create", {
        method: "POST",
        headers: { "Content-Type": type },
        body: JSON.stringify({ name: "from-a-form" }),
      });
      expect(res.status, type).toBe(415);
    }
    const noType = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/repos/create",
      headers: auth(),
      body: JSON.stringify({ name: "from-a-form" }),
    });
    expect(noType.status).toBe(415);
    expect((await api("/api/models/local/from-a-form")).status).toBe(404);
    await stillServing();
  });

  it("caps a JSON body by route: 5 MB to repos/create is refused with 413", async () => {
    const res = await rawRequest(hub.url, {
      method: "POST",
      path: "/api/repos/create",
      headers: { ...auth(), ...json },
      body: JSON.stringify({ name: "huge", padding: "x".repeat(5 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    await stillServing();
  });

  it("a signed upload URL for a 10-byte object takes 10 bytes: a streamed 256 MB is cut, disk stays bounded", async () => {
    await api("/api/repos/create", { method: "POST", headers: json, body: JSON.stringify({ name: "uploads" }) });
    const content = Buffer.from("0123456789");
    const oid = createHash("sha256").update(content).digest("hex");
    const batch = await api("/local/uploads.git/info/lfs/objects/batch", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects: [{ oid, size: 10 }] }),
    });
    const href = ((await batch.json()) as { objects: Array<{ actions: { upload: { href: string } } }> }).objects[0]!
      .actions.upload.href;
    const before = storedBytes();

    // Chunked: no declared length, so only counting while streaming can stop it.
    const streamed = await streamUpload(href, 256 * 1024 * 1024);
    if (!streamed.cut) expect(streamed.status).toBe(413);
    expect(streamed.sent).toBeLessThan(64 * 1024 * 1024);
    await until(() => storedBytes() === before, "the cut upload's temp file is gone");

    // A declared Content-Length over the object's size is refused before a byte is read.
    const declared = await rawRequest(href, {
      method: "PUT",
      path: new URL(href).pathname + new URL(href).search,
      headers: { "Content-Length": String(1_400_000_000) },
      body: Buffer.alloc(0),
    }).catch(() => ({ status: 0, body: "" }));
    expect([0, 413]).toContain(declared.status);
    expect(storedBytes()).toBe(before);

    // The right 10 bytes still go in.
    const right = await fetch(href, { method: "PUT", body: content });
    expect(right.status).toBe(200);
    await stillServing();
  });
});

describe("pincer hub serve: bodies nobody reads", () => {
  it("reads at most 8 MB of a body sent where none is taken (a GET, a job's cancel, an object already stored)", async () => {
    await api("/api/repos/create", { method: "POST", headers: json, body: JSON.stringify({ name: "twice" }) });
    const content = Buffer.from("stored once");
    const oid = createHash("sha256").update(content).digest("hex");
    const batch = await api("/local/twice.git/info/lfs/objects/batch", {
      method: "POST",
      headers: { "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({ operation: "upload", objects: [{ oid, size: content.length }] }),
    });
    const href = ((await batch.json()) as { objects: Array<{ actions: { upload: { href: string } } }> }).objects[0]!
      .actions.upload.href;
    expect((await fetch(href, { method: "PUT", body: content })).status).toBe(200);
    for (const [method, url] of [
      ["GET", `${hub.url}/api/whoami-v2`],
      ["POST", `${hub.url}/api/jobs/local/nope/cancel`],
      ["GET", `${hub.url}/api/models`],
      ["PUT", href],
    ] as const) {
      const streamed = await streamUpload(url, 128 * 1024 * 1024, {
        method,
        headers: auth(),
        keepSending: true,
      });
      expect(streamed.sent, `${method} ${url}`).toBeLessThan(64 * 1024 * 1024);
    }
    await stillServing();
  });
});

describe("pincer hub serve: paths and headers", () => {
  it("refuses traversal in repo names, file paths and revisions, and leaks nothing of the Hub's folder", async () => {
    const attempts = [
      "/api/models/..%2F..%2Fhub/token",
      "/api/datasets/local/..%2Fsecret-data",
      "/datasets/local/secret-data/resolve/main/..%2F..%2F..%2Ftoken",
      "/datasets/local/secret-data/resolve/main/%2e%2e/%2e%2e/token",
      "/datasets/local/secret-data/resolve/..%2F..%2F..%2Ftoken/train.csv",
      "/datasets/local/secret-data/blob/..%2Fmain/train.csv",
      "/api/datasets/local/secret-data/tree/main/..%2F..%2F..",
      "/api/datasets/local/secret-data/tree/..%2F..%2Frefs.json",
      "/papers/..%2F..%2Ftoken.md",
      "/docs/transformers/..%2F..%2F..%2Ftoken",
      "/lfs-objects/..%2Ftoken",
      "/api/jobs/..%2F..%2F/x",
      "/%E0%A4%A",
    ];
    for (const path of attempts) {
      const res = await rawRequest(hub.url, { path, headers: auth() });
      expect([400, 404, 405], `${path} → ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain(token);
    }
    const commit = await api("/api/datasets/local/secret-data/commit/main", {
      method: "POST",
      headers: { "Content-Type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "escape" } },
        { key: "file", value: { path: "../../../escaped.txt", content: "x" } },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    expect(commit.status).toBe(400);
    expect(existsSync(join(hub.dir, "..", "escaped.txt"))).toBe(false);
    await stillServing();
  });

  it("answers a 64 KB header with 431 and goes on", async () => {
    const res = await rawRequest(hub.url, {
      path: "/api/whoami-v2",
      headers: { ...auth(), "X-Big": "x".repeat(64 * 1024) },
    }).catch(() => ({ status: 0 }));
    expect([0, 431]).toContain(res.status);
    await stillServing();
  });
});

describe("the local Hub's header timeout", () => {
  it("closes a connection that never finishes its headers (slowloris), and serves others meanwhile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-hub-slow-"));
    const slow = await startLocalHub({ dir, headersTimeoutMs: 300, connectionsCheckingIntervalMs: 50 });
    try {
      const idle = idleConnection(slow.url);
      const other = await fetch(`${slow.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${slow.token}` } });
      expect(other.status).toBe(200);
      const answer = await idle.closed;
      expect(answer === "" || answer.startsWith("HTTP/1.1 408")).toBe(true);
    } finally {
      await slow.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
