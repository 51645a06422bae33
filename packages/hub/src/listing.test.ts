import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasetInfo, listModels, modelInfo } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_listing_test_token";
let dir: string;
let hub: LocalHub;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${accessToken}`, ...(init.headers as Record<string, string>) },
  });
const json = async <T>(path: string): Promise<T> => {
  const res = await api(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

/** Creates a repo holding `files` in one commit. */
async function repo(type: "model" | "dataset", id: string, files: Record<string, string>): Promise<void> {
  const [organization, name] = id.split("/");
  await api("/api/repos/create", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type, name, organization }),
  });
  const lines = [
    { key: "header", value: { summary: "files" } },
    ...Object.entries(files).map(([path, content]) => ({
      key: "file",
      value: { path, content: Buffer.from(content).toString("base64"), encoding: "base64" },
    })),
  ];
  const res = await api(`/api/${type}s/${id}/commit/main`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: lines.map((line) => JSON.stringify(line)).join("\n"),
  });
  expect(res.status).toBe(200);
}

const card = (meta: string, body = "# Card\n") => `---\n${meta}\n---\n${body}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-listing-"));
  hub = await startLocalHub({ dir, token: accessToken });
  await repo("model", "ada/bert-sst2", {
    "README.md": card(
      [
        "license: apache-2.0",
        "pipeline_tag: text-classification",
        "base_model: google-bert/bert-base-uncased",
        "datasets: [stanfordnlp/sst2]",
        "model-index:",
        "- name: bert-sst2",
        "  results:",
        "  - task: {type: text-classification}",
        "    dataset: {type: stanfordnlp/sst2, name: SST-2, split: validation}",
        "    metrics: [{type: accuracy, value: 0.91}]",
      ].join("\n"),
    ),
    "config.json": JSON.stringify({ model_type: "bert", architectures: ["BertForSequenceClassification"] }),
  });
  await repo("model", "ada/iris-forest", {
    "README.md": card("library_name: sklearn\npipeline_tag: tabular-classification\nlicense: mit\ntags: [tabular]"),
    "model.joblib": "not really a joblib",
  });
  await repo("model", "bob/joblib-only", { "model.joblib": "x" });
  await repo("model", "bob/no-card", { "weights.bin": "x" });
  await repo("model", "bob/bad-yaml", { "README.md": card("license: [unclosed", "# still a card\n") });
  await repo("dataset", "ada/adult-income", {
    "README.md": card(
      "license: cc-by-4.0\ntask_categories:\n- tabular-classification\nlanguage: [en]\nsize_categories: [10K<n<100K]",
    ),
    "data/train.csv": "age,income\n39,<=50K\n",
    "data/test.parquet": "PAR1",
  });
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("model and dataset info as huggingface.co answers it", () => {
  it("has pipeline_tag, library_name (from the card, else the files) and cardData", async () => {
    const bert = await json<Record<string, unknown>>("/api/models/ada/bert-sst2");
    expect(bert).toMatchObject({
      pipeline_tag: "text-classification",
      library_name: "transformers",
      cardData: { license: "apache-2.0", base_model: "google-bert/bert-base-uncased", datasets: ["stanfordnlp/sst2"] },
      "model-index": [{ name: "bert-sst2" }],
    });
    expect(bert.tags).toEqual(
      expect.arrayContaining([
        "transformers",
        "text-classification",
        "license:apache-2.0",
        "dataset:stanfordnlp/sst2",
        "base_model:google-bert/bert-base-uncased",
      ]),
    );
    expect(await json("/api/models/ada/iris-forest")).toMatchObject({
      library_name: "sklearn",
      pipeline_tag: "tabular-classification",
    });
    expect(await json("/api/models/bob/joblib-only")).toMatchObject({ library_name: "sklearn", cardData: {} });
    // No card and no telling file: no library, rather than a guessed "transformers".
    expect(await json("/api/models/bob/no-card")).toMatchObject({
      library_name: null,
      pipeline_tag: null,
      cardData: {},
    });
    // Front matter that is not YAML is no metadata; the repo still answers.
    expect(await json("/api/models/bob/bad-yaml")).toMatchObject({ cardData: {}, library_name: null });
    const dataset = await json<{ tags: string[]; cardData: unknown }>("/api/datasets/ada/adult-income");
    expect(dataset.cardData).toMatchObject({ task_categories: ["tabular-classification"] });
    expect(dataset.tags).toEqual(
      expect.arrayContaining([
        "task_categories:tabular-classification",
        "language:en",
        "size_categories:10K<n<100K",
        "format:csv",
        "format:parquet",
        "license:cc-by-4.0",
      ]),
    );
  });

  it("answers the real client's modelInfo and datasetInfo", async () => {
    const info = await modelInfo({
      name: "ada/bert-sst2",
      accessToken,
      hubUrl: hub.url,
      additionalFields: ["library_name", "cardData"],
    });
    expect(info.task).toBe("text-classification");
    expect(info.library_name).toBe("transformers");
    expect((info.cardData as { license?: string }).license).toBe("apache-2.0");
    const data = await datasetInfo({ name: "ada/adult-income", accessToken, hubUrl: hub.url });
    expect(data.name).toBe("ada/adult-income");
  });
});

describe("listings filtered as on huggingface.co", () => {
  const ids = async (query: string, type = "models") =>
    (await json<{ id: string }[]>(`/api/${type}?${query}`)).map((item) => item.id);

  it("filters by pipeline_tag, library, author, search and tags", async () => {
    expect(await ids("pipeline_tag=text-classification")).toEqual(["ada/bert-sst2"]);
    expect(await ids("library=sklearn")).toEqual(["ada/iris-forest", "bob/joblib-only"]);
    expect(await ids("library=transformers")).toEqual(["ada/bert-sst2"]);
    expect(await ids("author=bob")).toEqual(["bob/bad-yaml", "bob/joblib-only", "bob/no-card"]);
    expect(await ids("search=FOREST")).toEqual(["ada/iris-forest"]);
    expect(await ids("filter=license:mit&filter=tabular")).toEqual(["ada/iris-forest"]);
    expect(await ids("filter=license:mit,text-classification")).toEqual([]);
    expect(await ids("filter=task_categories:tabular-classification", "datasets")).toEqual(["ada/adult-income"]);
    expect(await ids("author=ada&sort=id&direction=1&limit=1")).toEqual(["ada/bert-sst2"]);
    expect(await ids("author=ada&sort=id")).toEqual(["ada/iris-forest", "ada/bert-sst2"]);
  });

  it("returns only the expanded fields when asked, and cardData only when asked", async () => {
    const [expanded] = await json<Record<string, unknown>[]>(
      "/api/models?search=bert&expand=pipeline_tag&expand=library_name",
    );
    expect(expanded).toEqual({
      _id: expect.any(String),
      id: "ada/bert-sst2",
      pipeline_tag: "text-classification",
      library_name: "transformers",
    });
    const [plain] = await json<Record<string, unknown>[]>("/api/models?search=bert");
    expect(plain).not.toHaveProperty("cardData");
    expect(plain).toMatchObject({ pipeline_tag: "text-classification", library_name: "transformers" });
    const [withCard] = await json<Record<string, unknown>[]>("/api/models?search=bert&cardData=true");
    expect(withCard).toMatchObject({ cardData: { license: "apache-2.0" } });
  });

  it("serves the real client's listModels with a task", async () => {
    const found: { name: string; task?: string }[] = [];
    for await (const model of listModels({ search: { task: "tabular-classification" }, accessToken, hubUrl: hub.url }))
      found.push(model);
    expect(found).toMatchObject([{ name: "ada/iris-forest", task: "tabular-classification" }]);
  });
});
