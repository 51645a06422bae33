// The recorded engineer of the unseen-task test (intern-unseen.test.ts): a cassette for the replay
// provider, written as code so it reads as what an ML engineer does. Its paper, dataset generator,
// scripts and config are in fixtures/unseen-task. Only the model's words and tool arguments are
// recorded; every tool result is live, and each call's `expect` checks that the real tools answered
// what the recording assumed (a replay that diverges stops there, naming it).
import { readFileSync } from "node:fs";

const here = (name: string) => readFileSync(new URL(`fixtures/unseen-task/${name}`, import.meta.url), "utf8");

export const PAPER = "2612.00077";
export const PAPER_TITLE = "A Tuned Linear Baseline for Tiny Housing";
export const DATASET = "local/tiny-housing";
export const REPO = "local/tiny-housing-ridge";
export const TASK = `Reproduce arXiv:${PAPER} ("${PAPER_TITLE}") on the Hub dataset ${DATASET}: train as a Hugging Face Job (hf_job_run), evaluate on the held-out test split, and publish the model with its card and the scripts as ${REPO}.`;
/** The paper's numbers on the test split (its table). */
export const PAPER_METRICS = { mae: 9.8, rmse: 12.0 };
/** The command the card says trained the model (the job ran the same script on the same files). */
export const TRAIN_COMMAND = "python3 train.py --data data --config config.json --out model";

/** What the job runs: the workspace's own train.py, on the inputs handed to it, writing to its outputs. */
const JOB_SCRIPT = [
  "import os, runpy, sys",
  'inputs, outputs = os.environ["PINCER_INPUTS"], os.environ["PINCER_OUTPUTS"]',
  'sys.argv = ["train.py", "--data", os.path.join(inputs, "data"), "--config", os.path.join(inputs, "config.json"), "--out", outputs]',
  'runpy.run_path(os.path.join(inputs, "train.py"), run_name="__main__")',
].join("\n");

function text(value: string) {
  const words = value.split(/(?<= )/);
  const events = [];
  for (let i = 0; i < words.length; i += 3) events.push({ type: "text_delta", text: words.slice(i, i + 3).join("") });
  return events;
}

let callNumber = 0;
function calls(...list: Array<[string, Record<string, unknown>]>) {
  return list.flatMap(([name, args], index) => {
    const json = JSON.stringify(args);
    const pieces = [];
    // A {{placeholder}} (a value captured from a live result) must lie within one delta.
    const size = json.includes("{{") ? json.length : 64;
    for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
    return [
      { type: "toolcall_start", index, id: `call_${++callNumber}_${name}`, name },
      ...pieces.map((argumentsDelta) => ({ type: "toolcall_delta", index, argumentsDelta })),
      { type: "toolcall_end", index },
    ];
  });
}

const usage = (input: number, output: number) => ({
  type: "usage",
  usage: { input, output, cacheRead: 0, cacheWrite: 0 },
});
const step = (
  expect: string | undefined,
  say: string,
  toolCalls: Array<[string, Record<string, unknown>]>,
  input: number,
  output: number,
  capture?: Record<string, string>,
) => ({
  type: "call",
  ...(expect ? { expect: { lastToolResultIncludes: expect } } : {}),
  ...(capture ? { capture } : {}),
  events: [...text(say), ...calls(...toolCalls), usage(input, output), { type: "stop", reason: "toolUse" }],
});

const PLAN = [
  "Read the paper: model, tuning protocol, reported test MAE",
  `Inspect ${DATASET}: columns, splits, does it fit regression on price`,
  "Download the splits into data/ (commands here have no network)",
  "Write config.json, train.py (alpha chosen on validation only) and eval.py (test split, no training)",
  "Train once, as a job: inputs from the workspace, the model back into model/",
  "Evaluate the job's model on the test split and record the run against the paper",
  "Write the model card from model/metrics.json, with the scripts, config and requirements",
  `Publish ${REPO} and check what the repo holds`,
];
const plan = (doing: number) => ({
  todos: PLAN.map((content, i) => ({
    content,
    status: i < doing ? "completed" : i === doing ? "in_progress" : "pending",
  })),
});

const usageSnippet = `import csv, joblib, numpy as np
from huggingface_hub import hf_hub_download

model = joblib.load(hf_hub_download("${REPO}", "model.joblib"))
# rooms, age, distance_km, income_k, garden
print(model.predict(np.array([[4, 30, 5.5, 80.0, 1]])))`;

/** The cassette's lines (JSONL once joined). */
export function unseenTaskCassette(): string {
  callNumber = 0;
  const lines: unknown[] = [
    {
      type: "cassette",
      version: 1,
      description:
        "An ML engineer on a task it was not built for: reads a paper claiming a test MAE, inspects a tabular regression dataset, writes train.py/eval.py/config.json, trains once as a job (inputs from the workspace, outputs synced back), evaluates the job's model on the test split, records the run, writes the card with the scripts and publishes. Recorded for intern-unseen.test.ts.",
    },
    step(
      undefined,
      `Starting with the paper, ${PAPER}: its sections first.`,
      [["hf_papers_read", { paper: PAPER }]],
      5100,
      50,
    ),
    step(
      "Results",
      "The method (how alpha is chosen) and the results (the number to match) are what I need.",
      [
        ["hf_papers_read", { paper: PAPER, section: "Method" }],
        ["hf_papers_read", { paper: PAPER, section: "Results" }],
      ],
      5800,
      60,
    ),
    step(
      "9.8",
      "Standardised ridge, alpha from {0.01, 0.1, 1, 10, 100} by validation MAE, test MAE 9.8 (RMSE 12.0). Does the dataset fit regression on price?",
      [["hf_dataset_inspect", { dataset: DATASET, check: "regression", target: "price" }]],
      7000,
      80,
    ),
    step(
      "fits",
      "price is numeric and there are train, validation and test splits: validation chooses alpha, test is touched once. The plan, then the data into data/:",
      [
        ["todo", plan(2)],
        ["hf_download", { repo: DATASET, type: "dataset", patterns: ["*.csv"], localDir: "data" }],
      ],
      8200,
      300,
    ),
    step(
      "./data/validation.csv",
      "The config holds everything the run depends on; train.py reads train and validation only and keeps the alpha with the lowest validation MAE; eval.py only loads a saved model and scores one split.",
      [
        ["todo", plan(3)],
        ["write", { path: "config.json", content: here("config.json") }],
        ["write", { path: "train.py", content: here("train.py") }],
        ["write", { path: "eval.py", content: here("eval.py") }],
      ],
      9100,
      1400,
      // The dataset's commit, for the card: the data revision the model was trained and evaluated on.
      { revision: "at main \\(([0-9a-f]{40})\\)" },
    ),
    step(
      "eval.py",
      "A syntax check before spending a job on it (no training here):",
      [
        [
          "bash",
          { command: "/usr/bin/python3 -m py_compile train.py eval.py", description: "Check both scripts compile" },
        ],
      ],
      10800,
      60,
    ),
    step(
      "exit code 0",
      "Training runs once, as a job: train.py, config.json and data/ go in read-only, and what it writes comes back into model/ when it ends.",
      [
        ["todo", plan(4)],
        [
          "hf_job_run",
          { script: JOB_SCRIPT, inputs: ["train.py", "config.json", "data"], outputs: "model", timeoutSeconds: 600 },
        ],
      ],
      11400,
      260,
    ),
    step(
      "Started job",
      "Started. Waiting for it to end (its log streams meanwhile):",
      [["hf_job_wait", { id: "{{job}}" }]],
      11900,
      60,
      { job: "Started job (\\S+) \\(" },
    ),
    step(
      "copied into model/",
      "The job completed and model/ holds its model.joblib. Evaluating that model on the test split, without training again:",
      [
        ["todo", plan(5)],
        [
          "bash",
          {
            command:
              "/usr/bin/python3 eval.py --model model/model.joblib --data data/test.csv --split test --out model/metrics.json",
            description: "Evaluate the job's model on the test split",
          },
        ],
      ],
      12600,
      140,
    ),
    step(
      '"mae"',
      "Recording the run against the paper's test numbers (validation chose alpha; its MAE is in model/validation.json):",
      [
        [
          "intern_record_run",
          {
            id: "ridge-val-alpha",
            params: { model: "ridge", alphas: "0.01,0.1,1,10,100", selected_on: "validation", seed: 0 },
            metricsFile: "model/metrics.json",
            notes: "Trained once as a job; alpha chosen on the validation split; evaluated on the test split.",
            paper: { title: PAPER_TITLE, metrics: PAPER_METRICS, split: "test" },
            primaryMetric: "mae",
          },
        ],
      ],
      13400,
      300,
    ),
    step(
      "ridge-val-alpha",
      "The card, its numbers read from model/metrics.json, with the scripts, the config and the job's package versions:",
      [
        ["todo", plan(6)],
        [
          "intern_model_card",
          {
            folder: "model",
            name: REPO,
            license: "mit",
            datasets: [DATASET],
            tags: ["tabular-regression", "ridge", "pincer-intern"],
            pipelineTag: "tabular-regression",
            task: { type: "tabular-regression", name: "House price regression" },
            dataset: { type: DATASET, name: "tiny-housing", split: "test", revision: "{{revision}}" },
            metricsFile: "model/metrics.json",
            metrics: ["mae", "rmse"],
            summary: `A standardised ridge regression predicting house prices (k$) on ${DATASET}, its alpha chosen on the validation split, reproducing arXiv:${PAPER}.`,
            paper: { id: PAPER, title: PAPER_TITLE, metrics: PAPER_METRICS },
            trainingData: `${DATASET}, train split (400 rows); alpha chosen on the validation split (100 rows).`,
            hyperparameters: { model: "ridge", alpha_grid: "0.01, 0.1, 1, 10, 100", selection: "validation MAE" },
            usage: usageSnippet,
            reproduce: {
              trainingScript: "train.py",
              evalScript: "eval.py",
              config: "config.json",
              requirements: "model/requirements.txt",
              command: TRAIN_COMMAND,
              seeds: [0],
            },
          },
        ],
      ],
      14500,
      900,
    ),
    step(
      "README.md",
      `Publishing: the repo ${REPO}, then the model folder and the results table.`,
      [
        ["todo", plan(7)],
        ["hf_create_repo", { name: REPO }],
      ],
      15700,
      120,
    ),
    step(
      "tiny-housing-ridge",
      "Uploading:",
      [
        ["hf_upload_folder", { repo: REPO, localPath: "model", message: "Model, card, scripts and metrics" }],
        ["hf_upload_file", { repo: REPO, path: "results.md", localPath: "results.md" }],
        ["hf_upload_file", { repo: REPO, path: "results.json", localPath: "results.json" }],
      ],
      16200,
      150,
    ),
    step("results.json", "Checking what the repo holds:", [["hf_repo_files", { repo: REPO }]], 16900, 40),
    {
      type: "call",
      expect: { lastToolResultIncludes: "train.py" },
      events: [...calls(["todo", plan(8)]), usage(17300, 240), { type: "stop", reason: "toolUse" }],
    },
    {
      type: "call",
      expect: { lastToolResultIncludes: "(8/8 done)" },
      events: [
        ...text(
          `Done. I reproduced arXiv:${PAPER} on ${DATASET}: ridge regression, alpha chosen on the validation split, trained once as a job whose model came back into model/, evaluated on the test split with eval.py. The test MAE and RMSE are in results.md next to the paper's 9.8 and 12.0, and in the card's model-index, both read from model/metrics.json. Published: ${REPO} (model.joblib, the card, metrics.json, validation.json, train.py, eval.py, config.json, requirements.txt, results.md, results.json).`,
        ),
        usage(17700, 160),
        { type: "stop", reason: "stop" },
      ],
    },
  ];
  return `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;
}
