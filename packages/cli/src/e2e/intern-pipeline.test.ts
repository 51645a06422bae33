import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalHub, startLocalHub } from "@pincer/hub";
import { type ChatRequestBody, type OpenAIScript, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";

// `pincer intern run <pipeline.yaml>` as a user runs it: the built CLI, a scripted engineer (the
// OpenAI loopback server) that uses the real write and bash tools to run tiny Python scripts, and
// a local Hub the selected run is published to.

const token = "hf_e2e_intern_pipeline_token_3";
const user = "ada";
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let hub: LocalHub;
let hubDir: string;
beforeAll(async () => {
  server = await startOpenAIServer();
  hubDir = mkdtempSync(join(tmpdir(), "pincer-e2e-intern-pipeline-hub-"));
  hub = await startLocalHub({ dir: hubDir, token, user });
});
afterAll(async () => {
  await server.close();
  await hub.close();
  rmSync(hubDir, { recursive: true, force: true });
});

const env = () => ({
  OPENAI_API_KEY: "sk-test-e2e-key-123456",
  OPENAI_BASE_URL: server.url,
  HF_ENDPOINT: hub.url,
  HF_TOKEN: token,
});

describe("pincer intern run <pipeline.yaml>", () => {
  it("a file with mistakes: exit 2, every mistake with its line and column, no model called", async () => {
    using box = sandbox(env());
    writeFileSync(
      join(box.cwd, "pipeline.yaml"),
      [
        "name: sweep",
        "task: Train a classifier",
        "model: ada/sweep-model",
        "metric: { name: accuracy, goal: maximise }",
        "repairs: 9",
        "stages:",
        "  - id: prepare",
        "    kind: data",
        "    outputs: [data/train.csv]",
        "  - id: train",
        "    kind: training",
        "  - id: prepare",
        "    kind: custom",
        "    promt: Clean the data",
        "",
      ].join("\n"),
    );
    const from = server.requests.length;
    const result = await box.run(["intern", "run", "pipeline.yaml", "--model", "openai/gpt-5", ...RUN_COMMANDS]);
    expect(result.code, result.stdout).toBe(2);
    const file = join(box.cwd, "pipeline.yaml");
    expect(result.stderr).toContain(`${file} has 6 mistakes:\n`);
    expect(result.stderr).toContain(
      `  ${file}:4:33 metric.goal: must be maximize or minimize (did you mean maximize?).\n`,
    );
    expect(result.stderr).toContain(`  ${file}:5:10 repairs: must be a whole number from 0 to 5.\n`);
    expect(result.stderr).toContain(
      `  ${file}:11:11 stages[1].kind: must be one of data, train, eval, select, publish, custom.\n`,
    );
    expect(result.stderr).toContain(
      `  ${file}:12:5 stages[2].prompt: is missing: a custom stage needs a prompt saying what to do.\n`,
    );
    expect(result.stderr).toContain(
      `  ${file}:12:9 stages[2].id: duplicate stage id "prepare" (first used by stages[0]); rename one.\n`,
    );
    expect(result.stderr).toContain(
      `  ${file}:14:5 stages[2].promt: unknown key; did you mean prompt? (the engineer's instructions for this stage)\n`,
    );
    expect(result.stderr).toContain("Fix the file and run it again (see examples/ml-intern/pipeline.yaml).");
    expect(server.requests.length).toBe(from);
    expect(existsSync(join(box.env.PINCER_HOME!, "sessions"))).toBe(false);
  }, 30_000);

  it("a good pipeline: data, a grid of 2 runs, eval, select and publish, with the table, progress and the model on the Hub", async () => {
    using box = sandbox(env());
    const model = `${user}/tiny-threshold`;
    writeFileSync(join(box.cwd, "pipeline.yaml"), pipelineYaml(model));
    const prompts = scriptEngineer();
    const result = await box.run(["intern", "run", "pipeline.yaml", "--model", "openai/gpt-5", ...RUN_COMMANDS]);
    expect(result.code, `${result.stderr}\n${result.stdout.slice(-3000)}`).toBe(0);

    // The runner's own choice: the run whose evaluation has the lowest loss, read from the files.
    const evalLoss = (run: string) =>
      (JSON.parse(readFileSync(join(box.cwd, "runs", run, "eval.json"), "utf8")) as { loss: number }).loss;
    const losses = { "train-1": evalLoss("train-1"), "train-2": evalLoss("train-2") };
    expect(losses["train-2"]).toBeLessThan(losses["train-1"]);
    const results = JSON.parse(readFileSync(join(box.cwd, "results.json"), "utf8"));
    expect(results).toMatchObject({
      pipeline: "tiny-threshold",
      status: "done",
      metric: { name: "loss", goal: "minimize", source: "eval" },
      selected: { run: "train-2", value: losses["train-2"], params: { lr: 1 } },
    });
    expect(results.runs.map((run: { id: string; status: string }) => [run.id, run.status])).toEqual([
      ["train-1", "ok"],
      ["train-2", "ok"],
    ]);
    expect(results.stages.map((stage: { id: string; status: string }) => [stage.id, stage.status])).toEqual([
      ["prepare", "done"],
      ["train", "done"],
      ["eval", "done"],
      ["select", "done"],
      ["publish", "done"],
    ]);
    const markdown = readFileSync(join(box.cwd, "results.md"), "utf8");
    expect(markdown).toMatch(/\| train-2 \| 1 \|.*\| ok \|.*\*\*selected\*\* \|/);
    expect(markdown).toMatch(/\| train-1 \| 0\.01 \|.*\| ok \|/);

    // Progress (on stderr), one line per step, between the tool calls.
    const progress = result.stderr;
    for (const line of [
      "▶ stage 1/5: prepare (data)",
      "▶ stage 2/5: train (train)",
      "  ▷ run 1/2 train-1",
      "  ▷ run 2/2 train-2",
      "▶ stage 3/5: eval (eval)",
      "▶ stage 4/5: select (select)",
      "★ selected train-2: loss = ",
      "■ stage publish: done",
      "✓ pipeline done",
    ])
      expect(progress).toContain(line);
    expect(progress).toMatch(/□ run train-2: ok = 0\.\d+/);
    expect(progress).toContain("● bash /usr/bin/python3 train.py 1 runs/train-2");
    // The final state (on stdout): the summary, the table's place, what was published and the session.
    const out = result.stdout;
    expect(out).toContain(`Pipeline tiny-threshold finished. Selected train-2 (loss `);
    expect(out).toContain(`Results: ${join(box.cwd, "results.md")}`);
    expect(out).toMatch(/✓ finished in [\d.]+s · \d+ model calls/);
    expect(out).toContain(`  model:  ${hub.url}/${model} (runs/train-2/, README.md)`);
    expect(out).toMatch(new RegExp(`uploaded: ${hub.url}/datasets/${user}/pincer-intern-sessions/blob/main/sessions/`));

    // The engineer was told the stage, the run's hyperparameters and the files to leave.
    const train2 = prompts.find((prompt) => prompt.includes('"train" (train), run train-2 (2 of 2)'))!;
    expect(train2).toContain("Hyperparameters of this run: lr=1");
    expect(train2).toContain("- runs/train-2/metrics.json: a JSON object");
    const publish = prompts.find((prompt) => prompt.includes('"publish" (publish)'))!;
    expect(publish).toContain(`Publish the selected run train-2: create the model repo ${model}`);

    // What the Hub now holds: the selected run's files and the results table as its README.
    const get = (path: string) =>
      fetch(`${hub.url}/${model}/resolve/main/${path}`, { headers: { Authorization: `Bearer ${token}` } });
    const published = (await (await get("eval.json")).json()) as { loss: number };
    expect(published.loss).toBe(losses["train-2"]);
    expect((await get("model.json")).status).toBe(200);
    // The table as it stood when publishing began (written at selection, so it could go up with the model).
    const readme = await (await get("README.md")).text();
    expect(readme).toContain("Metric: loss (minimize, from eval); selected **train-2** (loss 0.");
    expect(readme).toMatch(/\| train-2 \| 1 \|.*\| ok \|.*\*\*selected\*\* \|/);
    expect(readme).toContain("| publish | publish | skipped: not run yet |");
    expect(readdirSync(join(box.env.PINCER_HOME!, "sessions")).filter((name) => name.endsWith(".jsonl"))).toHaveLength(
      1,
    );
  }, 120_000);
});

function pipelineYaml(model: string): string {
  return `name: tiny-threshold
task: Fit a one-feature logistic regression and publish the best learning rate
model: ${model}
metric: { name: loss, goal: minimize }
stages:
  - id: prepare
    kind: data
    prompt: Write prepare.py that writes data/train.csv and data/test.csv, and run it.
    outputs: [data/train.csv, data/test.csv]
  - id: train
    kind: train
    grid: { lr: [0.01, 1] }
    prompt: Train with lr={lr}; save runs/{run}/model.json and write runs/{run}/metrics.json.
    outputs: ["runs/{run}/model.json"]
  - id: eval
    kind: eval
    prompt: Evaluate runs/{run}/model.json on data/test.csv and write runs/{run}/eval.json.
  - id: select
    kind: select
  - id: publish
    kind: publish
`;
}

const PREPARE = `import csv, os
os.makedirs("data", exist_ok=True)
points = [(i / 20 - 1, int(i / 20 - 1 > 0.1)) for i in range(41)]
for split, rows in (("train", points[0::2]), ("test", points[1::2])):
    with open(f"data/{split}.csv", "w", newline="") as f:
        csv.writer(f).writerows([("x", "label"), *rows])
print(f"wrote {len(points[0::2])} train and {len(points[1::2])} test rows")
`;

const TRAIN = `import csv, json, math, os, sys
lr, out = float(sys.argv[1]), sys.argv[2]
rows = [(float(x), int(y)) for x, y in list(csv.reader(open("data/train.csv")))[1:]]
w = b = 0.0
for epoch in range(20):
    loss = 0.0
    for x, y in rows:
        p = 1 / (1 + math.exp(-(w * x + b)))
        loss -= math.log(p if y else 1 - p)
        w -= lr * (p - y) * x
        b -= lr * (p - y)
    print(json.dumps({"epoch": epoch + 1, "loss": round(loss / len(rows), 4)}), flush=True)
acc = sum((w * x + b > 0) == bool(y) for x, y in rows) / len(rows)
os.makedirs(out, exist_ok=True)
json.dump({"w": w, "b": b}, open(f"{out}/model.json", "w"))
json.dump({"accuracy": acc, "loss": loss / len(rows)}, open(f"{out}/metrics.json", "w"))
`;

const EVALUATE = `import csv, json, math, sys
run = sys.argv[1]
m = json.load(open(f"{run}/model.json"))
rows = [(float(x), int(y)) for x, y in list(csv.reader(open("data/test.csv")))[1:]]
p = [1 / (1 + math.exp(-(m["w"] * x + m["b"]))) for x, _ in rows]
loss = -sum(math.log(q if y else 1 - q) for q, (_, y) in zip(p, rows)) / len(rows)
acc = sum((q > 0.5) == bool(y) for q, (_, y) in zip(p, rows)) / len(rows)
json.dump({"loss": loss, "accuracy": acc}, open(f"{run}/eval.json", "w"))
print(f"{run}: test loss {loss:.4f}, accuracy {acc}")
`;

type Step = [name: string, args: Record<string, unknown>];

/** What the engineer does for each prompt the runner sends: the tool calls, in order. */
function planFor(prompt: string): Step[] {
  const python = (command: string): Step => ["bash", { command: `/usr/bin/python3 ${command}` }];
  if (prompt.includes('"prepare" (data)'))
    return [["write", { path: "prepare.py", content: PREPARE }], python("prepare.py")];
  const train = /"train" \(train\), run (train-\d) \((\d) of 2\)/.exec(prompt);
  const lr = /Hyperparameters of this run: lr=(\S+)/.exec(prompt)?.[1];
  if (train && lr) {
    const script: Step[] = train[2] === "1" ? [["write", { path: "train.py", content: TRAIN }]] : [];
    return [...script, python(`train.py ${lr} runs/${train[1]}`)];
  }
  const evaluate = /"eval" \(eval\), run (train-\d) \((\d) of 2\)/.exec(prompt);
  if (evaluate) {
    const script: Step[] = evaluate[2] === "1" ? [["write", { path: "eval.py", content: EVALUATE }]] : [];
    return [...script, python(`eval.py runs/${evaluate[1]}`)];
  }
  const best = /Publish the selected run (\S+?):/.exec(prompt)?.[1];
  const repo = /Model repo: (\S+)/.exec(prompt)?.[1];
  if (best && repo)
    return [
      ["hf_create_repo", { name: repo }],
      ["hf_upload_folder", { repo, localPath: `runs/${best}/` }],
      ["hf_upload_file", { repo, path: "README.md", localPath: "results.md" }],
    ];
  return [];
}

/** Answers each model call: the next tool call of the current prompt's plan, then a short summary. */
function scriptEngineer(): string[] {
  const prompts: string[] = [];
  let ids = 0;
  server.respond((body: ChatRequestBody): OpenAIScript => {
    const messages = body.messages;
    const userAt = messages.findLastIndex((message) => message.role === "user");
    const prompt = textOf(messages[userAt]!.content);
    const done = messages.slice(userAt + 1).filter((message) => message.role === "tool").length;
    if (done === 0) prompts.push(prompt);
    const next = planFor(prompt)[done];
    if (!next) return [{ text: "Done: the files are written." }, { finish: "stop" }];
    return [{ toolCalls: [{ id: `call_${++ids}`, name: next[0], arguments: next[1] }] }, { finish: "tool_calls" }];
  });
  return prompts;
}

function textOf(content: unknown): string {
  return typeof content === "string"
    ? content
    : (content as Array<{ text?: string }>).map((part) => part.text ?? "").join("");
}
