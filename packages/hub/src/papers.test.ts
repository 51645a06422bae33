import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRepo, listDatasets, listModels, uploadFile } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFrontMatter } from "./front-matter.js";
import { type LocalHub, startLocalHub } from "./index.js";

const accessToken = "hf_papers_test_token";
let dir: string;
let hub: LocalHub;

const LORA = `---
id: 2106.09685
title: "LoRA: Low-Rank Adaptation of Large Language Models"
authors:
  - Edward J. Hu
  - Yelong Shen
publishedAt: 2021-06-17T00:00:00.000Z
submittedOnDailyAt: 2021-06-18
upvotes: 42
github: https://github.com/microsoft/LoRA
version: 2
categories: [cs.CL, cs.LG]
---
# LoRA: Low-Rank Adaptation of Large Language Models

## Abstract

We freeze the pretrained weights $W_0$ and inject rank decomposition matrices.

## 1 Introduction

Fine-tuning updates **all** parameters.

- fewer parameters
- no added latency

## 2 Method

| Model | Params |
| --- | --- |
| GPT-3 | 175B |
`;

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${hub.url}${path}`, { ...init, headers: { Authorization: `Bearer ${accessToken}` } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-papers-"));
  mkdirSync(join(dir, "papers"));
  mkdirSync(join(dir, "collections"));
  writeFileSync(join(dir, "papers", "lora.md"), LORA);
  writeFileSync(
    join(dir, "papers", "others.json"),
    JSON.stringify([
      {
        id: "1706.03762",
        title: "Attention Is All You Need",
        summary: "The Transformer.",
        authors: ["Ashish Vaswani"],
        publishedAt: "2021-06-18T00:00:00.000Z",
        upvotes: 99,
      },
      { id: "cs/0112017", title: "An old-style paper on arXiv only", summary: "Kernels.", indexed: false },
    ]),
  );
  writeFileSync(
    join(dir, "collections", "adapters.json"),
    JSON.stringify({
      title: "Adapters",
      owner: "ada",
      upvotes: 3,
      items: [
        { type: "paper", id: "2106.09685" },
        { type: "model", id: "ada/a" },
        { type: "model", id: "ada/b" },
        { type: "model", id: "ada/c" },
        { type: "dataset", id: "ada/d" },
      ],
    }),
  );
  hub = await startLocalHub({ dir, token: accessToken });
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("front matter", () => {
  it("reads scalars, quoted strings, flow and block lists, and leaves a file without it whole", () => {
    const { data, body } = parseFrontMatter(LORA);
    expect(data).toMatchObject({
      id: "2106.09685",
      title: "LoRA: Low-Rank Adaptation of Large Language Models",
      authors: ["Edward J. Hu", "Yelong Shen"],
      upvotes: "42",
      categories: ["cs.CL", "cs.LG"],
    });
    expect(body.startsWith("# LoRA")).toBe(true);
    expect(parseFrontMatter("---\nid: 2106.09680\n---\n").data.id).toBe("2106.09680");
    expect(parseFrontMatter("# no front matter")).toEqual({ data: {}, body: "# no front matter" });
  });
});

describe("the local Hub's papers API", () => {
  it("returns a paper's details by id, with or without its version, and 404 for an unknown one", async () => {
    const res = await get("/api/papers/2106.09685v2");
    expect(res.status).toBe(200);
    const paper = (await res.json()) as Record<string, unknown>;
    expect(paper).toMatchObject({
      id: "2106.09685",
      title: "LoRA: Low-Rank Adaptation of Large Language Models",
      upvotes: 42,
      githubRepo: "https://github.com/microsoft/LoRA",
      authors: [{ name: "Edward J. Hu" }, { name: "Yelong Shen" }],
    });
    // The abstract comes from the `## Abstract` section when the front matter has no summary.
    expect(paper.summary).toBe("We freeze the pretrained weights $W_0$ and inject rank decomposition matrices.");
    expect((await get("/api/papers/2999.00001")).status).toBe(404);
    // On arXiv only: not a Hugging Face paper.
    expect((await get("/api/papers/cs/0112017")).status).toBe(404);
  });

  it("searches only the papers Hugging Face lists", async () => {
    const hits = (await (await get("/api/papers/search?q=adaptation")).json()) as { paper: { id: string } }[];
    expect(hits.map((hit) => hit.paper.id)).toEqual(["2106.09685"]);
    const old = (await (await get("/api/papers/search?q=kernels")).json()) as unknown[];
    expect(old).toEqual([]);
  });

  it("lists daily papers for the latest day or a given one, newest or trending first", async () => {
    const latest = (await (await get("/api/daily_papers?sort=trending")).json()) as { paper: { id: string } }[];
    expect(latest.map((hit) => hit.paper.id)).toEqual(["1706.03762", "2106.09685"]);
    const byDate = (await (await get("/api/daily_papers?date=2021-06-18&limit=1")).json()) as { title: string }[];
    expect(byDate).toHaveLength(1);
    expect((await (await get("/api/daily_papers?date=2020-01-01")).json()) as unknown[]).toEqual([]);
  });

  it("serves the paper page as Markdown", async () => {
    const res = await get("/papers/2106.09685.md");
    expect(res.headers.get("content-type")).toMatch(/^text\/markdown/);
    const text = await res.text();
    expect(text).toMatch(/^# LoRA: Low-Rank Adaptation/);
    expect(text).toContain("## 2 Method");
    const short = await (await get("/papers/1706.03762.md")).text();
    expect(short).toBe("# Attention Is All You Need\n\nAuthors: Ashish Vaswani\n\n## Abstract\n\nThe Transformer.\n");
  });

  it("lists collections holding a paper, with at most 4 items each, and one collection whole", async () => {
    const found = (await (await get("/api/collections?item=papers/2106.09685")).json()) as {
      slug: string;
      items: { type: string; id: string }[];
    }[];
    expect(found).toHaveLength(1);
    expect(found[0]?.items).toHaveLength(4);
    expect(found[0]?.slug).toMatch(/^ada\/adapters-[0-9a-f]{24}$/);
    const whole = (await (await get(`/api/collections/${found[0]?.slug}`)).json()) as { items: unknown[] };
    expect(whole.items).toHaveLength(5);
    expect((await (await get("/api/collections?item=papers/1706.03762")).json()) as unknown[]).toEqual([]);
  });
});

describe("repos citing a paper (filter=arxiv:…)", () => {
  it("derives tags from the README and filters on them, through the real client", async () => {
    const hubUrl = hub.url;
    await createRepo({ repo: { type: "model", name: "ada/lora-gpt2" }, accessToken, hubUrl });
    await uploadFile({
      repo: { type: "model", name: "ada/lora-gpt2" },
      accessToken,
      hubUrl,
      file: {
        path: "README.md",
        content: new Blob([
          "---\nlicense: mit\ntags:\n- peft\ndatasets:\n- ada/alpaca\n---\n# LoRA GPT-2\nSee https://arxiv.org/abs/2106.09685v2.\n",
        ]),
      },
    });
    await createRepo({ repo: { type: "model", name: "ada/plain" }, accessToken, hubUrl });
    await createRepo({ repo: { type: "dataset", name: "ada/alpaca" }, accessToken, hubUrl });
    await uploadFile({
      repo: { type: "dataset", name: "ada/alpaca" },
      accessToken,
      hubUrl,
      file: { path: "README.md", content: new Blob(["Used in [LoRA](https://huggingface.co/papers/2106.09685)."]) },
    });

    const models: { name: string; tags?: string[] }[] = [];
    for await (const model of listModels({
      search: { tags: ["arxiv:2106.09685"] },
      accessToken,
      hubUrl,
      additionalFields: ["tags"],
    })) {
      models.push(model);
    }
    expect(models.map((m) => m.name)).toEqual(["ada/lora-gpt2"]);
    expect(models[0]?.tags).toEqual(
      expect.arrayContaining(["peft", "license:mit", "dataset:ada/alpaca", "arxiv:2106.09685"]),
    );
    const datasets: string[] = [];
    for await (const dataset of listDatasets({ search: { tags: ["arxiv:2106.09685"] }, accessToken, hubUrl })) {
      datasets.push(dataset.name);
    }
    expect(datasets).toEqual(["ada/alpaca"]);
    const none = (await (await get("/api/spaces?filter=arxiv:2106.09685")).json()) as unknown[];
    expect(none).toEqual([]);
  });
});

describe("the arXiv stand-in", () => {
  it("answers a search as arXiv's Atom API, with papers not on Hugging Face too", async () => {
    const res = await get(`/arxiv/api/query?${new URLSearchParams({ search_query: "all:kernels", max_results: "5" })}`);
    expect(res.headers.get("content-type")).toMatch(/^application\/atom\+xml/);
    const atom = await res.text();
    expect(atom).toContain("<opensearch:totalResults>1</opensearch:totalResults>");
    expect(atom).toContain("<id>http://arxiv.org/abs/cs/0112017v1</id>");

    const lora = await (await get("/arxiv/api/query?search_query=ti:%22low-rank%22+AND+au:hu")).text();
    expect(lora).toContain("<id>http://arxiv.org/abs/2106.09685v2</id>");
    expect(lora).toContain("<name>Yelong Shen</name>");
    expect(lora).toContain('<arxiv:primary_category term="cs.CL"/>');

    const byId = await (await get("/arxiv/api/query?id_list=1706.03762")).text();
    expect(byId).toContain("<title>Attention Is All You Need</title>");
    const bad = await get("/arxiv/api/query");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("http://arxiv.org/api/errors");
  });

  it("serves the full text as arXiv's HTML, and 404 for a paper without one", async () => {
    const res = await get("/arxiv/html/2106.09685v2");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<section class="ltx_section">');
    expect(html).toContain('<h2 class="ltx_title">1 Introduction</h2>');
    expect(html).toContain('<math alttext="W_0"');
    expect(html).toContain('<td class="ltx_td">175B</td>');
    expect((await get("/arxiv/html/1706.03762")).status).toBe(404);
  });
});
