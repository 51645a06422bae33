import { describe, expect, it } from "vitest";
import { LIGHTEVAL, LM_EVAL } from "./eval-output.fixture.js";
import { metricsOf, splitOfKey } from "./metric-formats.js";
import { combineSeeds, type Metric, MetricsError } from "./metrics.js";

describe("evaluation output, read with the split each number was measured on", () => {
  it("reads prefixes, suffixes, split groups and an explicit split; leaves eval_ and bookkeeping unsaid", () => {
    expect(splitOfKey("val_accuracy")).toEqual({ name: "accuracy", split: "validation" });
    expect(splitOfKey("test/f1")).toEqual({ name: "f1", split: "test" });
    expect(splitOfKey("accuracy_test")).toEqual({ name: "accuracy", split: "test" });
    expect(splitOfKey("eval_loss")).toEqual({ name: "loss" });
    expect(splitOfKey("f1_macro")).toEqual({ name: "f1_macro" });
    expect(splitOfKey("exact_match")).toEqual({ name: "exact_match" });
    const plain = metricsOf({
      val_accuracy: 0.99,
      test_accuracy: 0.95,
      eval_loss: 0.2,
      epoch: 3,
      epochs: 3,
      eval_runtime: 1.5,
      validation: { f1: 0.9 },
      note: "text is ignored",
    });
    expect(plain?.metrics).toEqual([
      { name: "accuracy", key: "val_accuracy", value: 0.99, split: "validation" },
      { name: "accuracy", key: "test_accuracy", value: 0.95, split: "test" },
      { name: "loss", key: "eval_loss", value: 0.2 },
      { name: "f1", key: "f1", value: 0.9, split: "validation" },
      { name: "note", key: "note", value: "text is ignored" },
    ]);
    expect(metricsOf({ split: "test", metrics: { accuracy: 0.9 } })?.metrics).toEqual([
      { name: "accuracy", key: "accuracy", value: 0.9, split: "test" },
    ]);
  });

  it("reads lm-evaluation-harness results: each task its dataset, the split it scored, the stderr", () => {
    const read = metricsOf(LM_EVAL);
    expect(read?.format).toBe("lm-evaluation-harness");
    expect(read?.metrics).toEqual([
      {
        name: "acc",
        key: "hellaswag/acc,none",
        value: 0.5012,
        split: "validation",
        dataset: { name: "hellaswag", type: "Rowan/hellaswag" },
        stderr: 0.005,
      },
      {
        name: "acc_norm",
        key: "hellaswag/acc_norm,none",
        value: 0.6543,
        split: "validation",
        dataset: { name: "hellaswag", type: "Rowan/hellaswag" },
        stderr: 0.0047,
      },
      {
        name: "exact_match (strict-match)",
        key: "gsm8k/exact_match,strict-match",
        value: 0.31,
        split: "test",
        dataset: { name: "gsm8k", type: "openai/gsm8k", config: "main" },
        stderr: 0.0127,
      },
      {
        name: "exact_match (flexible-extract)",
        key: "gsm8k/exact_match,flexible-extract",
        value: 0.33,
        split: "test",
        dataset: { name: "gsm8k", type: "openai/gsm8k", config: "main" },
      },
    ]);
  });

  it("reads lighteval results, leaving out the `all` average", () => {
    const read = metricsOf(LIGHTEVAL);
    expect(read?.format).toBe("lighteval");
    expect(read?.metrics).toEqual([
      {
        name: "acc",
        key: "lighteval|arc:easy|0/acc",
        value: 0.7011,
        split: "test",
        dataset: { name: "arc:easy", type: "allenai/ai2_arc", config: "ARC-Easy" },
        stderr: 0.0094,
      },
      {
        name: "truthfulqa_mc1",
        key: "leaderboard|truthfulqa:mc|0/truthfulqa_mc1",
        value: 0.3,
        split: "validation",
        dataset: { name: "truthfulqa:mc", type: "truthfulqa/truthful_qa", config: "multiple_choice" },
        stderr: 0.016,
      },
    ]);
  });

  it("averages seeds as mean ± sample std, and refuses seeds that measured different things", () => {
    const run = (value: number): Metric[] => [{ name: "accuracy", key: "test_accuracy", value, split: "test" }];
    const [combined] = combineSeeds([
      { file: "s1.json", metrics: run(0.9) },
      { file: "s2.json", metrics: run(0.92) },
      { file: "s3.json", metrics: run(0.94) },
    ]);
    expect(combined?.value).toBeCloseTo(0.92, 10);
    expect(combined?.std).toBeCloseTo(0.02, 10);
    expect(combined?.runs).toBe(3);
    expect(() =>
      combineSeeds([
        { file: "s1.json", metrics: run(0.9) },
        { file: "s2.json", metrics: [{ name: "accuracy", key: "val_accuracy", value: 0.9, split: "validation" }] },
      ]),
    ).toThrow(
      new MetricsError(
        "Metrics file s2.json has no accuracy (test), which s1.json has: every seed's file must hold the same metrics.",
      ),
    );
  });
});
