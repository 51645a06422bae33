import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  commit,
  createBranch,
  createRepo,
  deleteFile,
  downloadFile,
  fileDownloadInfo,
  listDatasets,
  listFiles,
  listModels,
  modelInfo,
  repoExists,
  uploadFile,
  whoAmI,
} from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_local_test_token";
let dir: string;
let hub: LocalHub;
let hubUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-"));
  mkdirSync(join(dir, "papers"));
  writeFileSync(
    join(dir, "papers", "attention.json"),
    JSON.stringify({
      id: "1706.03762",
      title: "Attention Is All You Need",
      summary: "The Transformer.",
      authors: ["Ashish Vaswani"],
      publishedAt: "2017-06-12T00:00:00.000Z",
    }),
  );
  writeFileSync(
    join(dir, "papers", "lora.json"),
    JSON.stringify([
      { id: "2106.09685", title: "LoRA: Low-Rank Adaptation", summary: "Adapters.", authors: [{ name: "Edward Hu" }] },
    ]),
  );
  hub = await startLocalHub({ dir, token: accessToken });
  hubUrl = hub.url;
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("startLocalHub with the real @huggingface/hub client", () => {
  it("round-trips create → commit (inline + LFS) → list → download → delete", async () => {
    expect((await whoAmI({ accessToken, hubUrl })).name).toBe("local");
    const repo = { type: "model" as const, name: "alice/tiny" };
    const created = await createRepo({ repo, accessToken, hubUrl });
    expect(created.repoUrl).toBe(`${hubUrl}/alice/tiny`);
    await expect(createRepo({ repo, accessToken, hubUrl })).rejects.toMatchObject({ statusCode: 409 });

    const big = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 251;
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      calls.push(`${init?.method ?? "GET"} ${new URL(String(input instanceof Request ? input.url : input)).pathname}`);
      return fetch(input, init);
    };
    const result = await commit({
      repo,
      accessToken,
      hubUrl,
      fetch: recording,
      title: "Add weights",
      operations: [
        { operation: "addOrUpdate", path: "config.json", content: new Blob(['{"hidden": 8}']) },
        { operation: "addOrUpdate", path: "weights/model.bin", content: new Blob([big]) },
      ],
    });
    expect(result?.commit.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(calls).toContain("POST /alice/tiny.git/info/lfs/objects/batch");
    expect(calls.filter((call) => call.startsWith("PUT /lfs-objects/"))).toHaveLength(1);
    await uploadFile({ repo, accessToken, hubUrl, file: { path: "README.md", content: new Blob(["# tiny\n"]) } });

    const files = [];
    for await (const file of listFiles({ repo, accessToken, hubUrl, recursive: true })) files.push(file);
    expect(files.map((f) => f.path).sort()).toEqual(["README.md", "config.json", "weights", "weights/model.bin"]);
    const weights = files.find((f) => f.path === "weights/model.bin");
    expect(weights?.lfs?.size).toBe(big.length);
    expect(weights?.size).toBe(big.length);

    const info = await fileDownloadInfo({ repo, accessToken, hubUrl, path: "weights/model.bin" });
    expect(info?.size).toBe(big.length);
    const blob = await downloadFile({ repo, accessToken, hubUrl, path: "weights/model.bin" });
    expect(Buffer.from(await (blob as Blob).arrayBuffer()).equals(Buffer.from(big))).toBe(true);
    const config = await downloadFile({ repo, accessToken, hubUrl, path: "config.json" });
    expect(await config?.text()).toBe('{"hidden": 8}');
    expect(await fileDownloadInfo({ repo, accessToken, hubUrl, path: "missing.txt" })).toBeNull();

    const resolved = await fetch(`${hubUrl}/alice/tiny/resolve/main/config.json`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(resolved.headers.get("x-repo-commit")).toMatch(/^[0-9a-f]{40}$/);
    expect(resolved.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);

    await deleteFile({ repo, accessToken, hubUrl, path: "config.json" });
    expect(await fileDownloadInfo({ repo, accessToken, hubUrl, path: "config.json" })).toBeNull();

    expect(await repoExists({ repo, accessToken, hubUrl })).toBe(true);
    expect((await modelInfo({ name: "alice/tiny", accessToken, hubUrl })).name).toBe("alice/tiny");
    const found = [];
    for await (const model of listModels({ search: { query: "tiny" }, accessToken, hubUrl })) found.push(model.name);
    expect(found).toEqual(["alice/tiny"]);

    await createBranch({ repo, branch: "dev", accessToken, hubUrl });
    await uploadFile({
      repo,
      accessToken,
      hubUrl,
      branch: "dev",
      file: { path: "dev.txt", content: new Blob(["dev"]) },
    });
    const onDev = [];
    for await (const file of listFiles({ repo, accessToken, hubUrl, revision: "dev" })) onDev.push(file.path);
    expect(onDev).toContain("dev.txt");
    const onMain = [];
    for await (const file of listFiles({ repo, accessToken, hubUrl })) onMain.push(file.path);
    expect(onMain).not.toContain("dev.txt");
  }, 60_000);

  it("pages the tree API with a Link header", async () => {
    const repo = { type: "model" as const, name: "alice/many" };
    await createRepo({ repo, accessToken, hubUrl });
    await commit({
      repo,
      accessToken,
      hubUrl,
      title: "many",
      operations: Array.from({ length: 1500 }, (_, i) => ({
        operation: "addOrUpdate" as const,
        path: `f/${i}.txt`,
        content: new Blob([String(i)]),
      })),
    });
    let count = 0;
    for await (const _ of listFiles({ repo, accessToken, hubUrl, path: "f" })) count++;
    expect(count).toBe(1500);
  }, 60_000);

  it("answers 401 without the token and 404 RepoNotFound for an unknown repo", async () => {
    const anonymous = await fetch(`${hubUrl}/api/whoami-v2`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toHaveProperty("error");
    const missing = await fetch(`${hubUrl}/api/models/nobody/nothing`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("RepoNotFound");
    expect(await repoExists({ repo: "nobody/nothing", accessToken, hubUrl })).toBe(false);
  });

  it("serves the dataset viewer for a CSV dataset", async () => {
    const repo = { type: "dataset" as const, name: "alice/flowers" };
    await createRepo({ repo, accessToken, hubUrl });
    const csv = 'name,petals,score\nrose,5,0.5\n"daisy, white",21,1.25\n';
    await commit({
      repo,
      accessToken,
      hubUrl,
      title: "data",
      operations: [
        { operation: "addOrUpdate", path: "data/train.csv", content: new Blob([csv]) },
        { operation: "addOrUpdate", path: "data/test.csv", content: new Blob(["name,petals,score\ntulip,6,2\n"]) },
      ],
    });
    const names = [];
    for await (const dataset of listDatasets({ search: { query: "flowers" }, accessToken, hubUrl }))
      names.push(dataset.name);
    expect(names).toEqual(["alice/flowers"]);
    const headers = { Authorization: `Bearer ${accessToken}` };
    const get = async (path: string) => (await fetch(`${hubUrl}/datasets-server/${path}`, { headers })).json();
    expect(await get("splits?dataset=alice/flowers")).toEqual({
      splits: [
        { dataset: "alice/flowers", config: "default", split: "train" },
        { dataset: "alice/flowers", config: "default", split: "test" },
      ],
      pending: [],
      failed: [],
    });
    const info = await get("info?dataset=alice/flowers");
    expect(info.dataset_info.default.splits.train.num_examples).toBe(2);
    expect(info.dataset_info.default.features.petals).toEqual({ dtype: "int64", _type: "Value" });
    const rows = await get("first-rows?dataset=alice/flowers&config=default&split=train");
    expect(rows.features.map((f: { name: string }) => f.name)).toEqual(["name", "petals", "score"]);
    expect(rows.rows[1]).toEqual({
      row_idx: 1,
      row: { name: "daisy, white", petals: 21, score: 1.25 },
      truncated_cells: [],
    });
    expect(rows.truncated).toBe(false);
  }, 30_000);

  it("searches papers", async () => {
    const res = await fetch(`${hubUrl}/api/papers/search?q=attention`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const papers = await res.json();
    expect(papers).toHaveLength(1);
    expect(papers[0].paper).toMatchObject({
      id: "1706.03762",
      title: "Attention Is All You Need",
      authors: [{ name: "Ashish Vaswani" }],
    });
    const byAuthor = await (
      await fetch(`${hubUrl}/api/papers/search?q=edward`, { headers: { Authorization: `Bearer ${accessToken}` } })
    ).json();
    expect(byAuthor.map((p: { paper: { id: string } }) => p.paper.id)).toEqual(["2106.09685"]);
  });
});
