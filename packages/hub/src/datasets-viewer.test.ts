import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commitFiles, grayPng as png } from "@pincer/testing/hub-files";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_viewer_test_token";
let dir: string;
let hub: LocalHub;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${accessToken}`, ...(init.headers as Record<string, string>) },
  });
const viewer = async (path: string): Promise<{ status: number; body: Record<string, any>; code: string | null }> => {
  const res = await api(`/datasets-server/${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, any>, code: res.headers.get("x-error-code") };
};
const ok = async (path: string) => {
  const answer = await viewer(path);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

async function dataset(id: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const [organization, name] = id.split("/");
  await api("/api/repos/create", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "dataset", name, organization }),
  });
  await commitFiles({ url: hub.url, token: accessToken, repo: id, files });
}

/** An adult-income-like table: age, workclass, hours, income (the label). */
function incomeTable(rows: number, seed: number): Uint8Array {
  const age: number[] = [];
  const workclass: string[] = [];
  const hours: number[] = [];
  const income: string[] = [];
  for (let i = 0; i < rows; i++) {
    age.push(17 + ((i * 7 + seed) % 60));
    workclass.push(["Private", "Self-emp", "Gov"][(i + seed) % 3] as string);
    hours.push(((i * 13 + seed) % 80) + 0.5);
    income.push(i % 4 === 0 ? ">50K" : "<=50K");
  }
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "age", data: age, type: "INT32" },
        { name: "workclass", data: workclass, type: "STRING" },
        { name: "hours", data: hours, type: "DOUBLE" },
        { name: "income", data: income, type: "STRING" },
      ],
    }),
  );
}

/** A Parquet file as the `datasets` library writes an image classification dataset: Image structs and a ClassLabel. */
function imageTable(images: (Uint8Array | null)[], labels: bigint[]): Uint8Array {
  const features = { image: { _type: "Image" }, label: { names: ["cat", "dog"], _type: "ClassLabel" } };
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "image", data: images.map((bytes, i) => (bytes ? { bytes, path: `${i}.png` } : null)) },
        { name: "label", data: labels },
      ],
      schema: [
        { name: "root", num_children: 2 },
        { name: "image", repetition_type: "OPTIONAL", num_children: 2 },
        { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
        { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "label", type: "INT64", repetition_type: "OPTIONAL" },
      ],
      kvMetadata: [{ key: "huggingface", value: JSON.stringify({ info: { features } }) }],
    }),
  );
}

const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-viewer-"));
  hub = await startLocalHub({ dir, token: accessToken });
  await dataset("ada/adult", {
    "README.md": "---\nlicense: cc-by-4.0\n---\n# Adult income\n",
    "data/train-00000-of-00001.parquet": incomeTable(250, 1),
    "data/test-00000-of-00001.parquet": incomeTable(50, 2),
  });
  await dataset("ada/pets", {
    "data/train.parquet": imageTable([png(4, 3), png(8, 6), null, SVG], [0n, 1n, 1n, -1n]),
  });
  await dataset("ada/pets-folder", {
    "train/cat/1.png": png(2, 2),
    "train/dog/2.png": png(3, 2),
    "test/dog/3.png": png(5, 5),
  });
  await dataset("ada/two-configs", {
    "README.md": [
      "---",
      "configs:",
      "- config_name: en",
      "  data_files:",
      "  - split: train",
      "    path: en/train-*.jsonl",
      "  - split: test",
      "    path: en/test.jsonl",
      "- config_name: fr",
      "  data_files: fr/*.csv",
      "---",
    ].join("\n"),
    "en/train-0.jsonl": '{"text": "hello", "label": 1}\n{"text": "bye", "label": 0}\n',
    "en/train-1.jsonl": '{"text": "hi", "label": 1}\n',
    "en/test.jsonl": '{"text": "yo", "label": 1}\n',
    "fr/all.csv": "text,label\nbonjour,1\n",
  });
  await dataset("ada/long-text", { "train.jsonl": `${JSON.stringify({ text: "x".repeat(50_000), n: 1 })}\n` });
  await dataset("ada/broken", { "train.parquet": "PAR1 not really parquet PAR1", "notes.txt": "hi" });
  await dataset("ada/bad-lines", { "train.jsonl": '{"a": 1}\n[1, 2]\n' });
  await dataset("ada/no-data", { "notes.txt": "nothing to see" });
  await dataset("ada/html-cells", { "train.jsonl": '{"text": "<script>alert(1)</script>", "label": "<b>x</b>"}\n' });
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the dataset viewer over Parquet", () => {
  it("lists splits, features and sizes from the files' footers", async () => {
    expect(await ok("splits?dataset=ada/adult")).toEqual({
      splits: [
        { dataset: "ada/adult", config: "default", split: "train" },
        { dataset: "ada/adult", config: "default", split: "test" },
      ],
      pending: [],
      failed: [],
    });
    const info = await ok("info?dataset=ada/adult&config=default");
    expect(info.dataset_info.features).toEqual({
      age: { _type: "Value", dtype: "int32" },
      workclass: { _type: "Value", dtype: "string" },
      hours: { _type: "Value", dtype: "float64" },
      income: { _type: "Value", dtype: "string" },
    });
    expect(info.dataset_info.splits.train.num_examples).toBe(250);
    expect(info.dataset_info.splits.test.num_examples).toBe(50);
    const size = await ok("size?dataset=ada/adult");
    expect(size.size.dataset.num_rows).toBe(300);
    expect(await ok("is-valid?dataset=ada/adult")).toEqual({
      preview: true,
      viewer: true,
      search: false,
      filter: false,
      statistics: true,
    });
  });

  it("pages rows with offset and length, and refuses a page over 100", async () => {
    const first = await ok("first-rows?dataset=ada/adult&config=default&split=train");
    expect(first.rows).toHaveLength(100);
    expect(first.truncated).toBe(true);
    expect(first.rows[0]).toEqual({
      row_idx: 0,
      row: { age: 18, workclass: "Self-emp", hours: 1.5, income: ">50K" },
      truncated_cells: [],
    });
    const page = await ok("rows?dataset=ada/adult&config=default&split=train&offset=240&length=20");
    expect(page.num_rows_total).toBe(250);
    expect(page.rows.map((r: { row_idx: number }) => r.row_idx)).toEqual([
      240, 241, 242, 243, 244, 245, 246, 247, 248, 249,
    ]);
    expect(page.features.map((f: { name: string }) => f.name)).toEqual(["age", "workclass", "hours", "income"]);
    expect((await ok("rows?dataset=ada/adult&config=default&split=train&offset=900")).rows).toEqual([]);
    const tooMany = await viewer("rows?dataset=ada/adult&config=default&split=train&length=101");
    expect([tooMany.status, tooMany.code]).toEqual([422, "InvalidParameter"]);
    const negative = await viewer("rows?dataset=ada/adult&config=default&split=train&offset=-1");
    expect([negative.status, negative.code]).toEqual([422, "InvalidParameter"]);
    const noSplit = await viewer("rows?dataset=ada/adult&config=default&split=nope");
    expect([noSplit.status, noSplit.code]).toEqual([404, "ResponseNotFound"]);
    const noConfig = await viewer("rows?dataset=ada/adult&split=train");
    expect([noConfig.status, noConfig.code]).toEqual([422, "MissingRequiredParameter"]);
  });

  it("computes statistics per column type", async () => {
    const stats = await ok("statistics?dataset=ada/adult&config=default&split=train");
    expect(stats.num_examples).toBe(250);
    expect(stats.partial).toBe(false);
    const byName = Object.fromEntries(stats.statistics.map((s: { column_name: string }) => [s.column_name, s]));
    expect(byName.age.column_type).toBe("int");
    expect(byName.age.column_statistics).toMatchObject({ nan_count: 0, min: 17, max: 76 });
    expect(byName.age.column_statistics.histogram.hist.reduce((a: number, b: number) => a + b, 0)).toBe(250);
    expect(byName.hours.column_type).toBe("float");
    expect(byName.hours.column_statistics.histogram.bin_edges).toHaveLength(11);
    expect(byName.income).toEqual({
      column_name: "income",
      column_type: "string_label",
      column_statistics: { nan_count: 0, nan_proportion: 0, n_unique: 2, frequencies: { ">50K": 63, "<=50K": 187 } },
    });
    expect(byName.workclass.column_type).toBe("string_label");
  });

  it("reads the features the datasets library stored: ClassLabel and Image cells with their asset URLs", async () => {
    const first = await ok("first-rows?dataset=ada/pets&config=default&split=train");
    expect(first.features).toEqual([
      { feature_idx: 0, name: "image", type: { _type: "Image" } },
      { feature_idx: 1, name: "label", type: { _type: "ClassLabel", names: ["cat", "dog"] } },
    ]);
    const [cat, dog, missing, svg] = first.rows.map((r: { row: Record<string, any> }) => r.row);
    expect(cat.image).toEqual({
      src: expect.stringContaining("/datasets-server/assets/ada/pets/--/"),
      height: 3,
      width: 4,
    });
    expect(dog).toMatchObject({ image: { height: 6, width: 8 }, label: 1 });
    expect(missing.image).toBeNull();
    // An SVG is no image the viewer serves (it could run script): no cell, and its asset URL is refused.
    expect(svg.image).toBeNull();
    const asset = await api(new URL(cat.image.src).pathname);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await asset.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
    const svgAsset = await api(new URL(cat.image.src.replace("/0/image/", "/3/image/")).pathname);
    expect(svgAsset.status).toBe(404);

    const stats = await ok("statistics?dataset=ada/pets&config=default&split=train");
    const byName = Object.fromEntries(stats.statistics.map((s: { column_name: string }) => [s.column_name, s]));
    expect(byName.label).toEqual({
      column_name: "label",
      column_type: "class_label",
      column_statistics: {
        nan_count: 0,
        nan_proportion: 0,
        no_label_count: 1,
        no_label_proportion: 0.25,
        n_unique: 2,
        frequencies: { cat: 1, dog: 2 },
      },
    });
    expect(byName.image).toMatchObject({ column_type: "image", column_statistics: { nan_count: 2, min: 4, max: 8 } });
  });
});

describe("the dataset viewer over other layouts", () => {
  it("reads an image folder: one row per image, its folder as a ClassLabel", async () => {
    expect((await ok("splits?dataset=ada/pets-folder")).splits.map((s: { split: string }) => s.split)).toEqual([
      "train",
      "test",
    ]);
    const rows = await ok("rows?dataset=ada/pets-folder&config=default&split=train");
    expect(rows.features[1]).toEqual({
      feature_idx: 1,
      name: "label",
      type: { _type: "ClassLabel", names: ["cat", "dog"] },
    });
    expect(rows.rows.map((r: { row: { label: number } }) => r.row.label)).toEqual([0, 1]);
    const image = rows.rows[1].row.image;
    expect(image).toMatchObject({ width: 3, height: 2 });
    expect(new URL(image.src).pathname).toMatch(
      /^\/datasets\/ada\/pets-folder\/resolve\/[0-9a-f]{40}\/train\/dog\/2\.png$/,
    );
    expect((await api(new URL(image.src).pathname)).status).toBe(200);
  });

  it("follows the card's configs and their data_files globs", async () => {
    expect((await ok("splits?dataset=ada/two-configs")).splits).toEqual([
      { dataset: "ada/two-configs", config: "en", split: "train" },
      { dataset: "ada/two-configs", config: "en", split: "test" },
      { dataset: "ada/two-configs", config: "fr", split: "train" },
    ]);
    const en = await ok("rows?dataset=ada/two-configs&config=en&split=train&offset=1&length=5");
    expect(en.num_rows_total).toBe(3);
    expect(en.rows.map((r: { row: { text: string } }) => r.row.text)).toEqual(["bye", "hi"]);
    expect((await ok("splits?dataset=ada/two-configs&config=fr")).splits).toHaveLength(1);
    const info = await ok("info?dataset=ada/two-configs");
    expect(Object.keys(info.dataset_info)).toEqual(["en", "fr"]);
  });

  it("cuts a huge cell and says so", async () => {
    const first = await ok("first-rows?dataset=ada/long-text&config=default&split=train");
    expect(first.rows[0].truncated_cells).toEqual(["text"]);
    expect(first.rows[0].row.text).toHaveLength(20_000);
    expect(first.rows[0].row.n).toBe(1);
    const stats = await ok("statistics?dataset=ada/long-text&config=default&split=train");
    expect(stats.statistics[0]).toMatchObject({ column_type: "string_label" });
  });

  it("answers broken and empty datasets with the viewer's errors, and keeps serving", async () => {
    const broken = await viewer("first-rows?dataset=ada/broken&config=default&split=train");
    expect([broken.status, broken.code]).toEqual([500, "DatasetGenerationError"]);
    expect(broken.body.error).toMatch(/^The Parquet file could not be read/);
    const badLines = await viewer("rows?dataset=ada/bad-lines&config=default&split=train");
    expect([badLines.status, badLines.body.error]).toEqual([500, "Line 2 of the data file is not a JSON object"]);
    const empty = await viewer("splits?dataset=ada/no-data");
    expect([empty.status, empty.code]).toEqual([501, "EmptyDatasetError"]);
    expect((await ok("is-valid?dataset=ada/no-data")).viewer).toBe(false);
    const missing = await viewer("splits?dataset=ada/nothing-here");
    expect([missing.status, missing.code]).toEqual([404, "DatasetNotFoundError"]);
    expect((await ok("splits?dataset=ada/adult")).splits).toHaveLength(2);
  });
});

describe("the viewer's pages", () => {
  const page = async (path: string) => {
    const res = await api(path, { headers: { Accept: "text/html" } });
    return { status: res.status, html: await res.text() };
  };

  it("previews a dataset on its page and pages through a split with its column statistics", async () => {
    const repo = await page("/datasets/ada/adult");
    expect(repo.html).toContain("<h2>Dataset preview</h2>");
    expect(repo.html).toContain("The first 10 of 250 rows of train");
    expect(repo.html).toContain('<a href="/datasets/ada/adult/viewer/default/test">test</a>');
    expect(repo.html).toMatch(/<td class="num">0<\/td><td>18<\/td><td>Self-emp<\/td><td>1.5<\/td><td>&gt;50K<\/td>/);
    const fifth = await page("/datasets/ada/adult/viewer/default/train?p=4");
    expect(fifth.status).toBe(200);
    expect(fifth.html).toContain("rows 200–249 of 250");
    expect(fifth.html).toContain('href="/datasets/ada/adult/viewer/default/train?p=3">← previous</a>');
    expect(fifth.html).not.toContain("next →");
    expect(fifth.html).toContain("<td>income</td><td>string_label</td><td>2 values: &lt;=50K 187, &gt;50K 63</td>");
    expect((await page("/datasets/ada/adult/viewer/default/train?p=5")).status).toBe(404);
  });

  it("shows images inline and class names, and every cell as text", async () => {
    const pets = await page("/datasets/ada/pets/viewer");
    expect(pets.html).toMatch(
      /<img src="\/datasets-server\/assets\/ada\/pets\/--\/[0-9a-f]{40}\/--\/default\/train\/0\/image\/image.png"/,
    );
    expect(pets.html).toContain('dog <span class="muted">(1)</span>');
    const cells = await page("/datasets/ada/html-cells/viewer");
    expect(cells.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(cells.html).not.toContain("<script>");
    expect(cells.html).not.toContain("<b>x</b>");
  });
});
