import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";
import { seedCitingPapers } from "./papers-scholar.fixture.js";

const token = "hf_scholar_test_token";
let dir: string;
let hub: LocalHub;

const get = async (path: string) => {
  const res = await fetch(`${hub.url}/semantic-scholar${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-scholar-"));
  seedCitingPapers(dir);
  hub = await startLocalHub({ dir, token });
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the Semantic Scholar stand-in over the Hub's papers", () => {
  it("answers a paper with its citation and reference counts", async () => {
    const { status, body } = await get("/graph/v1/paper/arXiv:2106.09685v2?fields=title,citationCount");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      externalIds: { ArXiv: "2106.09685" },
      title: "LoRA: Low-Rank Adaptation of Large Language Models",
      year: 2021,
      citationCount: 2,
      referenceCount: 2,
    });
    // Its paperId works as an id too.
    expect((await get(`/graph/v1/paper/${body.paperId}`)).body.title).toBe(body.title);
  });

  it("lists the papers citing it (front matter references and arXiv ids in the text) and the papers it cites", async () => {
    const citing = await get("/graph/v1/paper/arXiv:2106.09685/citations?limit=1");
    expect(citing.body).toMatchObject({
      offset: 0,
      next: 1,
      data: [{ citingPaper: { externalIds: { ArXiv: "2402.09353" } } }],
    });
    const rest = await get("/graph/v1/paper/arXiv:2106.09685/citations?offset=1");
    expect(rest.body.data.map((d: any) => d.citingPaper.title)).toEqual([
      "QLoRA: Efficient Finetuning of Quantized LLMs",
    ]);
    expect(rest.body).not.toHaveProperty("next");
    const cited = await get("/graph/v1/paper/arXiv:2106.09685/references");
    expect(cited.body.data.map((d: any) => [d.citedPaper.externalIds.ArXiv, d.citedPaper.title])).toEqual([
      ["1706.03762", "Attention Is All You Need"],
      // Cited, but not stored here: its id only.
      ["2005.14165", null],
    ]);
    expect((await get("/graph/v1/paper/arXiv:2005.14165/citations")).body.data).toHaveLength(1);
  });

  it("recommends the stored papers sharing the most words, not unrelated ones", async () => {
    const { body } = await get("/recommendations/v1/papers/forpaper/arXiv:2106.09685?limit=5");
    const ids = body.recommendedPapers.map((p: any) => p.externalIds.ArXiv);
    expect(ids.slice(0, 2).sort()).toEqual(["2305.14314", "2402.09353"]);
    expect(ids).not.toContain("2501.00001");
    expect(ids).not.toContain("2106.09685");
  });

  it("answers an unknown paper with Semantic Scholar's 404", async () => {
    expect(await get("/graph/v1/paper/arXiv:2401.99999")).toEqual({
      status: 404,
      body: { error: "Paper with id arXiv:2401.99999 not found" },
    });
    expect((await get("/recommendations/v1/papers/forpaper/arXiv:2401.99999")).status).toBe(404);
  });
});
