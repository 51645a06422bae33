import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadedPlugin, loadPlugin } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LIGHTEVAL, LM_EVAL } from "./eval-output.fixture.js";

let workspace: string;
let plugin: LoadedPlugin;
const HUB = "http://127.0.0.1:7358";

const text = (result: { content: unknown }): string => String(result.content);
const put = (path: string, content: string) => {
  mkdirSync(join(workspace, path, ".."), { recursive: true });
  writeFileSync(join(workspace, path), content);
};
const read = (path: string) => readFileSync(join(workspace, path), "utf8");
const front = (path: string) => parse(read(path).split(/^---$/m)[1] as string);
const body = (path: string) => read(path).split(/^---$/m).slice(2).join("---");

const base = {
  name: "ada/adult-income-gbm",
  license: "mit",
  task: { type: "tabular-classification" },
  dataset: { type: "ada/adult", name: "Adult", split: "test" },
  summary: "Gradient boosting on the Adult census data.",
};

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), "pincer-ml-intern-honest-"));
  plugin = await loadPlugin(new URL("..", import.meta.url), {
    cwd: workspace,
    env: { HF_ENDPOINT: HUB },
    shipsWithPincer: true,
  });
});

afterAll(() => {
  plugin?.dispose();
  rmSync(workspace, { recursive: true, force: true });
});

describe("honest metrics in the model card", () => {
  it("refuses to call a validation number a test number, and publishes each metric under its own split", async () => {
    put("gbm/model.joblib", "pickled");
    put("runs/val-only.json", '{"val_accuracy": 0.99}');
    const refused = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/val-only.json",
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(
      /runs\/val-only\.json has no test metrics: val_accuracy is on the validation split\. The card would call it a test number: evaluate on the test split and give that file, or set dataset\.split to "validation"\.$/,
    );

    put("runs/both.json", '{"val_accuracy": 0.87, "test_accuracy": 0.8612, "train_loss": 0.1, "epochs": 3}');
    const ok = await plugin.runTool("intern_model_card", { ...base, folder: "gbm", metricsFile: "runs/both.json" });
    expect(ok.isError, text(ok)).toBeFalsy();
    const results = front("gbm/README.md")["model-index"][0].results;
    expect(
      results.map((r: { dataset: { split: string }; metrics: { type: string; value: number }[] }) => [
        r.dataset.split,
        r.metrics,
      ]),
    ).toEqual([
      ["validation", [{ type: "accuracy", value: 0.87, name: "Accuracy" }]],
      ["test", [{ type: "accuracy", value: 0.8612, name: "Accuracy" }]],
    ]);
    expect(body("gbm/README.md")).toContain("| accuracy | validation | 0.87 |");
    expect(body("gbm/README.md")).toContain("| accuracy | test | 0.8612 |");
  });

  it("infers the library from what was saved and imported; no base-model words without one; links to the Hub it is on", async () => {
    put("train.py", "import pandas as pd\nfrom sklearn.ensemble import GradientBoostingClassifier\nimport joblib\n");
    put("runs/test.json", '{"accuracy": 0.8612, "f1": 0.7}');
    const result = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/test.json",
      datasets: ["ada/adult"],
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(front("gbm/README.md").library_name).toBe("sklearn");
    expect(front("gbm/README.md")).not.toHaveProperty("base_model");
    const card = body("gbm/README.md");
    expect(card).not.toMatch(/base model/i);
    expect(card).not.toContain("huggingface.co");
    expect(card).toContain(`- Datasets: [ada/adult](${HUB}/datasets/ada/adult)`);
    expect(card).toContain(`# The model is on the Hub at ${HUB}: run with HF_ENDPOINT=${HUB}`);
    expect(card).toContain('model = joblib.load(hf_hub_download("ada/adult-income-gbm", "model.joblib"))');

    // A PyTorch model that uses sklearn only for its metrics is pytorch.
    put("net/model.pt", "weights");
    put("train_net.py", "import torch\nfrom sklearn.metrics import f1_score\n");
    await plugin.runTool("intern_model_card", {
      ...base,
      folder: "net",
      metricsFile: "runs/test.json",
      reproduce: { trainingScript: "train_net.py" },
    });
    expect(front("net/README.md").library_name).toBe("pytorch");
    // Nothing telling: no library named at all.
    put("bare/weights.npz", "x");
    await plugin.runTool("intern_model_card", { ...base, folder: "bare", metricsFile: "runs/test.json" });
    expect(front("bare/README.md")).not.toHaveProperty("library_name");
  });

  it("links the scripts, config, seeds, package versions and data revision, copied into the model folder", async () => {
    put("configs/gbm.yaml", "learning_rate: 0.1\nn_estimators: 200\n");
    put("requirements.txt", "scikit-learn==1.5.2\npandas==2.2.3  # data\nnumpy>=1.26\n");
    put("gbm/config.yaml", "something else the model needs\n");
    const result = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/test.json",
      dataset: { ...base.dataset, revision: "0123456789abcdef0123456789abcdef01234567" },
      reproduce: {
        trainingScript: "train.py",
        config: "configs/gbm.yaml",
        requirements: "requirements.txt",
        command: "python train.py --config gbm.yaml --seed 1",
        seeds: [1],
      },
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("It links train.py, gbm.yaml, requirements.txt.");
    expect(read("gbm/train.py")).toBe(read("train.py"));
    expect(read("gbm/gbm.yaml")).toBe(read("configs/gbm.yaml"));
    const card = body("gbm/README.md");
    expect(card).toContain("## Reproducing it");
    expect(card).toContain("- Training script: [train.py](train.py)");
    expect(card).toContain("- Config: [gbm.yaml](gbm.yaml)");
    expect(card).toContain("- Requirements: [requirements.txt](requirements.txt)");
    expect(card).toContain("- Command: `python train.py --config gbm.yaml --seed 1`");
    expect(card).toContain("- Seeds: 1");
    expect(card).toContain(
      `- Data: [ada/adult@0123456789abcdef0123456789abcdef01234567](${HUB}/datasets/ada/adult/tree/0123456789abcdef0123456789abcdef01234567)`,
    );
    expect(card).toContain("| scikit-learn | 1.5.2 |");
    expect(card).toContain("| pandas | 2.2.3 |");
    expect(front("gbm/README.md")["model-index"][0].results[0].dataset.revision).toBe(
      "0123456789abcdef0123456789abcdef01234567",
    );
    // A name already taken by a different file in the folder: the copy goes under training/.
    put("config.yaml", "the training config\n");
    await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/test.json",
      reproduce: { config: "config.yaml" },
    });
    expect(read("gbm/config.yaml")).toBe("something else the model needs\n");
    expect(read("gbm/training/config.yaml")).toBe("the training config\n");
    const missing = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/test.json",
      reproduce: { evalScript: "nope.py" },
    });
    expect(text(missing)).toBe("The evaluation script nope.py is not a file in the workspace.");
  });

  it("reports several seeds as mean ± std", async () => {
    put("runs/s1.json", '{"test_accuracy": 0.85}');
    put("runs/s2.json", '{"test_accuracy": 0.86}');
    put("runs/s3.json", '{"test_accuracy": 0.87}');
    const result = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "gbm",
      metricsFile: "runs/s1.json",
      seedMetricsFiles: ["runs/s2.json", "runs/s3.json"],
    });
    expect(result.isError, text(result)).toBeFalsy();
    expect(text(result)).toContain("accuracy 0.86 ± 0.01");
    expect(front("gbm/README.md")["model-index"][0].results[0].metrics[0].value).toBeCloseTo(0.86, 10);
    const card = body("gbm/README.md");
    expect(card).toContain("Each value is the mean ± standard deviation over 3 seeds (one metrics file each).");
    expect(card).toContain("| accuracy | test | 0.86 ± 0.01 |");
  });

  it("accepts lm-evaluation-harness and lighteval results, one model-index entry per task", async () => {
    put("lm/config.json", '{"model_type": "gpt2"}');
    put("eval/lm-eval.json", JSON.stringify(LM_EVAL));
    const lm = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "lm",
      task: { type: "text-generation" },
      dataset: { type: "openai/gsm8k", split: "test" },
      metricsFile: "eval/lm-eval.json",
    });
    expect(lm.isError, text(lm)).toBeFalsy();
    const results = front("lm/README.md")["model-index"][0].results;
    expect(results.map((r: { dataset: Record<string, string> }) => r.dataset)).toEqual([
      { type: "Rowan/hellaswag", name: "hellaswag", split: "validation" },
      { type: "openai/gsm8k", name: "gsm8k", config: "main", split: "test" },
    ]);
    expect(body("lm/README.md")).toContain("| hellaswag/acc_norm | validation | 0.6543 ± 0.0047 |");
    expect(body("lm/README.md")).toContain("± is the evaluation harness's standard error.");
    put("eval/lighteval.json", JSON.stringify(LIGHTEVAL));
    const light = await plugin.runTool("intern_model_card", {
      ...base,
      folder: "lm",
      task: { type: "text-generation" },
      dataset: { type: "allenai/ai2_arc", split: "test" },
      metricsFile: "eval/lighteval.json",
    });
    expect(light.isError, text(light)).toBeFalsy();
    expect(front("lm/README.md")["model-index"][0].results[0]).toMatchObject({
      dataset: { type: "allenai/ai2_arc", name: "arc:easy", config: "ARC-Easy", split: "test" },
      metrics: [{ type: "acc", value: 0.7011 }],
    });
  });
});

describe("honest results", () => {
  it("keeps splits apart, shows a setting once, summarises seeds and selects on validation", async () => {
    for (const [seed, val, test] of [
      [1, 0.86, 0.85],
      [2, 0.88, 0.84],
    ] as const) {
      put(`runs/a${seed}.json`, JSON.stringify({ val_accuracy: val, test_accuracy: test, epochs: 5 }));
      await plugin.runTool("intern_record_run", {
        id: `a-seed${seed}`,
        params: { lr: 0.1, epochs: 5, seed },
        metricsFile: `runs/a${seed}.json`,
        resultsFile: "honest/results.json",
      });
    }
    put("runs/b.json", JSON.stringify({ val_accuracy: 0.8, test_accuracy: 0.9 }));
    await plugin.runTool("intern_record_run", {
      id: "b",
      params: { lr: 1, epochs: 5, seed: 1 },
      metricsFile: "runs/b.json",
      resultsFile: "honest/results.json",
      paper: { metrics: { accuracy: 0.86 }, split: "test" },
      primaryMetric: "accuracy",
    });
    const table = read("honest/results.md");
    expect(table).toContain("| Run | Status | lr | epochs | seed | accuracy (validation) | accuracy (test) | Notes |");
    // The evaluation echoed `epochs`: it is the setting, one column.
    expect(
      table
        .split("\n")
        .find((line) => line.startsWith("| Run |"))
        ?.match(/epochs/g),
    ).toHaveLength(1);
    expect(table).toContain("| paper (target) |  |  |  |  |  | 0.86 |  |");
    expect(table).toContain("## Across seeds (mean ± std)");
    expect(table).toContain("| a-seed1, a-seed2 (2 seeds) | 0.1 | 5 | 0.87 ± 0.01414 | 0.845 ± 0.007071 |");
    // b has the best test number, but the selection is on validation.
    expect(table).toContain("Best run: a-seed2, accuracy (validation) 0.88.");
    // A metric named like a setting the evaluation echoed is the setting, shown once.
    put("runs/tree.json", JSON.stringify({ max_depth: 4, accuracy: 0.9 }));
    await plugin.runTool("intern_record_run", {
      id: "tree",
      params: { max_depth: 4 },
      metricsFile: "runs/tree.json",
      resultsFile: "tree/results.json",
    });
    expect(read("tree/results.md")).toContain("| Run | Status | max_depth | accuracy | Notes |");
    const results = JSON.parse(read("honest/results.json"));
    expect(results.runs[0].measures).toEqual({
      "accuracy (validation)": { name: "accuracy", split: "validation" },
      "accuracy (test)": { name: "accuracy", split: "test" },
    });
  });

  it("a lower-is-better metric on the test split: the paper's numbers in both tables, MAE spelt as initials, no selection warning for a single run", async () => {
    put("ridge/model.joblib", "pickled");
    put("ridge/metrics.json", JSON.stringify({ split: "test", mae: 9.7424, rmse: 11.8368 }));
    const paper = { title: "A Tuned Linear Baseline", metrics: { mae: 9.8, rmse: 12 }, split: "test" };
    await plugin.runTool("intern_record_run", {
      id: "ridge",
      metricsFile: "ridge/metrics.json",
      paper,
      primaryMetric: "mae",
      resultsFile: "ridge/results.json",
    });
    // One run: nothing was selected, so nothing was selected on the test split.
    expect(read("ridge/results.md")).toContain(
      "Best run: ridge, mae (test) 9.742 vs the paper's 9.8 (−0.0576, lower is better).\n",
    );
    const card = await plugin.runTool("intern_model_card", {
      ...base,
      name: "ada/housing-ridge",
      task: { type: "tabular-regression" },
      dataset: { type: "ada/housing", split: "test" },
      folder: "ridge",
      metricsFile: "ridge/metrics.json",
      resultsFile: "ridge/results.json",
    });
    expect(card.isError, text(card)).toBeFalsy();
    const metrics = front("ridge/README.md")["model-index"][0].results[0].metrics;
    expect(metrics).toEqual([
      { type: "mae", value: 9.7424, name: "MAE" },
      { type: "rmse", value: 11.8368, name: "RMSE" },
    ]);
    // The runs table's columns carry their split; the paper's row still finds its numbers.
    expect(body("ridge/README.md")).toContain(
      "| Run | Status | mae (test) | rmse (test) | Notes |\n| --- | --- | --- | --- | --- |\n| paper | | 9.8 | 12 | |",
    );

    // A second run measured only on test: picking between them on test is a selection on test.
    put("ridge/metrics-2.json", JSON.stringify({ split: "test", mae: 9.9, rmse: 12.1 }));
    await plugin.runTool("intern_record_run", {
      id: "ridge-2",
      metricsFile: "ridge/metrics-2.json",
      resultsFile: "ridge/results.json",
    });
    expect(read("ridge/results.md")).toContain("Selected on the test split");
  });
});
