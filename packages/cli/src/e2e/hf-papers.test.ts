import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hubSessionFixture } from "./hub-session.js";
import { jsonLines, sandbox } from "./run-cli.js";

const token = "hf_e2e_papers_token";
const fx = hubSessionFixture({
  token,
  name: "papers",
  seed: (dir) => {
    // A paper as a user adds one to the local Hub: Markdown with front matter under papers/.
    mkdirSync(join(dir, "papers"));
    writeFileSync(
      join(dir, "papers", "lora.md"),
      [
        "---",
        'id: "2106.09685"',
        'title: "LoRA: Low-Rank Adaptation of Large Language Models"',
        "authors: [Edward J. Hu]",
        "publishedAt: 2021-06-17T00:00:00Z",
        "---",
        "# LoRA: Low-Rank Adaptation of Large Language Models",
        "",
        "## Abstract",
        "",
        "We freeze the pretrained weights.",
        "",
        "## 4 Our Method",
        "",
        "We add a low-rank update $BA$ to each frozen weight matrix.",
        "",
      ].join("\n"),
    );
  },
  ready: async (hub) => {
    // A model whose card cites the paper.
    const created = await fetch(`${hub.url}/api/repos/create`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "lora-gpt2",
        files: [{ path: "README.md", content: "# LoRA GPT-2\n\nFine-tuned with https://arxiv.org/abs/2106.09685.\n" }],
      }),
    });
    expect(created.status).toBe(200);
  },
});

describe("the papers tools in a pincer -p session", () => {
  it("searches papers, reads a section and lists the models citing it, offline against the local Hub", async () => {
    using box = sandbox(fx.env());
    const from = fx.server.requests.length;
    fx.callTools(
      ["hf_papers_search", { query: "low-rank adaptation" }],
      ["hf_papers_read", { paper: "arXiv:2106.09685", section: "method" }],
      ["hf_papers_linked", { paper: "https://huggingface.co/papers/2106.09685", kinds: ["models"] }],
    );

    const result = await box.run([
      "-p",
      "what does LoRA do?",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const sent = fx.bodies(from);
    expect(sent).toHaveLength(4);
    const [search, read, linked] = fx.toolMessages(sent.at(-1)!);
    // Found on both HF Papers and the arXiv stand-in, merged into one hit.
    expect(search).toContain("2106.09685: LoRA: Low-Rank Adaptation of Large Language Models (2021-06-17)");
    expect(search).toContain("[HF Papers, arXiv]");
    expect(read).toBe(
      "## 4 Our Method  (2106.09685, from Hugging Face Papers)\n\nWe add a low-rank update $BA$ to each frozen weight matrix.",
    );
    expect(linked).toBe("Citing 2106.09685 on the Hub:\nModels (1):\n  ada/lora-gpt2 (0 downloads)");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done" });
  });
});
