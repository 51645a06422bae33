import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPlugin, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { localHubPlugin, text } from "./local-hub.fixture.js";

const token = "hf_plugin_test_token";

const fx = localHubPlugin({
  token,
  name: "plugin",
  seed: (dir) => {
    mkdirSync(join(dir, "papers"), { recursive: true });
    writeFileSync(
      join(dir, "papers", "lora.json"),
      JSON.stringify({
        id: "2106.09685",
        title: "LoRA: Low-Rank Adaptation of Large Language Models",
        summary: "We propose Low-Rank Adaptation, which freezes the pretrained weights.",
        authors: ["Edward J. Hu"],
        publishedAt: "2021-06-17T00:00:00.000Z",
      }),
    );
  },
});

describe("the Hugging Face plugin against a local Hub", () => {
  it("declares read-only tools as read and the rest as asking", async () => {
    const kinds = Object.fromEntries((await fx.plugin.tools()).map((tool) => [tool.name, tool.kind]));
    for (const name of [
      "hf_hub_search",
      "hf_repo_files",
      "hf_read_file",
      "hf_dataset_inspect",
      "hf_papers_search",
      "hf_job_status",
      "hf_job_logs",
    ]) {
      expect(kinds[name]).toBe("read");
    }
    for (const name of ["hf_upload_file", "hf_create_repo", "hf_delete_file", "hf_job_run", "hf_job_cancel"]) {
      expect(kinds[name]).toBeDefined();
      expect(kinds[name]).not.toBe("read");
      expect(kinds[name]).not.toBe("edit");
    }
    const run = (await fx.plugin.tools()).find((tool) => tool.name === "hf_job_run");
    expect(run?.description).toMatch(/cost money/);
  });

  it("creates a repo, uploads, lists, reads back, searches and deletes", async () => {
    const created = await fx.plugin.runTool("hf_create_repo", { name: "tiny-model" });
    expect(created.isError, text(created)).toBeFalsy();
    expect(text(created)).toContain("ada/tiny-model");

    const upload = await fx.plugin.runTool("hf_upload_file", {
      repo: "ada/tiny-model",
      path: "README.md",
      content: "# Tiny model\nHéllo ✓\n",
      message: "Add a README",
    });
    expect(upload.isError, text(upload)).toBeFalsy();
    expect(text(upload)).toMatch(/Uploaded README\.md .* to ada\/tiny-model in commit/);
    await fx.plugin.runTool("hf_upload_file", { repo: "ada/tiny-model", path: "conf/config.json", content: "{}" });

    const files = await fx.plugin.runTool("hf_repo_files", { repo: "ada/tiny-model" });
    expect(text(files)).toContain("README.md");
    expect(text(files)).toContain("conf/config.json");

    const read = await fx.plugin.runTool("hf_read_file", { repo: "ada/tiny-model", path: "README.md" });
    expect(text(read)).toBe("# Tiny model\nHéllo ✓\n");
    const cut = await fx.plugin.runTool("hf_read_file", { repo: "ada/tiny-model", path: "README.md", maxBytes: 6 });
    expect(text(cut)).toMatch(/^# Tiny\n\[cut at 6 of \d+ bytes/);

    const search = await fx.plugin.runTool("hf_hub_search", { kind: "model", query: "tiny", limit: 5 });
    expect(text(search)).toContain("ada/tiny-model");
    const none = await fx.plugin.runTool("hf_hub_search", { kind: "dataset", query: "tiny" });
    expect(text(none)).toContain("No datasets match");

    const deleted = await fx.plugin.runTool("hf_delete_file", { repo: "ada/tiny-model", path: "conf/config.json" });
    expect(deleted.isError, text(deleted)).toBeFalsy();
    expect(text(await fx.plugin.runTool("hf_repo_files", { repo: "ada/tiny-model" }))).not.toContain("config.json");
  });

  it("inspects a CSV dataset and checks its columns", async () => {
    await fx.plugin.runTool("hf_create_repo", { name: "ada/reviews", type: "dataset" });
    const csv = ["text,label", "great movie,1", "boring,0", '"long, but good",1'].join("\n");
    const up = await fx.plugin.runTool("hf_upload_file", {
      repo: "ada/reviews",
      type: "dataset",
      path: "train.csv",
      content: csv,
    });
    expect(up.isError, text(up)).toBeFalsy();

    const fits = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/reviews", check: "classification" });
    expect(fits.isError, text(fits)).toBeFalsy();
    expect(text(fits)).toContain("Splits (default): train");
    expect(text(fits)).toContain("text: string, label: int64");
    expect(text(fits)).toContain("text=long, but good | label=1");
    expect(text(fits)).toContain("Check classification: fits");
    expect(fits.details).toMatchObject({ split: "train", check: { fits: true } });

    const dpo = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/reviews", check: "dpo" });
    expect(text(dpo)).toContain("Check dpo: does not fit; missing prompt, chosen, rejected");
    const sft = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/reviews", check: "sft" });
    expect(text(sft)).toContain("Check sft: fits (columns text)");

    const read = await fx.plugin.runTool("hf_read_file", { repo: "ada/reviews", type: "dataset", path: "train.csv" });
    expect(text(read)).toBe(csv);

    const missing = await fx.plugin.runTool("hf_dataset_inspect", { dataset: "ada/nope" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/HTTP 404: .*doesn't exist, or it is private or gated/);
  });

  it("searches papers", async () => {
    const found = await fx.plugin.runTool("hf_papers_search", { query: "low-rank adaptation" });
    expect(text(found)).toContain("2106.09685: LoRA: Low-Rank Adaptation of Large Language Models (2021-06-17)");
    const none = await fx.plugin.runTool("hf_papers_search", { query: "quantum gravity" });
    expect(text(none)).toContain("No papers match");
  });

  it("turns 401, 404 and 409 into errors that say what to do", async () => {
    const conflict = await fx.plugin.runTool("hf_create_repo", { name: "tiny-model" });
    expect(conflict.isError).toBe(true);
    expect(text(conflict)).toMatch(/^HTTP 409: The model repo tiny-model already exists/);

    const notFound = await fx.plugin.runTool("hf_read_file", { repo: "ada/missing", path: "README.md" });
    expect(notFound.isError).toBe(true);
    expect(text(notFound)).toMatch(/^HTTP 404: .*ada\/missing doesn't exist/);

    const badId = await fx.plugin.runTool("hf_repo_files", { repo: "not a repo" });
    expect(badId.isError).toBe(true);
    expect(text(badId)).toContain("write it as owner/name");

    const anonymous = await loadPlugin(new URL("..", import.meta.url), {
      env: { HF_ENDPOINT: fx.hub.url, HF_TOKEN: "hf_wrong" },
    });
    try {
      const denied = await anonymous.runTool("hf_hub_search", { query: "tiny" });
      expect(denied.isError).toBe(true);
      expect(text(denied)).toMatch(/^HTTP 401: HF_TOKEN was rejected: set HF_TOKEN/);
    } finally {
      anonymous.dispose();
    }
  });

  it("refuses hosts outside the grant", async () => {
    const elsewhere = await loadPlugin(new URL("..", import.meta.url), {
      env: { HF_ENDPOINT: fx.hub.url },
      grants: { net: ["huggingface.co"], env: ["HF_TOKEN"] },
    });
    try {
      const refused = await elsewhere.runTool("hf_hub_search", { query: "tiny" });
      expect(refused.isError).toBe(true);
    } finally {
      elsewhere.dispose();
    }
  });
});

describe.skipIf(!existsSync("/usr/bin/python3"))("Hugging Face Jobs against the local Hub", () => {
  it("runs a script, then reads its status and logs to COMPLETED", async () => {
    const script = [
      "import json, os",
      "print('hello from the job')",
      "print('token set:', bool(os.environ.get('HF_TOKEN')), os.environ.get('HF_TOKEN', '').startswith('hf_job_'))",
      "print(json.dumps({'step': 1, 'loss': 0.5}))",
    ].join("\n");
    // A job that names a repo gets a token minted for it, never the user's.
    const repos = [{ id: "ada/results", type: "dataset" }];
    const started = await fx.plugin.runTool("hf_job_run", { script, timeoutSeconds: 60, repos });
    expect(started.isError, text(started)).toBeFalsy();
    const id = (started.details as { id: string }).id;
    expect(text(started)).toContain(`Started job ${id}`);

    const logs = await fx.plugin.runTool("hf_job_logs", { id, timeoutSeconds: 30 });
    expect(logs.isError, text(logs)).toBeFalsy();
    expect(text(logs)).toContain("hello from the job");
    expect(text(logs)).toContain("token set: True True");
    expect(text(logs)).toMatch(/\[end of log\]$/);

    const status = await until(
      async () => {
        const now = await fx.plugin.runTool("hf_job_status", { id });
        return !text(now).includes(": RUNNING") && now;
      },
      { message: `job ${id} to finish`, intervalMs: 100 },
    );
    expect(text(status)).toContain(`Job ${id}: COMPLETED`);
    expect(text(status)).toContain("Exit code: 0");
    expect(text(status)).toContain("hello from the job");

    const first = await fx.plugin.runTool("hf_job_logs", { id, maxLines: 1 });
    expect(text(first)).toMatch(/^hello from the job\n\[stopped at 1 lines/);

    const unknown = await fx.plugin.runTool("hf_job_status", { id: "no-such-job" });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^HTTP 404/);
  });

  it("cancels a running job", async () => {
    const started = await fx.plugin.runTool("hf_job_run", { script: "import time\ntime.sleep(30)" });
    const id = (started.details as { id: string }).id;
    const cancelled = await fx.plugin.runTool("hf_job_cancel", { id });
    expect(cancelled.isError, text(cancelled)).toBeFalsy();
    expect(text(cancelled)).toContain(`Job ${id}: CANCELED`);
  });
});
