import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_papers_graph_token";

const fx = localHubPlugin({
  token,
  name: "papers-graph",
  seed: (dir) => {
    mkdirSync(join(dir, "papers"), { recursive: true });
    const paper = (name: string, front: string, body: string) =>
      writeFileSync(join(dir, "papers", `${name}.md`), `---\n${front}\n---\n${body}\n`);
    paper(
      "lora",
      'id: "2106.09685"\ntitle: "LoRA: Low-Rank Adaptation of Large Language Models"\npublishedAt: 2021-06-17T00:00:00.000Z\nsummary: Low-rank adaptation of large language models with frozen weights.',
      "Builds on arXiv:1706.03762.",
    );
    paper(
      "qlora",
      'id: "2305.14314"\ntitle: "QLoRA: Efficient Finetuning of Quantized LLMs"\npublishedAt: 2023-05-23T00:00:00.000Z\nreferences: ["2106.09685"]\nsummary: Quantized language models finetuned with low-rank adapters.',
      "Method.",
    );
    paper(
      "attention",
      'id: "1706.03762"\ntitle: "Attention Is All You Need"\npublishedAt: 2017-06-12T00:00:00.000Z\nsummary: The Transformer for translation.',
      "Model.",
    );
  },
});

describe("citations and recommendations (Semantic Scholar, here the local Hub's stand-in)", () => {
  it("lists the papers citing a paper and the ones it cites", async () => {
    const citing = await fx.plugin.runTool("hf_papers_citations", { paper: "https://arxiv.org/abs/2106.09685v2" });
    expect(citing.isError, text(citing)).toBeFalsy();
    expect(text(citing)).toBe(
      "Papers citing 2106.09685 (1–1):\n  2305.14314: QLoRA: Efficient Finetuning of Quantized LLMs (2023, 0 citations)",
    );
    const cited = await fx.plugin.runTool("hf_papers_citations", { paper: "2106.09685", direction: "cited" });
    expect(text(cited)).toBe(
      "Papers 2106.09685 cites (1–1):\n  1706.03762: Attention Is All You Need (2017, 1 citation)",
    );
    const none = await fx.plugin.runTool("hf_papers_citations", { paper: "2305.14314" });
    expect(text(none)).toBe("No papers citing 2305.14314 were found.");
  });

  it("recommends similar papers, and says when a paper is unknown", async () => {
    const similar = await fx.plugin.runTool("hf_papers_similar", { paper: "2106.09685" });
    expect(text(similar)).toMatch(/^Papers like 2106\.09685:\n {2}2305\.14314: QLoRA/);
    const unknown = await fx.plugin.runTool("hf_papers_similar", { paper: "2401.99999" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^HTTP 404: .*Paper with id arXiv:2401\.99999 not found/);
    const bad = await fx.plugin.runTool("hf_papers_citations", { paper: "the LoRA paper" });
    expect(text(bad)).toMatch(/^"the LoRA paper" is not an arXiv paper id/);
  });
});
