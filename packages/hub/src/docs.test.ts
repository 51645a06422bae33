import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHub, startLocalHub } from "./index.js";

const token = "hf_docs_test_token";
let dir: string;
let hub: LocalHub;

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${hub.url}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pincer-hub-docs-"));
  mkdirSync(join(dir, "docs", "accelerate", "usage_guides"), { recursive: true });
  writeFileSync(
    join(dir, "docs", "accelerate", "index.md"),
    "# Accelerate\n\nRun the same PyTorch code on any distributed setup.\n\n## Launching\n\nUse `accelerate launch train.py` after `accelerate config`.\n",
  );
  writeFileSync(
    join(dir, "docs", "accelerate", "usage_guides", "fsdp.md"),
    "# Fully Sharded Data Parallel\n\nShard parameters, gradients and optimizer states across GPUs.\n",
  );
  // A stored page replaces the built-in one at the same path.
  mkdirSync(join(dir, "docs", "trl"), { recursive: true });
  writeFileSync(join(dir, "docs", "trl", "sft_trainer.md"), "# SFT (local edition)\n\nOur own notes on SFT.\n");
  hub = await startLocalHub({ dir, token });
});

afterAll(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("documentation on the local Hub", () => {
  it("lists the built-in libraries and the stored ones", async () => {
    const res = await get("/api/docs");
    expect(res.status).toBe(200);
    const libraries = (await res.json()) as { id: string; pages: number }[];
    expect(libraries.map((library) => library.id)).toEqual([
      "accelerate",
      "datasets",
      "hub",
      "peft",
      "transformers",
      "trl",
    ]);
    expect(libraries.find((library) => library.id === "accelerate")?.pages).toBe(2);
  });

  it("serves a table of contents in llms.txt form, index first", async () => {
    const res = await get("/docs/accelerate/llms.txt");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("# accelerate");
    const links = text.split("\n").filter((line) => line.startsWith("- ["));
    expect(links).toEqual([
      `- [Accelerate](${hub.url}/docs/accelerate/index.md): Run the same PyTorch code on any distributed setup.`,
      `- [Fully Sharded Data Parallel](${hub.url}/docs/accelerate/usage_guides/fsdp.md): Shard parameters, gradients and optimizer states across GPUs.`,
    ]);
    expect(await (await get("/docs/peft")).text()).toContain(`(${hub.url}/docs/peft/developer_guides/lora.md)`);
  });

  it("serves a page as markdown, with or without .md and under a version and language", async () => {
    const md = await get("/docs/peft/developer_guides/lora.md");
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toContain("text/markdown");
    const text = await md.text();
    expect(text).toMatch(/^# LoRA/);
    expect(text).toContain("get_peft_model");
    expect(await (await get("/docs/peft/developer_guides/lora")).text()).toBe(text);
    expect(await (await get("/docs/peft/main/en/developer_guides/lora")).text()).toBe(text);
    expect(await (await get("/docs/trl/sft_trainer.md")).text()).toBe(
      "# SFT (local edition)\n\nOur own notes on SFT.\n",
    );
  });

  it("answers 404 for a missing page or library and 400 for a bad path", async () => {
    const page = await get("/docs/transformers/no_such_page.md");
    expect(page.status).toBe(404);
    expect(((await page.json()) as { error: string }).error).toBe(
      'No page "no_such_page" in the transformers docs; its pages are listed at /docs/transformers/llms.txt.',
    );
    const library = await get("/docs/nope/llms.txt");
    expect(library.status).toBe(404);
    expect(((await library.json()) as { error: string }).error).toMatch(
      /^No documentation library "nope" on this Hub; it has accelerate, datasets, hub, peft, transformers, trl\./,
    );
    expect((await get("/docs/transformers/a%20b.md")).status).toBe(400);
    expect((await fetch(`${hub.url}/docs/transformers/training.md`)).status).toBe(401);
  });

  it("searches sections by term, with snippets, optionally in one library", async () => {
    const res = await get("/api/docs/search?q=lora%20adapter");
    expect(res.status).toBe(200);
    const results = (await res.json()) as Record<string, string>[];
    expect(results[0]).toMatchObject({ product: "peft", heading1: "LoRA", source_page_title: "LoRA" });
    expect(results[0]?.source_page_url).toMatch(new RegExp(`^${hub.url}/docs/peft/developer_guides/lora(#|$)`));
    expect(results.every((result) => /lora|adapter/i.test(result.text ?? ""))).toBe(true);

    const scoped = (await (await get("/api/docs/search?q=lora%20trainer&product=transformers")).json()) as Record<
      string,
      string
    >[];
    expect(scoped.length).toBeGreaterThan(0);
    expect(scoped.every((result) => result.product === "transformers")).toBe(true);
    // The stored trl page replaced the built-in one, so its words are gone from the search.
    const replaced = (await (await get("/api/docs/search?q=capybara")).json()) as Record<string, string>[];
    expect(replaced.map((result) => result.product)).toEqual(["hub"]);

    const launch = (await (await get("/api/docs/search?q=launch")).json()) as Record<string, string>[];
    expect(launch[0]).toMatchObject({
      product: "accelerate",
      heading2: "Launching",
      source_page_url: `${hub.url}/docs/accelerate/index#launching`,
    });
    expect(launch[0]?.text).toContain("accelerate launch train.py");

    expect(await (await get("/api/docs/search?q=zyzzyva")).json()).toEqual([]);
    expect((await get("/api/docs/search?q=")).status).toBe(400);
    expect((await get("/api/docs/search?q=lora&product=nope")).status).toBe(404);
  });
});
