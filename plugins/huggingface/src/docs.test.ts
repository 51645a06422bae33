import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docsPath, parseLlmsTxt, parseSidebar } from "./docs.js";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_docs_plugin_token";

const fx = localHubPlugin({
  token,
  name: "docs",
  seed: (dir) => {
    // A long stored page, to read in parts.
    mkdirSync(join(dir, "docs", "accelerate"), { recursive: true });
    const paragraphs = Array.from({ length: 300 }, (_, i) => `Paragraph ${i}: gradient accumulation step notes.`);
    writeFileSync(join(dir, "docs", "accelerate", "long.md"), `# A long page\n\n${paragraphs.join("\n\n")}\n`);
  },
});

describe("the docs tools against a local Hub", () => {
  it("are read-only", async () => {
    const kinds = Object.fromEntries((await fx.plugin.tools()).map((tool) => [tool.name, tool.kind]));
    expect([kinds.hf_docs_browse, kinds.hf_docs_search, kinds.hf_docs_fetch]).toEqual(["read", "read", "read"]);
  });

  it("lists the libraries, then one library's pages", async () => {
    const libraries = await fx.plugin.runTool("hf_docs_browse", {});
    expect(libraries.isError, text(libraries)).toBeFalsy();
    expect(text(libraries)).toContain("6 documentation libraries:");
    expect(text(libraries)).toContain("peft — Parameter-efficient fine-tuning: LoRA and other adapters (1 pages)");
    expect(text(libraries)).toContain("accelerate — Distributed training and mixed precision for PyTorch (1 pages)");

    const toc = await fx.plugin.runTool("hf_docs_browse", { library: "trl" });
    expect(toc.isError, text(toc)).toBeFalsy();
    expect(text(toc)).toMatch(
      /^The trl docs, 1 pages \(from llms\.txt\):\nsft_trainer — Supervised fine-tuning with SFTTrainer: /,
    );
    expect(toc.details).toMatchObject({ library: "trl", pages: ["sft_trainer"] });
  });

  it("searches with snippets and names the page to fetch", async () => {
    const found = await fx.plugin.runTool("hf_docs_search", { query: "target_modules" });
    expect(found.isError, text(found)).toBeFalsy();
    expect(text(found)).toContain("[peft] LoRA › Wrap a model (peft/developer_guides/lora)");
    expect(text(found)).toContain("target_modules");
    const scoped = await fx.plugin.runTool("hf_docs_search", { query: "push_to_hub", library: "datasets" });
    expect(text(scoped)).toMatch(
      /^1 sections match "push_to_hub":\n\[datasets\] Loading a dataset › Splitting and sharing/,
    );
    const none = await fx.plugin.runTool("hf_docs_search", { query: "zyzzyva" });
    expect(text(none)).toBe('No documentation matches "zyzzyva". Try other words, or browse with hf_docs_browse.');
  });

  it("fetches a page as markdown by library/page, by URL, or with library", async () => {
    const page = await fx.plugin.runTool("hf_docs_fetch", { page: "peft/developer_guides/lora" });
    expect(page.isError, text(page)).toBeFalsy();
    expect(text(page)).toMatch(/^# LoRA\n/);
    expect(text(page)).toContain("merge_and_unload()");
    const byUrl = await fx.plugin.runTool("hf_docs_fetch", {
      page: "https://huggingface.co/docs/peft/main/en/developer_guides/lora#wrap-a-model",
    });
    expect(text(byUrl)).toBe(text(page));
    const withLibrary = await fx.plugin.runTool("hf_docs_fetch", { library: "transformers", page: "training" });
    expect(text(withLibrary)).toMatch(/^# Fine-tuning a pretrained model/);
  });

  it("clips a long page and says how to read on", async () => {
    const whole = readFileSync(join(fx.dir, "docs", "accelerate", "long.md"), "utf8");
    const length = whole.length;
    const first = await fx.plugin.runTool("hf_docs_fetch", { page: "accelerate/long", maxChars: 2000 });
    expect(text(first).startsWith(whole.slice(0, 2000))).toBe(true);
    expect(text(first)).toMatch(
      new RegExp(`\\n\\n\\[characters 0–2000 of ${length}; call hf_docs_fetch again with offset 2000 to read on\\]$`),
    );
    const next = await fx.plugin.runTool("hf_docs_fetch", { page: "accelerate/long", offset: 2000, maxChars: 2000 });
    expect(text(next).startsWith(whole.slice(2000, 4000))).toBe(true);
    expect(text(next)).toContain(`[characters 2000–4000 of ${length}`);
    const last = await fx.plugin.runTool("hf_docs_fetch", { page: "accelerate/long", offset: length - 10 });
    expect(text(last)).toMatch(/; end of page\]$/);
    const past = await fx.plugin.runTool("hf_docs_fetch", { page: "accelerate/long", offset: length + 5 });
    expect(past.isError).toBe(true);
    expect(text(past)).toContain(`is past the end of accelerate/long (${length} characters)`);
  });

  it("says what to do about a missing page, an unknown library or a bad request", async () => {
    const page = await fx.plugin.runTool("hf_docs_fetch", { page: "transformers/no_such_page" });
    expect(page.isError).toBe(true);
    expect(text(page)).toBe(
      'HTTP 404: No page "no_such_page" in the transformers docs: list its pages with hf_docs_browse {library: "transformers"}, or use hf_docs_search.',
    );
    const library = await fx.plugin.runTool("hf_docs_browse", { library: "nope" });
    expect(library.isError).toBe(true);
    expect(text(library)).toBe(
      'HTTP 404: No documentation library "nope" here: call hf_docs_browse without a library for the list.',
    );
    const search = await fx.plugin.runTool("hf_docs_search", { query: "lora", library: "nope" });
    expect(text(search)).toMatch(/^HTTP 404: No documentation library "nope" here/);
    const bare = await fx.plugin.runTool("hf_docs_fetch", { page: "training" });
    expect(text(bare)).toBe('"training" needs its library: pass library, or write "library/page".');
    const traversal = await fx.plugin.runTool("hf_docs_fetch", { library: "transformers", page: "../secrets" });
    expect(traversal.isError).toBe(true);
  });

  it("reads a table of contents from llms.txt, or from a docs page's sidebar links", () => {
    const llms =
      "# trl\n\n- [SFT](https://huggingface.co/docs/trl/sft_trainer.md): Supervised fine-tuning.\n- [Other](https://huggingface.co/docs/peft/index.md)\n";
    expect(parseLlmsTxt(llms, "trl")).toEqual([
      { page: "sft_trainer", title: "SFT", summary: "Supervised fine-tuning." },
    ]);
    const html = [
      '<nav><a href="/docs/trl/index" class="x">TRL</a>',
      '<a href="/docs/trl/main/en/sft_trainer"><span>SFT</span> Trainer</a>',
      '<a href="/docs/trl/sft_trainer#usage">SFT again</a>',
      '<a href="/docs/peft/index">PEFT</a></nav>',
    ].join("");
    expect(parseSidebar(html, "trl")).toEqual([
      { page: "index", title: "TRL" },
      { page: "sft_trainer", title: "SFT Trainer" },
    ]);
  });

  it("reads docs URLs and paths", () => {
    expect(docsPath("https://huggingface.co/docs/transformers/v4.46.0/en/main_classes/trainer#api")).toEqual({
      library: "transformers",
      page: "main_classes/trainer",
    });
    expect(docsPath("/docs/trl/sft_trainer.md")).toEqual({ library: "trl", page: "sft_trainer" });
    expect(docsPath("https://huggingface.co/docs/hub")).toEqual({ library: "hub", page: "" });
    expect(docsPath("https://example.com/other")).toBeUndefined();
  });
});
