import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, loadPlugin } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

let workspace: string;
let plugin: LoadedPlugin;

const text = (result: { content: unknown }): string => String(result.content);
const put = (path: string, content: string) => {
  mkdirSync(join(workspace, path, ".."), { recursive: true });
  writeFileSync(join(workspace, path), content);
};
const read = (path: string) => readFileSync(join(workspace, path), "utf8");

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), "pincer-ml-intern-"));
  plugin = await loadPlugin(new URL("..", import.meta.url), { cwd: workspace, shipsWithPincer: true });
});

afterAll(() => {
  plugin?.dispose();
  rmSync(workspace, { recursive: true, force: true });
});

const cardArgs = {
  folder: "model",
  name: "ada/distilbert-sst2-repro",
  license: "apache-2.0",
  baseModel: "distilbert-base-uncased",
  datasets: ["stanfordnlp/sst2"],
  tags: ["text-classification", "reproduction"],
  pipelineTag: "text-classification",
  task: { type: "text-classification" },
  dataset: { type: "stanfordnlp/sst2", name: "SST-2", split: "validation" },
  metricsFile: "runs/run-2/eval.json",
  summary: "DistilBERT fine-tuned on SST-2, reproducing the paper's result.",
  paper: { id: "1910.01108", title: "DistilBERT", metrics: { accuracy: 0.913 } },
  hyperparameters: { learning_rate: 3e-5, epochs: 3 },
};

describe("the ML intern plugin", () => {
  it("declares its tools, with the table read-only and the writers as edits", async () => {
    const kinds = Object.fromEntries((await plugin.tools()).map((tool) => [tool.name, tool.kind]));
    expect(kinds).toEqual({
      intern_model_card: "edit",
      intern_record_run: "edit",
      intern_results: "read",
      github_search_code: "read",
      github_search_repos: "read",
      github_read_file: "read",
    });
    expect(plugin.manifest.contributes.agents).toEqual(["ml-intern", "ml-research"]);
  });

  it("records runs into results.json and results.md, and marks a NaN run diverged", async () => {
    const empty = await plugin.runTool("intern_results", {});
    expect(text(empty)).toContain("No runs recorded yet");

    put("runs/run-1/eval.json", '{"eval_accuracy": 0.882, "eval_loss": 0.31, "epoch": 3.0, "eval_runtime": 12.5}');
    const first = await plugin.runTool("intern_record_run", {
      id: "run-1",
      params: { learning_rate: 5e-5, epochs: 3 },
      metricsFile: "runs/run-1/eval.json",
      paper: { title: "DistilBERT", metrics: { accuracy: 0.913 } },
      notes: "baseline",
    });
    expect(first.isError, text(first)).toBeFalsy();
    expect(text(first)).toContain("Recorded run run-1 (ok) in results.json");

    put("runs/run-2/eval.json", '{"eval_accuracy": 0.911, "eval_loss": 0.27}');
    await plugin.runTool("intern_record_run", {
      id: "run-2",
      params: { learning_rate: 3e-5, epochs: 3 },
      metricsFile: "runs/run-2/eval.json",
    });

    // Python's json.dump writes NaN as a bare word.
    put("runs/run-3/eval.json", '{"eval_accuracy": NaN, "eval_loss": Infinity}');
    const diverged = await plugin.runTool("intern_record_run", {
      id: "run-3",
      params: { learning_rate: 1e-3, epochs: 3 },
      metricsFile: "runs/run-3/eval.json",
      status: "ok",
    });
    expect(diverged.isError, text(diverged)).toBeFalsy();
    expect(text(diverged)).toContain("Recorded run run-3 (diverged)");

    const crashed = await plugin.runTool("intern_record_run", {
      id: "run-4",
      params: { learning_rate: 3e-5, epochs: 10 },
      status: "crashed",
      notes: "CUDA out of memory at batch 64",
    });
    expect(crashed.isError, text(crashed)).toBeFalsy();

    const results = JSON.parse(read("results.json"));
    expect(results.paper).toEqual({ title: "DistilBERT", metrics: { accuracy: 0.913 } });
    expect(results.runs.map((run: { id: string; status: string }) => `${run.id}:${run.status}`)).toEqual([
      "run-1:ok",
      "run-2:ok",
      "run-3:diverged",
      "run-4:crashed",
    ]);
    // Bookkeeping keys are left out; eval_ prefixes dropped; NaN stored as null.
    expect(results.runs[0].metrics).toEqual({ accuracy: 0.882, loss: 0.31 });
    expect(results.runs[2].metrics).toEqual({ accuracy: null, loss: null });
    expect(results.runs[2].notes).toContain("non-finite accuracy=NaN, loss=inf");

    const table = read("results.md");
    expect(table).toContain("| Run | Status | learning_rate | epochs | accuracy | loss | Notes |");
    expect(table).toContain("| paper (target) |  |  |  | 0.913 |  |  |");
    expect(table).toContain("| run-1 | ok | 0.00005 | 3 | 0.882 | 0.31 | baseline |");
    expect(table).toContain("| run-3 | diverged | 0.001 | 3 | non-finite | non-finite |");
    expect(table).toContain("| run-4 | crashed | 0.00003 | 10 |  |  | CUDA out of memory at batch 64 |");
    expect(table).toContain("Best run: run-2, accuracy 0.911 vs the paper's 0.913 (−0.002).");

    const shown = await plugin.runTool("intern_results", {});
    expect(text(shown)).toBe(table);

    // The same id again replaces the run.
    const again = await plugin.runTool("intern_record_run", {
      id: "run-1",
      params: { learning_rate: 5e-5, epochs: 3 },
      metricsFile: "runs/run-1/eval.json",
      notes: "baseline, rerun",
    });
    expect(text(again)).toContain("Replaced run run-1");
    expect(JSON.parse(read("results.json")).runs).toHaveLength(4);
  });

  it("refuses runs whose metrics cannot be read, naming the file", async () => {
    const missing = await plugin.runTool("intern_record_run", { id: "r", metricsFile: "runs/none.json" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^Metrics file .*runs\/none\.json does not exist/);

    put("runs/bad.json", "{accuracy: 0.9");
    const broken = await plugin.runTool("intern_record_run", { id: "r", metricsFile: "runs/bad.json" });
    expect(broken.isError).toBe(true);
    expect(text(broken)).toMatch(/^Metrics file .*runs\/bad\.json is not valid JSON/);

    const bare = await plugin.runTool("intern_record_run", { id: "r" });
    expect(bare.isError).toBe(true);
    expect(text(bare)).toContain("Run r has no metricsFile");

    put("runs/words.json", '{"accuracy": "high"}');
    const words = await plugin.runTool("intern_record_run", { id: "r", metricsFile: "runs/words.json" });
    expect(text(words)).toMatch(/runs\/words\.json has no numeric metrics/);
  });

  it("writes a model card whose metadata is the Hub's model-index, with numbers from the file", async () => {
    put("model/config.json", '{"model_type": "distilbert"}');
    const result = await plugin.runTool("intern_model_card", cardArgs);
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toBe(
      "Wrote the model card model/README.md: accuracy 0.911 (paper 0.913), loss 0.27 on stanfordnlp/sst2 (validation), library transformers. eval_accuracy, eval_loss do not say their split: the card says validation, as dataset.split does; make sure that is the split evaluated. Upload the folder with it.",
    );
    const card = read("model/README.md");
    const [, front, body] = card.split(/^---$/m);
    expect(parse(front!)).toEqual({
      license: "apache-2.0",
      base_model: "distilbert-base-uncased",
      datasets: ["stanfordnlp/sst2"],
      tags: ["text-classification", "reproduction"],
      library_name: "transformers",
      pipeline_tag: "text-classification",
      "model-index": [
        {
          name: "ada/distilbert-sst2-repro",
          results: [
            {
              task: { type: "text-classification", name: "Text Classification" },
              dataset: { type: "stanfordnlp/sst2", name: "SST-2", split: "validation" },
              metrics: [
                { type: "accuracy", value: 0.911, name: "Accuracy" },
                { type: "loss", value: 0.27, name: "Loss" },
              ],
            },
          ],
        },
      ],
    });
    expect(front).toContain("model-index:\n- name: ada/distilbert-sst2-repro\n  results:\n  - task:\n");
    expect(body).toContain("# ada/distilbert-sst2-repro");
    expect(body).toContain("- Paper: [DistilBERT](https://arxiv.org/abs/1910.01108)");
    expect(body).toContain("| learning_rate | 0.00003 |");
    expect(body).toContain("| accuracy | validation | 0.911 | 0.913 | −0.002 |");
    expect(body).toContain("| loss | validation | 0.27 | | |");
    // Every recorded run, from results.json.
    expect(body).toContain("### Every run");
    expect(body).toContain("| run-3 | diverged | non-finite | non-finite |");
    expect(body).toContain('pipe = pipeline("text-classification", model="ada/distilbert-sst2-repro")');
    expect(body).toContain("## Limitations");
  });

  it("publishes only the metrics asked for", async () => {
    const result = await plugin.runTool("intern_model_card", { ...cardArgs, metrics: ["accuracy"] });
    expect(result.isError, text(result)).toBeFalsy();
    expect(result.details).toMatchObject({ metrics: { accuracy: 0.911 } });
    const front = read("model/README.md").split(/^---$/m)[1]!;
    expect(parse(front)["model-index"][0].results[0].metrics).toEqual([
      { type: "accuracy", value: 0.911, name: "Accuracy" },
    ]);
    const unknown = await plugin.runTool("intern_model_card", { ...cardArgs, metrics: ["f1"] });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/runs\/run-2\/eval\.json has no f1; it has accuracy, loss\./);
  });

  it("refuses a card from a missing, broken or NaN metrics file, naming it", async () => {
    const missing = await plugin.runTool("intern_model_card", { ...cardArgs, metricsFile: "runs/gone.json" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^Metrics file .*runs\/gone\.json does not exist/);

    const broken = await plugin.runTool("intern_model_card", { ...cardArgs, metricsFile: "runs/bad.json" });
    expect(broken.isError).toBe(true);
    expect(text(broken)).toMatch(/runs\/bad\.json is not valid JSON/);

    const nan = await plugin.runTool("intern_model_card", { ...cardArgs, metricsFile: "runs/run-3/eval.json" });
    expect(nan.isError).toBe(true);
    expect(text(nan)).toMatch(
      /runs\/run-3\/eval\.json has non-finite values \(accuracy=NaN, loss=inf\): the run diverged/,
    );

    const noFolder = await plugin.runTool("intern_model_card", { ...cardArgs, folder: "nowhere" });
    expect(noFolder.isError).toBe(true);
    expect(text(noFolder)).toContain("nowhere is not a folder");

    const noResults = await plugin.runTool("intern_model_card", { ...cardArgs, resultsFile: "other.json" });
    expect(noResults.isError).toBe(true);
    expect(text(noResults)).toMatch(/Results file .*other\.json does not exist/);
  });

  it("writes only inside the workspace", async () => {
    const outside = await plugin.runTool("intern_record_run", {
      id: "x",
      status: "failed",
      resultsFile: "/etc/pincer-results.json",
    });
    expect(outside.isError).toBe(true);
  });
});
