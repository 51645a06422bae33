// Writes cassettes/ml-intern-demo.jsonl: the recorded engineer behind `pincer intern demo`. Kept as
// a script so the cassette can be regenerated and reviewed as code:
//   node plugins/provider-replay/scripts/make-ml-intern-demo.mjs
// Only the model's words and tool arguments are recorded; every tool result in the demo is live,
// and each call's `expect` checks that the real tools answered what the recording assumed.
// The training script is plugins/ml-intern/demo/train.py, read from there.
import { readFileSync, writeFileSync } from "node:fs";

const trainPy = readFileSync(new URL("../../ml-intern/demo/train.py", import.meta.url), "utf8");
const PAPER = "2607.00042";
const DATASET = "local/tiny-reviews";
const REPO = "local/tiny-reviews-mlp";
const PAPER_TITLE = "Bag-of-Words MLPs Are Enough for Tiny Reviews";

function text(value) {
  const words = value.split(/(?<= )/);
  const events = [];
  for (let i = 0; i < words.length; i += 3) events.push({ type: "text_delta", text: words.slice(i, i + 3).join("") });
  return events;
}

let callNumber = 0;
function calls(...list) {
  return list.flatMap(([name, args], index) => {
    const json = JSON.stringify(args);
    const pieces = [];
    for (let i = 0; i < json.length; i += 64) pieces.push(json.slice(i, i + 64));
    return [
      { type: "toolcall_start", index, id: `call_${++callNumber}_${name}`, name },
      ...pieces.map((argumentsDelta) => ({ type: "toolcall_delta", index, argumentsDelta })),
      { type: "toolcall_end", index },
    ];
  });
}

const usage = (input, output) => ({ type: "usage", usage: { input, output, cacheRead: 0, cacheWrite: 0 } });
const stop = (reason) => ({ type: "stop", reason });
const step = (expect, say, toolCalls, input, output) => ({
  type: "call",
  ...(expect ? { expect: { lastToolResultIncludes: expect } } : {}),
  events: [...text(say), ...calls(...toolCalls), usage(input, output), stop("toolUse")],
});

const plan = (doing) => {
  const items = [
    "Read the paper: model, training setup, reported accuracy",
    "Inspect local/tiny-reviews: columns, splits, format",
    "Download the train and test CSV into data/ (commands here have no network)",
    "Write train.py (bag-of-words MLP, metrics.json on the test split)",
    "Smoke test on 64 rows, 1 epoch",
    "Full run with the paper's settings",
    "Evaluate against the paper's 0.83 and record the run",
    "Write the model card from metrics.json",
    `Publish ${REPO} and check the upload`,
  ];
  return {
    todos: items.map((content, i) => ({
      content,
      status: i < doing ? "completed" : i === doing ? "in_progress" : "pending",
    })),
  };
};

const usageSnippet = `import json, re, torch
from torch import nn

vocab = json.load(open("vocab.json"))
model = nn.Sequential(nn.Linear(len(vocab), 32), nn.ReLU(), nn.Linear(32, 2))
model.load_state_dict(torch.load("model.pt"))
x = torch.zeros(1, len(vocab))
for word in re.findall(r"[a-z']+", "The battery is really reliable!".lower()):
    if word in vocab:
        x[0, vocab[word]] += 1
print(["negative", "positive"][model(x).argmax().item()])`;

const lines = [
  {
    type: "cassette",
    version: 1,
    description:
      "An ML engineer reproduces a small paper: reads it, inspects the dataset, downloads its splits into the workspace, writes a PyTorch training script, smoke-tests it, trains and evaluates on CPU, records the run, writes the model card and publishes the model to the local Hub. Recorded for `pincer intern demo`.",
  },
  {
    ...step(
      undefined,
      `I'll start with the paper, ${PAPER}: first its sections, then the method and the reported result.`,
      [["hf_papers_read", { paper: PAPER }]],
      5200,
      60,
    ),
    request: { lastMessage: `Reproduce the result of arXiv:${PAPER} …` },
  },
  step(
    "Results",
    "The method and the results are what a reproduction needs; reading both.",
    [
      ["hf_papers_read", { paper: PAPER, section: "Method" }],
      ["hf_papers_read", { paper: PAPER, section: "Results" }],
    ],
    5900,
    70,
  ),
  step(
    "0.83",
    "The paper trains Linear(57 → 32), ReLU, Linear(32 → 2) on bag-of-words counts with Adam (lr 0.01, batch 64, 8 epochs, seed 0) and reports 0.83 test accuracy. Next, the dataset: do its columns fit text classification?",
    [["hf_dataset_inspect", { dataset: DATASET, check: "classification" }]],
    7400,
    90,
  ),
  step(
    "fits",
    "text and label are there, with train and test splits; test is the held-out split I'll evaluate on. The plan:",
    [["todo", plan(2)]],
    8300,
    280,
  ),
  step(
    "[>]",
    "The commands I run have no network, so the splits come into the workspace first: the dataset's CSV files into data/, where the training script will read them.",
    [["hf_download", { repo: DATASET, type: "dataset", patterns: ["*.csv"], localDir: "data" }]],
    8700,
    90,
  ),
  step(
    "./data/train.csv",
    "Both splits are in data/ (the card stayed on the Hub). train.py reads data/{train,test}.csv, builds the vocabulary from train only, trains with the paper's settings and writes the weights, the vocabulary and metrics.json into --out. It stops with a clear message if the loss stops being finite.",
    [
      ["todo", plan(3)],
      ["write", { path: "train.py", content: trainPy }],
    ],
    9300,
    1500,
  ),
  step(
    "train.py",
    "Smoke test first: 64 rows, 1 epoch, into runs/smoke.",
    [
      [
        "bash",
        {
          command: "/usr/bin/python3 train.py --limit 64 --epochs 1 --out runs/smoke",
          description: "Smoke test on 64 rows",
        },
      ],
    ],
    10500,
    70,
  ),
  step(
    "exit code 0",
    "It goes end to end. Training takes seconds on this CPU, so the full run goes here with bash rather than as a job: all 1,600 rows, 8 epochs, into model/.",
    [
      ["todo", plan(5)],
      ["bash", { command: "/usr/bin/python3 train.py --out model", description: "Full training run" }],
    ],
    11200,
    300,
  ),
  step(
    '"accuracy"',
    "Trained. The evaluation on the held-out test split is in model/metrics.json:",
    [["read", { path: "model/metrics.json" }]],
    12300,
    40,
  ),
  step(
    "accuracy",
    "Recording the run against the paper's number:",
    [
      ["todo", plan(6)],
      [
        "intern_record_run",
        {
          id: "mlp-bow",
          params: { hidden: 32, learning_rate: 0.01, batch_size: 64, epochs: 8, seed: 0 },
          metricsFile: "model/metrics.json",
          notes: "The paper's settings (section 2), trained on CPU; evaluated on the test split.",
          paper: { title: PAPER_TITLE, metrics: { accuracy: 0.83 } },
          primaryMetric: "accuracy",
        },
      ],
    ],
    12800,
    330,
  ),
  step(
    "mlp-bow",
    "Now the model card, with its numbers read from model/metrics.json:",
    [
      ["todo", plan(7)],
      [
        "intern_model_card",
        {
          folder: "model",
          name: REPO,
          license: "mit",
          datasets: [DATASET],
          tags: ["sentiment", "bag-of-words", "pytorch", "pincer-intern"],
          libraryName: "pytorch",
          pipelineTag: "text-classification",
          task: { type: "text-classification", name: "Sentiment classification" },
          dataset: { type: DATASET, name: "tiny-reviews", split: "test" },
          metricsFile: "model/metrics.json",
          metrics: ["accuracy"],
          summary:
            "A 2-layer MLP over bag-of-words counts that classifies short product reviews as positive or negative, reproducing arXiv:2607.00042.",
          paper: {
            id: PAPER,
            title: PAPER_TITLE,
            url: `https://huggingface.co/papers/${PAPER}`,
            metrics: { accuracy: 0.83 },
          },
          trainingData: "local/tiny-reviews, train split (1,600 rows); vocabulary of lower-cased words from it.",
          hyperparameters: { hidden: 32, optimizer: "adam", learning_rate: 0.01, batch_size: 64, epochs: 8, seed: 0 },
          usage: usageSnippet,
          limitations:
            "Bag-of-words counts cannot tell which clause a 'not' negates; the dataset is synthetic and its labels carry 6% noise.",
        },
      ],
    ],
    13900,
    820,
  ),
  step(
    "README.md",
    `Publishing: the model repo ${REPO}, then the model folder (weights, vocabulary, metrics, card) and the results table.`,
    [
      ["todo", plan(8)],
      ["hf_create_repo", { name: REPO }],
    ],
    15100,
    240,
  ),
  step(
    "tiny-reviews-mlp",
    "Uploading:",
    [
      ["hf_upload_folder", { repo: REPO, localPath: "model", message: "Model, vocabulary, metrics and card" }],
      ["hf_upload_file", { repo: REPO, path: "results.md", localPath: "results.md" }],
      ["hf_upload_file", { repo: REPO, path: "results.json", localPath: "results.json" }],
    ],
    15600,
    150,
  ),
  step("results.json", "Checking what the repo holds:", [["hf_repo_files", { repo: REPO }]], 16300, 40),
  {
    type: "call",
    expect: { lastToolResultIncludes: "model.pt" },
    events: [...calls(["todo", plan(9)]), usage(16700, 260), stop("toolUse")],
  },
  {
    type: "call",
    expect: { lastToolResultIncludes: "(9/9 done)" },
    events: [
      ...text(
        `Done. I reproduced ${PAPER} on ${DATASET}: the paper's 2-layer bag-of-words MLP, trained on this CPU with its settings, evaluated on the held-out test split. The data came from the Hub with hf_download (data/train.csv, data/test.csv). The accuracy is in results.md next to the paper's 0.83, and in the model card's model-index, both read from model/metrics.json. Published: ${REPO} (model.pt, vocab.json, metrics.json, README.md, results.md, results.json). Nothing was changed from the paper's setup, and nothing was spent: training ran locally.`,
      ),
      usage(17100, 150),
      stop("stop"),
    ],
  },
];

writeFileSync(
  new URL("../cassettes/ml-intern-demo.jsonl", import.meta.url),
  `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`,
);
