import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub } from "@pincer/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Fault, startFaultProxy } from "./fault-proxy.fixture.js";
import { MAX_UPLOAD_BYTES } from "./upload-tools.js";

/**
 * Large uploads through the Hub's LFS multipart transfer, against a real local Hub (default
 * sizes: objects over 16 MiB go in 8 MiB parts) behind a proxy that can fail a request, change
 * a request body on its way or an answer's ETag on its way back; it keeps the Host header, so
 * the part URLs the Hub hands out lead back through it.
 */

const token = "hf_multipart_plugin_token";
const auth = { Authorization: `Bearer ${token}` };
let dir: string;
let workspace: string;
let hub: LocalHub;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let plugin: LoadedPlugin;
let faults: Fault[] = [];
let seen: string[] = [];

const text = (result: { content: unknown }): string => String(result.content);
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const partPut = (n: number) => (req: IncomingMessage) =>
  req.method === "PUT" && new RegExp(`^/lfs-multipart/[0-9a-f]{32}/0*${n}\\?`).test(req.url ?? "");

const tree = async (): Promise<string[]> =>
  (
    (await (await fetch(`${hub.url}/api/models/ada/big/tree/main?recursive=true`, { headers: auth })).json()) as {
      path: string;
    }[]
  ).map((entry) => entry.path);

const download = async (path: string): Promise<Buffer> => {
  const res = await fetch(`${hub.url}/ada/big/resolve/main/${path}`, { headers: auth });
  expect(res.status, path).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

const write = (name: string, size: number): Buffer => {
  const data = randomBytes(size);
  writeFileSync(join(workspace, name), data);
  return data;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hf-multipart-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-multipart-ws-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
  proxy = await startFaultProxy(hub.url, { faults: () => faults, seen: (line) => seen.push(line) });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: proxy.url, HF_TOKEN: token },
  });
  const created = await plugin.runTool("hf_create_repo", { name: "big" });
  expect(created.isError, text(created)).toBeFalsy();
});

beforeEach(() => {
  faults = [];
  seen = [];
  plugin.updates.length = 0;
});

afterAll(async () => {
  plugin?.dispose();
  await proxy?.close();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

describe("hf_upload_file: large files through LFS multipart", () => {
  it("uploads a 96 MB file in 8 MB parts, with progress per part, and it comes back identical", async () => {
    // More than the isolate's 128 MB heap could hold twice: only a piece at a time is in memory.
    const data = write("model.safetensors", 96 * 1024 * 1024 + 1234);
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/big",
      path: "model.safetensors",
      localPath: "model.safetensors",
      message: "Add fine-tuned weights",
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(/^Uploaded model\.safetensors \(96 MB, through LFS\) to ada\/big in commit/);
    const parts = seen.filter((s) => /^PUT \/lfs-multipart\/[0-9a-f]{32}\/\d{5}$/.test(s));
    expect(parts).toHaveLength(13);
    expect(seen.filter((s) => /^POST \/lfs-multipart\/[0-9a-f]{32}$/.test(s))).toHaveLength(1);
    expect(seen).toContain("POST /ada/big.git/info/lfs/objects/verify");
    const updates = plugin.updates.join("");
    expect(updates).toMatch(/hashing model\.safetensors: 100%/);
    expect(updates).toContain("uploading model.safetensors part 1/13 (8.0 MB of 96 MB)");
    expect(updates).toContain("uploading model.safetensors part 13/13 (96 MB of 96 MB)");
    expect(sha256(await download("model.safetensors"))).toBe(sha256(data));
    expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  }, 120_000);

  it("sends a part again when its PUT fails once, and the file lands whole", async () => {
    const data = write("retry.bin", 20 * 1024 * 1024);
    faults.push({ match: partPut(2), times: 1, status: 500 });
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/big",
      path: "retry.bin",
      localPath: "retry.bin",
    });
    expect(result.isError, text(result)).toBeFalsy();
    const puts = seen.filter((s) => s.startsWith("PUT /lfs-multipart/"));
    expect(puts.map((s) => s.slice(-5))).toEqual(["00001", "00002", "00002", "00003"]);
    expect(sha256(await download("retry.bin"))).toBe(sha256(data));
  }, 60_000);

  it("fails with the Hub's message when it rejects the completion (a wrong ETag), leaving the repo unchanged", async () => {
    write("rejected.bin", 17 * 1024 * 1024);
    const before = await tree();
    const blobs = readdirSync(join(dir, "blobs")).length;
    faults.push({ match: partPut(1), times: 1, etag: '"0123456789abcdef"' });
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/big",
      path: "rejected.bin",
      localPath: "rejected.bin",
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      /^Uploading rejected\.bin failed: HTTP 400: .*the Hub said: The ETag given for part 1 \("\\"0123456789abcdef\\""\) is not the one its upload returned .*; nothing was committed, so ada\/big is unchanged\. Run the tool again to retry\.$/,
    );
    expect(seen.some((s) => s.includes("/commit/"))).toBe(false);
    expect(await tree()).toEqual(before);
    expect(readdirSync(join(dir, "blobs"))).toHaveLength(blobs);
  }, 60_000);

  it("refuses a file over 48 MB when the Hub offers only a single PUT", async () => {
    write("single.bin", 50 * 1024 * 1024);
    const before = await tree();
    faults.push({
      match: (req) => req.method === "POST" && (req.url ?? "").endsWith("/info/lfs/objects/batch"),
      times: 1,
      rewriteBody: (body) => JSON.stringify({ ...JSON.parse(body), transfers: ["basic"] }),
    });
    const result = await plugin.runTool("hf_upload_file", {
      repo: "ada/big",
      path: "single.bin",
      localPath: "single.bin",
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      "The Hub offered only a single PUT for single.bin (no multipart), and this tool sends at most 48 MB in one piece, since the plugin sandbox would hold all 50 MB in memory. Upload it with the hf CLI (`hf upload <repo> single.bin`) instead; nothing was committed, so ada/big is unchanged.",
    );
    expect(seen.some((s) => s.startsWith("PUT "))).toBe(false);
    expect(await tree()).toEqual(before);
  }, 60_000);

  it("refuses a file, or a folder, over the per-call cap before reading it, naming its size and the cap", async () => {
    // Sparse files: the size is real to stat, and nothing is written or read.
    const sparse = (path: string, size: number) => {
      closeSync(openSync(join(workspace, path), "w"));
      truncateSync(join(workspace, path), size);
    };
    sparse("huge.bin", MAX_UPLOAD_BYTES + 1);
    const huge = await plugin.runTool("hf_upload_file", { repo: "ada/big", path: "huge.bin", localPath: "huge.bin" });
    expect(huge.isError).toBe(true);
    expect(text(huge)).toMatch(
      /^huge\.bin is 1(\.0)? GB; this tool uploads up to 1(\.0)? GB a call, since the plugin sandbox hashes every byte within its CPU limit\. Upload it with the hf CLI/,
    );
    mkdirSync(join(workspace, "shards"));
    sparse("shards/a.bin", 600 * 1024 * 1024);
    sparse("shards/b.bin", 600 * 1024 * 1024);
    const folder = await plugin.runTool("hf_upload_folder", { repo: "ada/big", localPath: "shards" });
    expect(folder.isError).toBe(true);
    expect(text(folder)).toMatch(/^The files in shards total 1\.2 GB; this tool uploads up to 1(\.0)? GB a call/);
    expect(seen.some((s) => s.includes("/preupload/"))).toBe(false);
  });
});
