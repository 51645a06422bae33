import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Papers that cite each other, as a Hub's `papers/` folder holds them (for the Semantic Scholar stand-in's tests). */
export function seedCitingPapers(dir: string): void {
  mkdirSync(join(dir, "papers"), { recursive: true });
  const paper = (name: string, front: string[], body: string) =>
    writeFileSync(join(dir, "papers", `${name}.md`), `---\n${front.join("\n")}\n---\n${body}\n`);
  paper(
    "lora",
    [
      'id: "2106.09685"',
      'title: "LoRA: Low-Rank Adaptation of Large Language Models"',
      "publishedAt: 2021-06-17T00:00:00.000Z",
      "authors: [Edward J. Hu]",
      "summary: We freeze the pretrained weights and inject trainable low-rank decomposition matrices, reducing trainable parameters for adaptation of large language models.",
    ],
    "## Introduction\n\nBuilds on the Transformer (https://arxiv.org/abs/1706.03762) and GPT-3 (arXiv:2005.14165).",
  );
  paper(
    "qlora",
    [
      'id: "2305.14314"',
      'title: "QLoRA: Efficient Finetuning of Quantized LLMs"',
      "publishedAt: 2023-05-23T00:00:00.000Z",
      'references: ["2106.09685"]',
      "summary: We finetune quantized language models with low-rank adapters, matching full finetuning with far less memory.",
    ],
    "## Method\n\nFour-bit quantization with low-rank adaptation.",
  );
  paper(
    "dora",
    [
      'id: "2402.09353"',
      'title: "DoRA: Weight-Decomposed Low-Rank Adaptation"',
      "publishedAt: 2024-02-14T00:00:00.000Z",
      "summary: We decompose the pretrained weights into magnitude and direction for low-rank adaptation of language models.",
    ],
    "## Related work\n\nLoRA (arXiv:2106.09685v2) trains low-rank matrices.",
  );
  paper(
    "attention",
    [
      'id: "1706.03762"',
      'title: "Attention Is All You Need"',
      "publishedAt: 2017-06-12T00:00:00.000Z",
      "summary: The Transformer, based solely on attention mechanisms, for machine translation.",
    ],
    "## Model\n\nSelf-attention.",
  );
  paper(
    "tides",
    [
      'id: "2501.00001"',
      'title: "Tidal Forces on Harbour Walls"',
      "publishedAt: 2025-01-01T00:00:00.000Z",
      "summary: Measurements of tides against stone walls.",
    ],
    "## Data\n\nTide gauges.",
  );
}
