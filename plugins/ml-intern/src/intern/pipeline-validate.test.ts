import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandUsageError } from "@pincer/sdk";
import { describe, expect, it } from "vitest";
import { nodeFs } from "./node-fs.fixture.js";
import { gridCombinations, loadPipeline, PipelineError, type PipelineIssue, parsePipeline } from "./pipeline.js";

const example = join(import.meta.dirname, "../../../../examples/ml-intern/pipeline.yaml");

/** The issues of a file that must fail. */
function issuesOf(text: string): PipelineIssue[] {
  try {
    parsePipeline(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError);
    return (error as PipelineError).issues;
  }
  throw new Error("expected the pipeline to be rejected");
}

const good = `name: sweep
task: Train a classifier
dataset: local/reviews
model: local/reviews-classifier
metric: { name: accuracy, goal: maximize }
stages:
  - id: prepare
    kind: data
    prompt: Prepare {dataset}
    outputs: [data/train.csv]
  - id: train
    kind: train
    grid: { lr: [0.001, 0.01], epochs: [3] }
    prompt: Train with lr={lr} epochs={epochs}; write runs/{run}/metrics.json
  - id: select
    kind: select
  - id: publish
    kind: publish
`;

describe("pipeline validation", () => {
  it("accepts the example file and fills in defaults", async () => {
    const pipeline = await loadPipeline(nodeFs("/"), example);
    expect(pipeline.name).toBe("reviews-lr-sweep");
    expect(pipeline.stages.map((stage) => stage.kind)).toEqual(["data", "train", "eval", "select", "publish"]);
    expect(pipeline.runner).toBe("local");
    expect(gridCombinations(pipeline.stages[1]!.grid)).toHaveLength(3);
  });

  it("accepts a good file: metric, grid, outputs, kinds", () => {
    const pipeline = parsePipeline(good);
    expect(pipeline.metric).toEqual({ name: "accuracy", goal: "maximize" });
    expect(pipeline.repairs).toBe(2);
    expect(pipeline.stages[1]).toMatchObject({ id: "train", grid: { lr: [0.001, 0.01], epochs: [3] }, outputs: [] });
    expect(gridCombinations(pipeline.stages[1]!.grid)).toEqual([
      { lr: 0.001, epochs: 3 },
      { lr: 0.01, epochs: 3 },
    ]);
    // `- id: eval` alone names its kind; `metric: loss` is short for a maximize metric.
    const short = parsePipeline(
      "name: a\ntask: b\nmetric: f1\nstages:\n  - id: train\n    kind: train\n  - id: eval\n  - id: select\n",
    );
    expect(short.stages.map((stage) => stage.kind)).toEqual(["train", "eval", "select"]);
    expect(short.metric).toEqual({ name: "f1", goal: "maximize" });
  });

  it("reports a YAML syntax error with its line and column", () => {
    const issues = issuesOf("name: a\ntask: b\nstages: [\n  - id: x\n");
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.message).toMatch(/^YAML syntax: /);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
    expect(issues[0]!.column).toBeDefined();
    const duplicate = issuesOf("name: a\nname: b\ntask: c\nstages: []\n");
    expect(duplicate[0]).toMatchObject({ line: 2, column: 1 });
    expect(duplicate[0]!.message).toContain("unique");
  });

  it("reports every mistake at once, each with its path and position", () => {
    const text = `name: sweep
task: Train
metric: { name: accuracy, goal: maximise }
stages:
  - id: prepare
    kind: dta
  - id: train
    kind: train
    grid: { lr: [], epochs: 3 }
    promt: Train
`;
    const issues = issuesOf(text);
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]));
    expect(byPath["metric.goal"]).toMatchObject({ line: 3, message: expect.stringContaining("did you mean maximize") });
    expect(byPath["stages[0].kind"]).toMatchObject({ line: 6, column: 11 });
    expect(byPath["stages[0].kind"]!.message).toContain("did you mean data");
    expect(byPath["stages[1].grid.lr"]).toMatchObject({
      line: 9,
      message: expect.stringContaining("must be a non-empty list"),
    });
    expect(byPath["stages[1].grid.epochs"]!.message).toContain("must be a non-empty list, e.g. epochs: [3]");
    expect(byPath["stages[1].promt"]).toMatchObject({ line: 10, column: 5 });
    expect(byPath["stages[1].promt"]!.message).toContain("unknown key; did you mean prompt?");
  });

  it("formats the issues as file:line:column lines and is a usage error (exit code 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-pipeline-"));
    try {
      const file = join(dir, "pipeline.yaml");
      writeFileSync(file, "name: a\ntask: b\nstagez: []\n");
      let error: unknown;
      try {
        await loadPipeline(nodeFs(dir), file);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PipelineError);
      expect(error).toBeInstanceOf(CommandUsageError);
      const text = (error as PipelineError).format();
      expect(text).toContain(`${file} has 2 mistakes:`);
      expect(text).toContain(`${file}:3:1 stagez: unknown key; did you mean stages?`);
      expect(text).toMatch(/stages: is missing/);
      await expect(loadPipeline(nodeFs(dir), join(dir, "missing.yaml"))).rejects.toThrow(
        /cannot be read \(no such file\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects duplicate stage ids, naming the first", () => {
    const issues = issuesOf(good.replace("id: select", "id: prepare"));
    expect(issues).toContainEqual(
      expect.objectContaining({
        path: "stages[2].id",
        line: 15,
        message: expect.stringContaining('duplicate stage id "prepare" (first used by stages[0])'),
      }),
    );
  });

  it("rejects placeholders no grid key defines, suggesting the closest", () => {
    const issues = issuesOf(good.replace("lr={lr}", "lr={lrr}").replace("Prepare {dataset}", "Prepare {run}"));
    const train = issues.find((issue) => issue.path === "stages[1].prompt")!;
    expect(train.message).toContain("no grid key defines {lrr}; did you mean {lr}?");
    expect(train.line).toBe(14);
    const data = issues.find((issue) => issue.path === "stages[0].prompt")!;
    expect(data.message).toContain("{run} is filled per run, in train and eval stages");
    // {{literal}} braces and JSON examples are not placeholders; {dataset} needs dataset:.
    expect(() =>
      parsePipeline(good.replace("prompt: Prepare {dataset}", `prompt: 'Write {{x}} and {"a": 1}'`)),
    ).not.toThrow();
    const noDataset = issuesOf(good.replace("dataset: local/reviews\n", ""));
    expect(noDataset[0]!.message).toContain("{dataset} needs dataset: at the top level");
    // {best} only after select.
    expect(issuesOf(good.replace("Prepare {dataset}", "Prepare {best}"))[0]!.message).toContain(
      "known only after the select stage",
    );
  });

  it("rejects select without a metric, and publish before select or without a model", () => {
    const noMetric = issuesOf(good.replace("metric: { name: accuracy, goal: maximize }\n", ""));
    expect(noMetric).toContainEqual(
      expect.objectContaining({ path: "stages[2]", message: expect.stringContaining("select needs a metric") }),
    );
    const reordered = good.replace(
      "  - id: select\n    kind: select\n  - id: publish\n    kind: publish\n",
      "  - id: publish\n    kind: publish\n  - id: select\n    kind: select\n",
    );
    expect(issuesOf(reordered)).toContainEqual(
      expect.objectContaining({
        path: "stages[2].kind",
        message: expect.stringContaining("publish comes before select (stages[3])"),
      }),
    );
    const noModel = issuesOf(good.replace("model: local/reviews-classifier\n", ""));
    expect(noModel[0]!.message).toContain("publish needs model:");
    const noSelect = issuesOf(good.replace("  - id: select\n    kind: select\n", ""));
    expect(noSelect[0]!.message).toContain("publish needs a select stage before it");
  });

  it("rejects grid keys the runner fills, grids outside train and lists of lists", () => {
    const issues = issuesOf(
      good
        .replace("epochs: [3] }", "run: [1], epochs: [[3]] }")
        .replace("kind: data", "kind: data\n    grid: { x: [1] }"),
    );
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      "stages[0].grid: only a train stage runs a grid: move it to the train stage.",
      "stages[1].grid.run: is filled in by the runner; name the hyperparameter differently.",
      "stages[1].grid.epochs: values must be numbers, text or true/false (no lists or mappings).",
    ]);
  });

  it("explains braces YAML reads as flow syntax", () => {
    const issues = issuesOf(good.replace("outputs: [data/train.csv]", "outputs: [runs/{run}/metrics.json]"));
    expect(issues[0]!.message).toContain('must be quoted: ["runs/{run}/metrics.json"]');
    expect(issues[0]!.line).toBe(10);
    const starts = issuesOf(good.replace("prompt: Prepare {dataset}", "prompt: {dataset}"));
    expect(starts[0]).toMatchObject({ path: "stages[0].prompt", message: expect.stringContaining("quote it") });
  });

  it("caps the grid size", () => {
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i + 1).join(", ")}]`;
    const issues = issuesOf(
      good.replace("grid: { lr: [0.001, 0.01], epochs: [3] }", `grid: { lr: ${values(10)}, epochs: ${values(7)} }`),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: "stages[1].grid",
        message: expect.stringContaining("makes 70 runs, more than the 64 allowed"),
      }),
    ]);
  });

  it("checks kinds, paths and per-kind keys", () => {
    const text = `name: a
task: b
runner: hugging
metric: accuracy
stages:
  - id: 1st
    kind: custom
  - id: train
    kind: train
    outputs: [/tmp/model.pt, ../up.txt]
    metrics: runs/metrics.json
    grid: { lr: [1, 2] }
  - id: select
    kind: select
    prompt: pick the best
  - id: eval
    kind: eval
`;
    const messages = issuesOf(text).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining("runner: must be local or hf"),
        expect.stringContaining("stages[0].id: must start with a letter"),
        expect.stringContaining('stages[1].outputs[0]: "/tmp/model.pt" leaves the working directory'),
        expect.stringContaining('stages[1].outputs[1]: "../up.txt" leaves the working directory'),
        expect.stringContaining("stages[2].prompt: select is done by the runner"),
        expect.stringContaining("stages[1].metrics: must contain {run} so the 2 runs don't overwrite"),
        expect.stringContaining("stages[0].prompt: is missing: a custom stage needs a prompt"),
        expect.stringContaining("stages[3].kind: eval comes after select (stages[2])"),
      ]),
    );
  });
});
