import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { arxivBase, arxivQuery, parseArxivFeed } from "./arxiv.js";
import type { Hub } from "./hub.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";
import { parsePaperId } from "./paper-id.js";
import { findSection, htmlToMarkdown, splitSections } from "./paper-text.js";

const token = "hf_papers_plugin_token";

/** A Method section long enough to need several reads. */
const METHOD = Array.from(
  { length: 40 },
  (_, i) => `Paragraph ${i + 1} of the method: we train low-rank matrices $A$ and $B$ while $W_0$ stays frozen.`,
).join("\n\n");

const LORA = `---
id: "2106.09685"
title: "LoRA: Low-Rank Adaptation of Large Language Models"
authors: [Edward J. Hu, Yelong Shen]
publishedAt: 2021-06-17T00:00:00.000Z
submittedOnDailyAt: 2021-06-18
upvotes: 42
github: https://github.com/microsoft/LoRA
---
# LoRA: Low-Rank Adaptation of Large Language Models

## Abstract

We propose Low-Rank Adaptation, which freezes the pretrained weights.

## 1 Introduction

Fine-tuning updates all parameters.

## 2 Method

${METHOD}

## 3 Experiments

| Model | Params |
| --- | --- |
| GPT-3 | 175B |
`;

/** On arXiv only (not indexed by HF Papers), with an old-style id: read through the arXiv HTML stand-in. */
const OLD = `---
id: cs/0112017
title: Kernel Methods for Old-Style Identifiers
authors: [Ada Lovelace]
publishedAt: 2001-12-17T00:00:00Z
indexed: false
categories: [cs.LG]
---
# Kernel Methods for Old-Style Identifiers

## Abstract

Kernels & margins, before 2007.

## 1 Introduction

A kernel $k(x, y)$ compares two points.
`;

const fx = localHubPlugin({
  token,
  name: "papers",
  seed: (dir) => {
    mkdirSync(join(dir, "papers"), { recursive: true });
    mkdirSync(join(dir, "collections"), { recursive: true });
    writeFileSync(join(dir, "papers", "lora.md"), LORA);
    writeFileSync(join(dir, "papers", "old.md"), OLD);
    writeFileSync(
      join(dir, "papers", "attention.json"),
      JSON.stringify({
        id: "1706.03762",
        title: "Attention Is All You Need",
        summary: "The Transformer, an architecture based solely on attention.",
        authors: ["Ashish Vaswani"],
        publishedAt: "2021-06-18T00:00:00.000Z",
        upvotes: 99,
      }),
    );
    writeFileSync(
      join(dir, "collections", "adapters.json"),
      JSON.stringify({
        title: "Parameter-efficient fine-tuning",
        owner: "ada",
        items: [{ type: "paper", id: "2106.09685" }],
      }),
    );
  },
  ready: async (plugin) => {
    // A model whose card cites the paper, and one that doesn't.
    await plugin.runTool("hf_create_repo", { name: "lora-gpt2" });
    await plugin.runTool("hf_upload_file", {
      repo: "ada/lora-gpt2",
      path: "README.md",
      content: "---\ntags: [peft]\n---\n# LoRA GPT-2\nTrained as in https://arxiv.org/abs/2106.09685.\n",
    });
    await plugin.runTool("hf_create_repo", { name: "plain" });
  },
});

describe("paper ids", () => {
  it("reads every form people write", () => {
    expect(parsePaperId("2401.12345")).toEqual({ id: "2401.12345", full: "2401.12345" });
    expect(parsePaperId("2401.12345v2")).toEqual({ id: "2401.12345", version: "v2", full: "2401.12345v2" });
    expect(parsePaperId("arXiv:2401.12345").id).toBe("2401.12345");
    expect(parsePaperId(" https://arxiv.org/abs/2401.12345v3 ").full).toBe("2401.12345v3");
    expect(parsePaperId("https://arxiv.org/pdf/2401.12345.pdf").id).toBe("2401.12345");
    expect(parsePaperId("https://huggingface.co/papers/2401.12345").id).toBe("2401.12345");
    expect(parsePaperId("https://huggingface.co/papers/2401.12345.md").id).toBe("2401.12345");
    expect(parsePaperId("0704.0001").id).toBe("0704.0001");
    expect(parsePaperId("cs/0112017")).toEqual({ id: "cs/0112017", full: "cs/0112017" });
    expect(parsePaperId("https://arxiv.org/abs/math.GT/0309136v1").full).toBe("math.GT/0309136v1");
  });

  it("refuses anything else with the forms it expects", () => {
    for (const bad of [
      "",
      "lora",
      "2401.123",
      "2413.12345",
      "2401.12345v",
      "https://example.com/abs/2401.12345",
      "cs/01120",
    ]) {
      expect(() => parsePaperId(bad), bad).toThrow(/is not an arXiv paper id: write it as 2401\.12345/);
    }
  });
});

describe("arXiv's Atom feed and HTML", () => {
  it("parses entries and turns an error feed into a 400", () => {
    const feed = `<feed><opensearch:totalResults>7</opensearch:totalResults>
      <entry><id>http://arxiv.org/abs/2106.09685v2</id><title>LoRA:
        Low-Rank &amp; Adaptation</title><summary>  Freeze.  </summary>
        <author><name>Edward J. Hu</name></author><author><name>Yelong Shen</name></author>
        <link href="http://arxiv.org/pdf/2106.09685v2" rel="related" type="application/pdf" title="pdf"/>
        <category term="cs.CL" scheme="x"/><published>2021-06-17T17:37:18Z</published></entry></feed>`;
    expect(parseArxivFeed(feed)).toEqual({
      total: 7,
      entries: [
        {
          id: "2106.09685",
          version: "v2",
          title: "LoRA: Low-Rank & Adaptation",
          summary: "Freeze.",
          authors: ["Edward J. Hu", "Yelong Shen"],
          published: "2021-06-17T17:37:18Z",
          updated: undefined,
          categories: ["cs.CL"],
          pdf: "http://arxiv.org/pdf/2106.09685v2",
        },
      ],
    });
    const error = "<feed><entry><id>http://arxiv.org/api/errors#bad</id><summary>malformed id</summary></entry></feed>";
    expect(() => parseArxivFeed(error)).toThrow(/arXiv refused the query: malformed id/);
    expect(arxivQuery('low-rank "adaptation" (x)')).toBe("all:low-rank AND all:adaptation AND all:x");
  });

  it("goes to arXiv itself for the public Hub and to the endpoint's /arxiv otherwise", () => {
    const hubAt = (endpoint: string, isPublic: boolean) => ({ endpoint, isPublic }) as Hub;
    expect(arxivBase(hubAt("https://huggingface.co", true))).toEqual({
      api: "https://export.arxiv.org/api/query",
      html: "https://arxiv.org/html",
    });
    expect(arxivBase(hubAt("http://127.0.0.1:9", false)).html).toBe("http://127.0.0.1:9/arxiv/html");
  });

  it("turns LaTeXML HTML into Markdown: chrome, footnotes and MathML out; math, tables and lists in", () => {
    const html = `<html><head><title>T</title><script>var s = "<p>no</p>";</script></head><body>
      <header><nav>Report issue</nav></header>
      <article class="ltx_document"><h1 class="ltx_title">A &ldquo;Title&rdquo;</h1>
      <div class="ltx_abstract"><h6 class="ltx_title">Abstract</h6><p class="ltx_p">We  fix <math alttext="W_{0}" display="inline"><mi>W</mi><mn>0</mn></math>.<span class="ltx_note ltx_role_footnote"><sup>1</sup><span class="ltx_note_outer"><span class="ltx_note_content"><span>Footnote text.</span></span></span></span></p></div>
      <section class="ltx_section"><h2 class="ltx_title"><span class="ltx_tag">1 </span>Intro&shy;duction</h2>
      <div class="ltx_para"><p class="ltx_p">One &amp; two &#x2014; three&#8230;</p><ul><li>first</li><li>second</li></ul></div>
      <h3>1.1 Detail</h3><table><tr><td>a</td><td>b</td></tr></table>
      <math alttext="E=mc^2" display="block"><mi>E</mi></math><br/><img src="x.png" alt="figure"></section>
      </article><footer>Generated by LaTeXML</footer></body></html>`;
    const markdown = htmlToMarkdown(html);
    expect(markdown).toBe(
      [
        "# A “Title”",
        "## Abstract",
        "We fix $W_{0}$.",
        "## 1 Introduction",
        "One & two — three…",
        "- first",
        "- second",
        "### 1.1 Detail",
        "| a | b |",
        "$$E=mc^2$$",
      ].join("\n\n"),
    );
    const sections = splitSections(markdown);
    expect(sections.map((s) => s.title)).toEqual(["Abstract", "1 Introduction"]);
    expect(sections[1]?.text).toContain("### 1.1 Detail");
    expect(findSection(sections, "1")).toBe(sections[1]);
    expect(findSection(sections, "abstract")).toBe(sections[0]);
    expect(findSection(sections, "nothing")).toEqual([]);
    // Headings inside fenced code don't split.
    expect(splitSections("## A\n```\n## not a heading\n```\n").map((s) => s.title)).toEqual(["A"]);
  });
});

describe("the papers tools against a local Hub", () => {
  it("searches HF Papers and arXiv, merged by arXiv id, or one of them", async () => {
    const all = await fx.plugin.runTool("hf_papers_search", { query: "low-rank adaptation" });
    expect(all.isError, text(all)).toBeFalsy();
    expect(text(all)).toContain(
      "2106.09685: LoRA: Low-Rank Adaptation of Large Language Models (2021-06-17), https://huggingface.co/papers/2106.09685 [HF Papers, arXiv; 42 upvotes]",
    );
    expect((all.details as { papers: unknown[] }).papers).toHaveLength(1);

    const kernels = await fx.plugin.runTool("hf_papers_search", { query: "kernel" });
    expect(text(kernels)).toContain(
      "cs/0112017: Kernel Methods for Old-Style Identifiers (2001-12-17), https://arxiv.org/abs/cs/0112017 [arXiv]",
    );
    const hfOnly = await fx.plugin.runTool("hf_papers_search", { query: "kernel", source: "hf" });
    expect(text(hfOnly)).toBe('No papers match "kernel".');
    const arxivOnly = await fx.plugin.runTool("hf_papers_search", { query: "attention", source: "arxiv" });
    expect(text(arxivOnly)).toMatch(/^1706\.03762: Attention Is All You Need .*\[arXiv\]/);
  });

  it("gives a paper's details from HF Papers, or from arXiv when HF hasn't indexed it", async () => {
    const lora = await fx.plugin.runTool("hf_papers_details", { paper: "https://arxiv.org/abs/2106.09685v1" });
    expect(lora.isError, text(lora)).toBeFalsy();
    expect(text(lora)).toContain("Authors: Edward J. Hu, Yelong Shen");
    expect(text(lora)).toContain("Published: 2021-06-17; 42 upvotes on Hugging Face Papers");
    expect(text(lora)).toContain("GitHub: https://github.com/microsoft/LoRA");
    expect(text(lora)).toContain("https://arxiv.org/pdf/2106.09685v1");
    expect(text(lora)).toMatch(/Abstract:\nWe propose Low-Rank Adaptation/);

    const old = await fx.plugin.runTool("hf_papers_details", { paper: "arXiv:cs/0112017" });
    expect(text(old)).toContain("Not on Hugging Face Papers yet (details from arXiv).");
    expect(text(old)).toContain("Authors: Ada Lovelace");
    expect(text(old)).toContain("Kernels & margins, before 2007.");

    const missing = await fx.plugin.runTool("hf_papers_details", { paper: "2412.99999" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^HTTP 404: no paper 2412\.99999 on Hugging Face Papers or arXiv/);
  });

  it("refuses a paper id that doesn't parse, in every tool, saying what to write", async () => {
    for (const tool of ["hf_papers_details", "hf_papers_read", "hf_papers_linked"]) {
      const bad = await fx.plugin.runTool(tool, { paper: "not-a-paper" });
      expect(bad.isError, tool).toBe(true);
      expect(bad.details).toMatchObject({ status: 400 });
      expect(text(bad)).toContain('"not-a-paper" is not an arXiv paper id: write it as 2401.12345');
    }
  });

  it("lists a paper's sections, reads one, and reads a long one on from the offset it gives", async () => {
    const list = await fx.plugin.runTool("hf_papers_read", { paper: "2106.09685" });
    expect(list.isError, text(list)).toBeFalsy();
    expect(text(list)).toMatch(
      /^2106\.09685: LoRA: Low-Rank Adaptation of Large Language Models \(from Hugging Face Papers, [\d.]+k chars\), 4 sections:/,
    );
    expect(text(list)).toMatch(/\n {2}2 Method \([\d.]+k chars\)\n/);

    const experiments = await fx.plugin.runTool("hf_papers_read", { paper: "2106.09685", section: "experiments" });
    expect(text(experiments)).toBe(
      "## 3 Experiments  (2106.09685, from Hugging Face Papers)\n\n| Model | Params |\n| --- | --- |\n| GPT-3 | 175B |",
    );

    const first = await fx.plugin.runTool("hf_papers_read", { paper: "2106.09685", section: "2", maxChars: 1000 });
    const { end, total } = first.details as { end: number; total: number };
    expect(end).toBeLessThanOrEqual(1000);
    expect(total).toBe(METHOD.length);
    expect(text(first)).toContain("Paragraph 1 of the method");
    expect(text(first)).toContain(
      `[Clipped at character ${end} of ${total}: call hf_papers_read with paper "2106.09685", section "2 Method" and offset ${end} to read on.]`,
    );
    const next = await fx.plugin.runTool("hf_papers_read", {
      paper: "2106.09685",
      section: "2 Method",
      offset: end,
      maxChars: 30000,
    });
    expect(text(next)).toContain("Paragraph 40 of the method");
    expect(text(next)).not.toContain("Clipped");
    // Each paragraph of the section in exactly one of the two reads: nothing lost, nothing repeated.
    for (let i = 1; i <= 40; i++) {
      const paragraph = `Paragraph ${i} of the method:`;
      expect(
        [text(first), text(next)].filter((read) => read.includes(paragraph)),
        paragraph,
      ).toHaveLength(1);
    }

    const none = await fx.plugin.runTool("hf_papers_read", { paper: "2106.09685", section: "Conclusion" });
    expect(none.isError).toBe(true);
    expect(text(none)).toContain(
      '2106.09685 has no section "Conclusion": pick one of "Abstract", "1 Introduction", "2 Method", "3 Experiments"',
    );
  });

  it("reads a paper HF Papers doesn't have from arXiv's HTML", async () => {
    const list = await fx.plugin.runTool("hf_papers_read", { paper: "https://arxiv.org/abs/cs/0112017" });
    expect(list.isError, text(list)).toBeFalsy();
    expect(text(list)).toContain("(from arXiv HTML,");
    const intro = await fx.plugin.runTool("hf_papers_read", { paper: "cs/0112017", section: "1" });
    expect(text(intro)).toContain("A kernel $k(x, y)$ compares two points.");
    const abstract = await fx.plugin.runTool("hf_papers_read", { paper: "cs/0112017", section: "Abstract" });
    expect(text(abstract)).toContain("Kernels & margins, before 2007.");

    const noText = await fx.plugin.runTool("hf_papers_read", { paper: "2412.99999" });
    expect(noText.isError).toBe(true);
    expect(text(noText)).toContain("has no paper page on Hugging Face and no HTML version on arXiv");
  });

  it("lists Daily Papers, most upvoted first", async () => {
    const daily = await fx.plugin.runTool("hf_papers_trending", {});
    expect(text(daily)).toMatch(
      /^Daily Papers \(trending\):\n1\. 1706\.03762: Attention Is All You Need .*; 99 upvotes/,
    );
    expect(text(daily)).toContain("2. 2106.09685: LoRA");
    const empty = await fx.plugin.runTool("hf_papers_trending", { date: "2020-01-01" });
    expect(text(empty)).toBe("No Daily Papers on 2020-01-01.");
    const bad = await fx.plugin.runTool("hf_papers_trending", { date: "yesterday" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("write it as YYYY-MM-DD");
  });

  it("finds the models, datasets, Spaces and collections citing a paper", async () => {
    const linked = await fx.plugin.runTool("hf_papers_linked", { paper: "https://huggingface.co/papers/2106.09685" });
    expect(linked.isError, text(linked)).toBeFalsy();
    expect(text(linked)).toContain("Models (1):\n  ada/lora-gpt2");
    expect(text(linked)).toContain("Datasets (0): none");
    expect(text(linked)).toContain("Collections (1):\n  Parameter-efficient fine-tuning");
    expect(linked.details).toMatchObject({ models: ["ada/lora-gpt2"], datasets: [], spaces: [] });
    const onlyModels = await fx.plugin.runTool("hf_papers_linked", { paper: "1706.03762", kinds: ["models"] });
    expect(text(onlyModels)).toBe("Citing 1706.03762 on the Hub:\nModels (0): none");
  });
});
