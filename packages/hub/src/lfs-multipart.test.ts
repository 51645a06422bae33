import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commit, createRepo, downloadFile } from "@huggingface/hub";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type LocalHub, type LocalHubOptions, startLocalHub } from "./index.js";

const token = "hf_multipart_test_token";
const auth = { Authorization: `Bearer ${token}` };
const lfsHeaders = { ...auth, Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" };
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

interface Started {
  hub: LocalHub;
  dir: string;
}
const started: Started[] = [];
afterEach(async () => {
  for (const { hub, dir } of started.splice(0)) {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A Hub with a repo `ada/weights`; small multipart sizes unless a test asks otherwise. */
async function hubWithRepo(multipart: LocalHubOptions["multipart"] = { threshold: 1000, chunkSize: 400 }) {
  const dir = mkdtempSync(join(tmpdir(), "pincer-hub-multipart-"));
  const hub = await startLocalHub({ dir, token, user: "ada", multipart });
  started.push({ hub, dir });
  const created = await fetch(`${hub.url}/api/repos/create`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "weights" }),
  });
  expect(created.status).toBe(200);
  return { hub, dir };
}

interface BatchObject {
  oid: string;
  size: number;
  actions?: {
    upload?: { href: string; header?: Record<string, string> };
    verify?: { href: string };
  };
}

async function batch(hub: LocalHub, objects: { oid: string; size: number }[], transfers: string[]) {
  const res = await fetch(`${hub.url}/ada/weights.git/info/lfs/objects/batch`, {
    method: "POST",
    headers: lfsHeaders,
    body: JSON.stringify({ operation: "upload", transfers, hash_algo: "sha256", objects }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { transfer: string; objects: BatchObject[] };
}

/** PUTs each part (no token, as to S3) and returns the completion's part list. */
async function putParts(object: BatchObject, data: Uint8Array) {
  const header = object.actions?.upload?.header ?? {};
  const chunk = Number(header.chunk_size);
  const numbers = Object.keys(header).filter((key) => /^\d+$/.test(key));
  const parts = [];
  for (const key of numbers) {
    const n = Number(key);
    const res = await fetch(header[key] as string, { method: "PUT", body: data.subarray((n - 1) * chunk, n * chunk) });
    expect(res.status, await res.clone().text()).toBe(200);
    parts.push({ partNumber: n, etag: res.headers.get("etag") as string });
  }
  return parts;
}

const complete = (object: BatchObject, body: unknown) =>
  fetch(object.actions?.upload?.href as string, {
    method: "POST",
    headers: { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
    body: JSON.stringify(body),
  });

const multipartDirs = (dir: string) => readdirSync(join(dir, "tmp")).filter((name) => name.startsWith("multipart-"));

describe("LFS multipart uploads on the local Hub", () => {
  it("keeps basic transfer for clients that don't offer multipart, and for small objects", async () => {
    const { hub } = await hubWithRepo();
    const big = { oid: sha256(randomBytes(8)), size: 5000 };
    const basic = await batch(hub, [big], ["basic"]);
    expect(basic.transfer).toBe("basic");
    expect(basic.objects[0]?.actions?.upload?.href).toMatch(/\/lfs-objects\/[0-9a-f]{64}\?size=5000&sig=/);
    expect(basic.objects[0]?.actions?.upload?.header).toBeUndefined();
    const small = await batch(hub, [{ oid: sha256(randomBytes(8)), size: 1000 }], ["basic", "multipart"]);
    expect(small.transfer).toBe("basic");
    expect(small.objects[0]?.actions?.upload?.header).toBeUndefined();
  });

  it("answers multipart as huggingface.co does, joins the parts, verifies and commits the object", async () => {
    const { hub, dir } = await hubWithRepo();
    const data = randomBytes(1001);
    const oid = sha256(data);
    const answer = await batch(hub, [{ oid, size: data.length }], ["basic", "multipart"]);
    expect(answer.transfer).toBe("multipart");
    const object = answer.objects[0] as BatchObject;
    const header = object.actions?.upload?.header ?? {};
    expect(Object.keys(header).sort()).toEqual(["00001", "00002", "00003", "chunk_size"]);
    expect(header.chunk_size).toBe("400");
    expect(header["00001"]).toMatch(new RegExp(`^${hub.url}/lfs-multipart/[0-9a-f]{32}/00001\\?sig=`));
    expect(object.actions?.verify?.href).toBe(`${hub.url}/ada/weights.git/info/lfs/objects/verify`);

    const parts = await putParts(object, data);
    expect(parts[0]?.etag).toBe(`"${createHash("md5").update(data.subarray(0, 400)).digest("hex")}"`);
    expect(existsSync(join(dir, "blobs", oid))).toBe(false);
    const done = await complete(object, { oid, parts });
    expect(done.status, await done.clone().text()).toBe(200);
    expect(existsSync(join(dir, "blobs", oid))).toBe(true);
    expect(multipartDirs(dir)).toEqual([]);

    const verified = await fetch(object.actions?.verify?.href as string, {
      method: "POST",
      headers: lfsHeaders,
      body: JSON.stringify({ oid, size: data.length }),
    });
    expect(verified.status).toBe(200);
    const committed = await fetch(`${hub.url}/api/models/ada/weights/commit/main`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "weights", description: "" } },
        { key: "lfsFile", value: { path: "model.bin", algo: "sha256", oid, size: data.length } },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    expect(committed.status).toBe(200);
    const back = await fetch(`${hub.url}/ada/weights/resolve/main/model.bin`, { headers: auth });
    expect(Buffer.from(await back.arrayBuffer()).equals(data)).toBe(true);
  });

  it("rejects a wrong ETag, a missing part and parts out of order, and stores nothing", async () => {
    const { hub, dir } = await hubWithRepo();
    const data = randomBytes(1200);
    const oid = sha256(data);
    const object = (await batch(hub, [{ oid, size: data.length }], ["basic", "multipart"])).objects[0] as BatchObject;
    const parts = await putParts(object, data);

    const wrongEtag = await complete(object, {
      oid,
      parts: parts.map((p, i) => (i === 1 ? { ...p, etag: '"00"' } : p)),
    });
    expect(wrongEtag.status).toBe(400);
    expect((await wrongEtag.json()).error).toContain("The ETag given for part 2");
    const missing = await complete(object, { oid, parts: parts.slice(0, 2) });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toContain("lists 2 parts; this upload has 3");
    const swapped = await complete(object, { oid, parts: [parts[1], parts[0], parts[2]] });
    expect(swapped.status).toBe(400);
    expect((await swapped.json()).error).toContain("Parts must be listed in order 1..3: entry 1 is partNumber 2");
    expect(existsSync(join(dir, "blobs", oid))).toBe(false);

    // The upload is still open after a refused completion: the right list completes it.
    expect((await complete(object, { oid, parts })).status).toBe(200);
    expect(existsSync(join(dir, "blobs", oid))).toBe(true);
  });

  it("refuses a part of the wrong size and a part that was never uploaded", async () => {
    const { hub } = await hubWithRepo();
    const data = randomBytes(1200);
    const oid = sha256(data);
    const object = (await batch(hub, [{ oid, size: data.length }], ["basic", "multipart"])).objects[0] as BatchObject;
    const header = object.actions?.upload?.header ?? {};
    const short = await fetch(header["00001"] as string, { method: "PUT", body: data.subarray(0, 10) });
    expect(short.status).toBe(400);
    expect((await short.json()).error).toContain("Part 1 is 10 bytes; this upload's part 1 must be 400 bytes");
    const unsigned = await fetch((header["00001"] as string).replace(/sig=.*/, "sig=00"), { method: "PUT", body: "x" });
    expect(unsigned.status).toBe(403);
    const never = await complete(object, {
      oid,
      parts: [1, 2, 3].map((partNumber) => ({ partNumber, etag: '"x"' })),
    });
    expect((await never.json()).error).toContain("Part 1 was never uploaded");
  });

  it("refuses parts that join into other bytes than the oid names: 400, nothing stored, the upload gone", async () => {
    const { hub, dir } = await hubWithRepo();
    const data = randomBytes(1001);
    const claimed = sha256(randomBytes(32));
    const object = (await batch(hub, [{ oid: claimed, size: data.length }], ["basic", "multipart"]))
      .objects[0] as BatchObject;
    const parts = await putParts(object, data);
    const done = await complete(object, { oid: claimed, parts });
    expect(done.status).toBe(400);
    expect((await done.json()).error).toMatch(
      new RegExp(`do not match the object: sha256 ${sha256(data)}, 1001 bytes; expected ${claimed}, 1001 bytes`),
    );
    expect(readdirSync(join(dir, "blobs"))).toEqual([]);
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect((await complete(object, { oid: claimed, parts })).status).toBe(404);
  });

  it("leaves nothing behind from an upload that is abandoned, when it expires or the Hub stops", async () => {
    const { hub, dir } = await hubWithRepo({ threshold: 1000, chunkSize: 400, ttlMs: 50 });
    const data = randomBytes(1001);
    const first = (await batch(hub, [{ oid: sha256(data), size: 1001 }], ["basic", "multipart"]))
      .objects[0] as BatchObject;
    await fetch(first.actions?.upload?.header?.["00001"] as string, { method: "PUT", body: data.subarray(0, 400) });
    expect(multipartDirs(dir)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Expired: its parts are refused, and the next upload to start sweeps it away.
    const late = await fetch(first.actions?.upload?.header?.["00002"] as string, {
      method: "PUT",
      body: data.subarray(400, 800),
    });
    expect(late.status).toBe(404);
    const other = randomBytes(1500);
    await batch(hub, [{ oid: sha256(other), size: 1500 }], ["basic", "multipart"]);
    expect(multipartDirs(dir)).toHaveLength(1);
    const entry = started.pop() as Started;
    await entry.hub.close();
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
    expect(readdirSync(join(dir, "blobs"))).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("deletes parts a previous run left behind when it starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-hub-multipart-stale-"));
    mkdirSync(join(dir, "tmp", "multipart-0123456789abcdef0123456789abcdef"), { recursive: true });
    writeFileSync(join(dir, "tmp", "multipart-0123456789abcdef0123456789abcdef", "00001"), "left over");
    const hub = await startLocalHub({ dir, token });
    started.push({ hub, dir });
    expect(multipartDirs(dir)).toEqual([]);
  });
});

describe("the real @huggingface/hub client against multipart", () => {
  let hub: LocalHub | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("commits a file above the threshold through its own multipart path, then downloads it back identical", async () => {
    // The defaults: 16 MiB threshold, 8 MiB parts; 20 MiB makes three parts, the last one short.
    dir = mkdtempSync(join(tmpdir(), "pincer-hub-multipart-client-"));
    hub = await startLocalHub({ dir, token });
    const hubUrl = hub.url;
    const repo = { type: "model" as const, name: "ada/big" };
    await createRepo({ repo, accessToken: token, hubUrl });
    const data = randomBytes(20 * 1024 * 1024 + 123);
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(`${init?.method ?? "GET"} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`);
      return fetch(input, init);
    };
    const result = await commit({
      repo,
      accessToken: token,
      hubUrl,
      fetch: recording,
      title: "Add big weights",
      operations: [{ operation: "addOrUpdate", path: "model.safetensors", content: new Blob([data]) }],
    });
    expect(result?.commit.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(calls.filter((call) => /^PUT \/lfs-multipart\/[0-9a-f]{32}\/0000[123]$/.test(call))).toHaveLength(3);
    expect(calls.filter((call) => /^POST \/lfs-multipart\/[0-9a-f]{32}$/.test(call))).toHaveLength(1);
    expect(calls.some((call) => call.startsWith("PUT /lfs-objects/"))).toBe(false);

    const blob = await downloadFile({ repo, accessToken: token, hubUrl, path: "model.safetensors" });
    const back = Buffer.from(await (blob as Blob).arrayBuffer());
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
    expect(multipartDirs(dir)).toEqual([]);
  }, 60_000);
});
