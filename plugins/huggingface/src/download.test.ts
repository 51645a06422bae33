import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, type LocalHub, loadPlugin, startLocalHub } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_TOTAL_BYTES } from "./download.js";
import { globToRegExp, safeRepoPath } from "./download-plan.js";
import { gitBlobOid } from "./git-oid.js";
import { type HubProxy, loadViaProxy, startHubProxy } from "./hub-proxy.fixture.js";

const token = "hf_download_test_token";
let dir: string;
let workspace: string;
let proxied: string;
let hub: LocalHub;
let plugin: LoadedPlugin;
let viaProxy: LoadedPlugin;
let proxy: HubProxy;
/** What the proxy does to the Hub's answers (see startHubProxy). */
const tamper: { tree?: (entries: TreeEntry[]) => TreeEntry[] } = {};
/** The Authorization header of each request the "CDN" got (null when none). */
const cdnAuth: (string | null)[] = [];

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

const text = (result: { content: unknown }): string => String(result.content);
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const weights = randomBytes(300_000);
weights[10] = 0;
const train = "text,label\ngreat phone,1\nbroke in a day,0\n";
const test = "text,label\nworks well,1\n";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hf-download-hub-"));
  workspace = mkdtempSync(join(tmpdir(), "pincer-hf-download-ws-"));
  proxied = mkdtempSync(join(tmpdir(), "pincer-hf-download-proxied-"));
  hub = await startLocalHub({ dir, token, user: "ada" });
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: hub.url, HF_TOKEN: token },
    shipsWithPincer: true,
  });
  // The dataset: a card, two CSV splits and a JSON file under data/, and binary weights (LFS).
  const source = join(workspace, "fixture");
  mkdirSync(join(source, "data"), { recursive: true });
  writeFileSync(join(source, "README.md"), "---\nlicense: mit\n---\n# Reviews\n");
  writeFileSync(join(source, "data", "train.csv"), train);
  writeFileSync(join(source, "data", "test.csv"), test);
  writeFileSync(join(source, "data", "extra.json"), '{"note": "not a split"}');
  writeFileSync(join(source, "weights.bin"), weights);
  expect((await plugin.runTool("hf_create_repo", { name: "reviews", type: "dataset" })).isError).toBeFalsy();
  const uploaded = await plugin.runTool("hf_upload_folder", {
    repo: "ada/reviews",
    type: "dataset",
    localPath: "fixture",
  });
  expect(uploaded.isError, text(uploaded)).toBeFalsy();
  rmSync(source, { recursive: true });

  proxy = await startHubProxy({
    hubUrl: hub.url,
    serveObject: (oid, req, res) => {
      cdnAuth.push(req.headers.authorization ?? null);
      fetch(`${hub.url}/lfs-objects/${oid}`, { headers: { Authorization: `Bearer ${token}` } })
        .then(async (upstream) => res.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer())))
        .catch(() => res.writeHead(502).end());
    },
    tamperTree: () => tamper.tree as ((entries: unknown[]) => unknown[]) | undefined,
  });
  viaProxy = await loadViaProxy(plugin, proxy, proxied, token);
}, 60_000);

afterAll(async () => {
  plugin?.dispose();
  viaProxy?.dispose();
  proxy?.close();
  await hub?.close();
  for (const folder of [dir, workspace, proxied]) if (folder) rmSync(folder, { recursive: true, force: true });
});

describe("hf_download", () => {
  it("is an edit: it writes workspace files, so acceptEdits allows it", async () => {
    const tool = (await plugin.tools()).find((candidate) => candidate.name === "hf_download");
    expect(tool?.kind).toBe("edit");
    expect(await tool?.permissionSubject?.({ repo: "ada/reviews", localDir: "data" }, workspace)).toEqual({
      kind: "path",
      value: "data",
    });
  });

  it("downloads a whole repo, text and binary (LFS) files byte for byte, into ./<repo name>", async () => {
    plugin.updates.length = 0;
    const result = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset" });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(
      /\nDownloaded 5 files \([\d.]+ KB\) of the dataset ada\/reviews at main \([0-9a-f]{40}\) into \.\/reviews\.$/,
    );
    expect(text(result)).toContain("./reviews/weights.bin (293 KB, LFS)");
    expect(text(result)).toContain("./reviews/data/train.csv (");
    expect(sha256(readFileSync(join(workspace, "reviews", "weights.bin")))).toBe(sha256(weights));
    expect(readFileSync(join(workspace, "reviews", "data", "train.csv"), "utf8")).toBe(train);
    expect(readFileSync(join(workspace, "reviews", "README.md"), "utf8")).toContain("# Reviews");
    expect(plugin.updates.join("")).toMatch(
      /\[1\/5\] downloading README\.md[\s\S]*\[5\/5\] downloading weights\.bin \(293 KB, LFS\)/,
    );
    const details = result.details as { revision: string; files: { path: string; status: string; lfs: boolean }[] };
    expect(details.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(details.files.find((file) => file.path === "weights.bin")).toMatchObject({
      status: "downloaded",
      lfs: true,
    });
  });

  it("downloads a folder kept by patterns, keeping repo paths under localDir", async () => {
    const result = await plugin.runTool("hf_download", {
      repo: "ada/reviews",
      type: "dataset",
      path: "data",
      patterns: ["*.csv"],
      localDir: "splits",
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toMatch(
      /^\.\/splits\/data\/test\.csv \(\d+ B\)\n\.\/splits\/data\/train\.csv \(\d+ B\)\nDownloaded 2 files .* into \.\/splits\.$/,
    );
    expect(readdirSync(join(workspace, "splits", "data")).sort()).toEqual(["test.csv", "train.csv"]);
    expect(readFileSync(join(workspace, "splits", "data", "test.csv"), "utf8")).toBe(test);

    const one = await plugin.runTool("hf_download", {
      repo: "ada/reviews",
      type: "dataset",
      path: "data/extra.json",
      localDir: "one",
    });
    expect(text(one)).toMatch(/^\.\/one\/data\/extra\.json \(23 B\)\nDownloaded 1 file \(23 B\) of .* into \.\/one\.$/);
    const none = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset", patterns: ["*.parquet"] });
    expect(none.isError).toBe(true);
    expect(text(none)).toContain('ada/reviews has no files matching ["*.parquet"]: list them with hf_repo_files.');
  });

  it("skips files that are already there with the same content, and fetches a changed one again", async () => {
    const again = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset" });
    expect(again.isError, text(again)).toBeFalsy();
    expect(text(again)).toMatch(
      /\.\/reviews\/weights\.bin \(293 KB, LFS, unchanged\)\nAll 5 files of the dataset ada\/reviews at main \([0-9a-f]{40}\) in \.\/reviews were already up to date; nothing was downloaded\.$/,
    );
    expect((again.details as { files: { status: string }[] }).files.every((file) => file.status === "unchanged")).toBe(
      true,
    );

    // Same size, other bytes: only the hash can tell, for a regular file and an LFS one.
    writeFileSync(join(workspace, "reviews", "data", "train.csv"), train.replace("great", "GREAT"));
    const tampered = Buffer.from(weights);
    tampered[0] = (tampered[0] as number) ^ 0xff;
    writeFileSync(join(workspace, "reviews", "weights.bin"), tampered);
    const repaired = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset" });
    expect(text(repaired)).toMatch(
      /\.\/reviews\/data\/train\.csv \(42 B\)\n\.\/reviews\/weights\.bin \(293 KB, LFS\)\nDownloaded 2 files \(293 KB\) .*; 3 files already up to date were left as they were\.$/,
    );
    expect(readFileSync(join(workspace, "reviews", "data", "train.csv"), "utf8")).toBe(train);
    expect(sha256(readFileSync(join(workspace, "reviews", "weights.bin")))).toBe(sha256(weights));
  });

  it("says what to check when the repo doesn't exist, and refuses a folder outside the workspace", async () => {
    const missing = await plugin.runTool("hf_download", { repo: "ada/nope", type: "dataset" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^HTTP 404: The dataset repo ada\/nope doesn't exist/);
    const noFolder = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset", path: "nothere" });
    expect(text(noFolder)).toContain("ada/reviews has no file or folder nothere");

    const elsewhere = mkdtempSync(join(tmpdir(), "pincer-hf-download-outside-"));
    try {
      const outside = await plugin.runTool("hf_download", {
        repo: "ada/reviews",
        type: "dataset",
        localDir: elsewhere,
      });
      expect(outside.isError).toBe(true);
      expect(text(outside)).toContain(`localDir ${elsewhere} can't be used`);
      const climbing = await plugin.runTool("hf_download", { repo: "ada/reviews", type: "dataset", localDir: "../x" });
      expect(climbing.isError).toBe(true);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("takes LFS bytes from the signed link on another host without sending it HF_TOKEN", async () => {
    cdnAuth.length = 0;
    const result = await viaProxy.runTool("hf_download", { repo: "ada/reviews", type: "dataset", patterns: ["*.bin"] });
    expect(result.isError, text(result)).toBeFalsy();
    expect(sha256(readFileSync(join(proxied, "reviews", "weights.bin")))).toBe(sha256(weights));
    expect(cdnAuth).toEqual([null]);
  });

  it("refuses a tree that lists paths outside the target folder, writing nothing", async () => {
    tamper.tree = (entries) => [
      ...entries,
      { type: "file", path: "../evil.txt", size: 4, oid: "0".repeat(40) },
      { type: "file", path: "/etc/evil", size: 4, oid: "0".repeat(40) },
    ];
    try {
      const result = await viaProxy.runTool("hf_download", { repo: "ada/reviews", type: "dataset", localDir: "evil" });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(
        'the Hub listed paths that would land outside the target folder ("../evil.txt", "/etc/evil")',
      );
      expect(text(result)).toContain("Nothing was written");
      expect(existsSync(join(proxied, "evil"))).toBe(false);
      expect(existsSync(join(proxied, "evil.txt"))).toBe(false);
    } finally {
      delete tamper.tree;
    }
  });

  it("refuses a selection over the per-call total, naming the largest files and the hf CLI, writing nothing", async () => {
    const GB = 1024 * 1024 * 1024;
    tamper.tree = () => [{ type: "file", path: "weights.bin", size: 1.5 * GB, oid: "0".repeat(40) }];
    try {
      const one = await viaProxy.runTool("hf_download", { repo: "ada/reviews", type: "dataset" });
      expect(one.isError).toBe(true);
      expect(text(one)).toMatch(
        /^weights\.bin \(1\.5 GB\) is too big for this tool: it downloads up to 1\.0 GB a call, since the plugin sandbox hashes every byte within its CPU limit, and nothing was written\./,
      );
      expect(text(one)).toContain("`hf download ada/reviews --repo-type dataset --local-dir reviews`");
    } finally {
      delete tamper.tree;
    }
    // Each file fits; together they don't.
    tamper.tree = () =>
      Array.from({ length: 4 }, (_, i) => ({
        type: "file",
        path: `shard-${i}.bin`,
        size: (300 + i) * 1024 * 1024,
        oid: "0".repeat(40),
      }));
    try {
      const total = await viaProxy.runTool("hf_download", { repo: "ada/reviews", type: "dataset" });
      expect(total.isError).toBe(true);
      expect(text(total)).toMatch(
        /^The selection is 1\.2 GB in 4 files \(the largest: shard-3\.bin \(303 MB\), shard-2\.bin \(302 MB\), shard-1\.bin \(301 MB\)\): it downloads up to 1\.0 GB a call/,
      );
      expect(existsSync(join(proxied, "reviews", "shard-0.bin"))).toBe(false);
    } finally {
      delete tamper.tree;
    }
    expect(MAX_TOTAL_BYTES).toBe(GB);
  });
});

describe("the checks under it", () => {
  it("matches globs as huggingface_hub's allow_patterns do", () => {
    expect(globToRegExp("*.csv").test("data/train.csv")).toBe(true);
    expect(globToRegExp("*.csv").test("train.csv.gz")).toBe(false);
    expect(globToRegExp("data/").test("data/a/b.bin")).toBe(true);
    expect(globToRegExp("shard-?.bin").test("shard-3.bin")).toBe(true);
    expect(globToRegExp("[!a]*.json").test("b.json")).toBe(true);
    expect(globToRegExp("[!a]*.json").test("a.json")).toBe(false);
    expect(globToRegExp("model.safetensors").test("modelXsafetensors")).toBe(false);
  });

  it("refuses every path that could leave the target folder", () => {
    for (const bad of ["", "../x", "a/../../x", "/etc/passwd", "a//b", "./a", "a/.", "C:/x", "a\\b", "a\u0000b"]) {
      expect(safeRepoPath(bad), JSON.stringify(bad)).toBeUndefined();
    }
    expect(safeRepoPath("data/train-00000-of-00001.parquet")).toBe("data/train-00000-of-00001.parquet");
    expect(safeRepoPath("..hidden/x")).toBe("..hidden/x");
  });

  it("computes git blob ids as git does", () => {
    const data = randomBytes(1000);
    const git = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
    expect(gitBlobOid(new Uint8Array())).toBe("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    expect(gitBlobOid(data)).toBe(git(data));
    expect(gitBlobOid(data.subarray(0, 55))).toBe(git(data.subarray(0, 55)));
  });
});
