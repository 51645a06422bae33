import { describe, expect, it } from "vitest";
import { parsePipeline } from "./pipeline.js";
import { selectBest } from "./pipeline-outcome.js";
import { buildResultsTable, formatDuration, formatNumber, type RunRecord } from "./results-table.js";

const run = (id: string, accuracy: number, extra: Partial<RunRecord> = {}): RunRecord => ({
  id,
  params: { lr: Number(id.slice(-1)) / 10 },
  status: "ok",
  metrics: { accuracy },
  durationMs: 1500,
  repairs: 0,
  ...extra,
});

describe("selection", () => {
  const maximize = { name: "accuracy", goal: "maximize" } as const;
  it("picks the best finished run; on a tie the first", () => {
    const runs = [run("t-1", 0.8), run("t-2", 0.9), run("t-3", 0.9)];
    expect(selectBest(runs, maximize, "train")?.id).toBe("t-2");
    expect(selectBest(runs, { name: "accuracy", goal: "minimize" }, "train")?.id).toBe("t-1");
  });

  it("skips diverged, failed and unevaluated runs", () => {
    const runs = [
      run("t-1", 0.99, { status: "diverged" }),
      run("t-2", 0.98, { status: "failed" }),
      run("t-3", 0.5, { evalMetrics: { accuracy: 0.6 } }),
      run("t-4", 0.7),
    ];
    expect(selectBest(runs, maximize, "train")?.id).toBe("t-4");
    expect(selectBest(runs, maximize, "eval")?.id).toBe("t-3");
    expect(selectBest([run("t-1", Number.NaN)], maximize, "train")).toBeUndefined();
  });
});

describe("the results table", () => {
  const pipeline = parsePipeline(
    "name: sweep\ntask: Find | the best\nmetric: accuracy\nstages:\n  - { id: train, kind: train, grid: { lr: [0.1, 0.2] } }\n  - { id: select, kind: select }\n",
  );

  it("has a row per run with params, metrics, status and duration, the selected one marked", () => {
    const table = buildResultsTable(
      {
        pipeline: "sweep",
        task: pipeline.task,
        status: "done",
        metric: { name: "accuracy", goal: "maximize", source: "train" },
        selected: { run: "train-2", value: 0.9, params: { lr: 0.2 } },
        runs: [
          run("train-1", 0.8123456, { metrics: { loss: 0.5, accuracy: 0.8123456 }, reason: "slow | odd", repairs: 2 }),
          run("train-2", 0.9, { selected: true, durationMs: 125_000 }),
        ],
        stages: [
          {
            id: "train",
            kind: "train",
            status: "done",
            durationMs: 126_500,
            repairs: 2,
            files: ["runs/{run}/metrics.json"],
          },
          { id: "select", kind: "select", status: "done", durationMs: 0, repairs: 0, files: [] },
        ],
      },
      pipeline,
    );
    expect(table.markdown.split("\n")).toEqual(
      expect.arrayContaining([
        "# sweep",
        "Find | the best",
        "Metric: accuracy (maximize, from train); selected **train-2** (accuracy 0.9).",
        "| run | lr | accuracy | loss | status | duration |  |",
        "| train-1 | 0.1 | 0.8123 | 0.5 | ok: slow \\| odd (2 repairs) | 1.5s |  |",
        "| train-2 | 0.2 | 0.9 |  | ok | 2m 05s | **selected** |",
        "| train | train | done | 2m 06s | 2 | runs/{run}/metrics.json |",
      ]),
    );
    expect(table.json.selected).toEqual({ run: "train-2", value: 0.9, params: { lr: 0.2 } });
  });

  it("formats numbers and durations for reading", () => {
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(12345.678)).toBe("12345.7");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(undefined)).toBe("");
    expect(formatDuration(59_949)).toBe("59.9s");
    expect(formatDuration(119_999)).toBe("1m 59s");
  });
});
