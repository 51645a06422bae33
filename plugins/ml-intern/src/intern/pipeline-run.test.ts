import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFs } from "./node-fs.fixture.js";
import { parsePipeline } from "./pipeline.js";
import { type EngineerKernel, type PipelineEvent, runPipeline } from "./pipeline-run.js";

/**
 * The runner against a scripted engineer that answers each prompt by writing files into the
 * workspace (what the model's write and bash calls would leave), or only with words. The same
 * runner against a real kernel, real tools and the built CLI: e2e/intern-pipeline.test.ts.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function workspace(): string {
  const cwd = mkdtempSync(join(tmpdir(), "pincer-pipeline-run-"));
  dirs.push(cwd);
  return cwd;
}

type Answer = { files?: Record<string, string>; text?: string };
const write = (path: string, content: string): Answer => ({ files: { [path]: content } });
const say = (text: string): Answer => ({ text });

/** Plays the engineer: answers the runner's prompts; returns them and the engineer the runner drives. */
function scriptEngineer(
  cwd: string,
  engineer: (prompt: string) => Answer,
): { prompts: string[]; kernel: EngineerKernel } {
  const prompts: string[] = [];
  return {
    prompts,
    kernel: {
      async prompt(text) {
        prompts.push(text);
        const answer = engineer(text);
        for (const [path, content] of Object.entries(answer.files ?? {})) {
          mkdirSync(dirname(join(cwd, path)), { recursive: true });
          writeFileSync(join(cwd, path), content);
        }
        return { stopReason: "end_turn", text: answer.text ?? "Done; the files are written." };
      },
    },
  };
}

const pipelineText = `name: reviews-sweep
task: Train a review classifier
dataset: local/reviews
model: local/reviews-classifier
metric: { name: accuracy, goal: maximize }
stages:
  - id: prepare
    kind: data
    prompt: Prepare {dataset} into data/train.csv
    outputs: [data/train.csv]
  - id: train
    kind: train
    grid: { lr: [0.001, 0.01, 0.1] }
    prompt: Train with lr={lr}; write runs/{run}/metrics.json
  - id: eval
    kind: eval
  - id: select
    kind: select
  - id: publish
    kind: publish
`;

describe("runPipeline", () => {
  it("runs every stage, repairs a run, marks a NaN run diverged, selects on eval and writes the table", async () => {
    const cwd = workspace();
    let repairedOnce = false;
    const { prompts, kernel } = scriptEngineer(cwd, (prompt) => {
      if (prompt.includes('"prepare" (data)')) return write("data/train.csv", "text,label\ngood,1\nbad,0\n");
      if (prompt.includes("Run train-2 of stage") && prompt.includes("not finished")) {
        repairedOnce = true;
        return write("runs/train-2/metrics.json", '{"accuracy": 0.9, "loss": 0.2}');
      }
      if (prompt.includes("run train-1 (1 of 3)"))
        return write("runs/train-1/metrics.json", '{"accuracy": 0.8, "loss": 0.4}\n');
      if (prompt.includes("run train-2 (2 of 3)")) return say("I trained it, the accuracy looks good."); // no file
      if (prompt.includes("run train-3 (3 of 3)"))
        // What Python's json.dump writes for a diverged loss: a bare NaN. The accuracy alone looks best.
        return write("runs/train-3/metrics.json", '{"accuracy": 0.95, "loss": NaN}');
      if (prompt.includes('"eval" (eval), run train-1')) return write("runs/train-1/eval.json", '{"accuracy": 0.86}');
      if (prompt.includes('"eval" (eval), run train-2')) return write("runs/train-2/eval.json", '{"accuracy": 0.84}');
      if (prompt.includes('"publish" (publish)')) return say("Uploaded runs/train-1 and results.md.");
      return say(`unexpected prompt: ${prompt.slice(0, 80)}`);
    });

    const events: PipelineEvent[] = [];
    const pipeline = parsePipeline(pipelineText);
    const result = await runPipeline(pipeline, {
      kernel,
      cwd,
      fs: nodeFs(cwd),
      onProgress: (event) => events.push(event),
    });

    expect(result.summary).toContain("Pipeline reviews-sweep finished.");
    expect(result.status).toBe("done");
    expect(repairedOnce).toBe(true);
    expect(result.runs.map((run) => [run.id, run.status, run.repairs])).toEqual([
      ["train-1", "ok", 0],
      ["train-2", "ok", 1],
      ["train-3", "diverged", 0],
    ]);
    expect(result.runs[2]!.reason).toBe("loss is NaN");
    // train-2 trained best (0.9) but train-1 evaluated best (0.86): selection uses the eval stage.
    expect(result.selected).toEqual({ run: "train-1", value: 0.86, params: { lr: 0.001 } });
    expect(result.stages.map((stage) => [stage.id, stage.status])).toEqual([
      ["prepare", "done"],
      ["train", "done"],
      ["eval", "done"],
      ["select", "done"],
      ["publish", "done"],
    ]);

    // The prompts state the task, the stage, the run's hyperparameters, the files expected and earlier results.
    const train2 = prompts.find((prompt) => prompt.includes("run train-2 (2 of 3)"))!;
    expect(train2).toContain("Task: Train a review classifier");
    expect(train2).toContain("Train with lr=0.01; write runs/train-2/metrics.json");
    expect(train2).toContain("- runs/train-2/metrics.json: a JSON object");
    expect(train2).toContain("- prepare (data): done; files: data/train.csv");
    const repair = prompts.find((prompt) => prompt.includes("Run train-2 of stage"))!;
    expect(repair).toContain("runs/train-2/metrics.json does not exist");
    expect(repair).toContain("repair 1 of 2");
    const publish = prompts.find((prompt) => prompt.includes('"publish" (publish)'))!;
    expect(publish).toContain("Publish the selected run train-1");
    expect(publish).toContain("local/reviews-classifier");
    // Evaluation only ran for the runs that trained: the diverged run was left out.
    expect(prompts.some((prompt) => prompt.includes('"eval" (eval), run train-3'))).toBe(false);

    expect(events.filter((event) => event.type === "repair")).toEqual([
      expect.objectContaining({ stage: "train", run: "train-2", attempt: 1, of: 2 }),
    ]);
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(["stage_start", "run_start", "run_end", "selected", "stage_end", "pipeline_end"]),
    );
    expect(events.find((event) => event.type === "selected")).toEqual({
      type: "selected",
      run: "train-1",
      metric: "accuracy",
      value: 0.86,
    });

    // One table, in markdown and JSON, written beside the work.
    const markdown = readFileSync(join(cwd, "results.md"), "utf8");
    expect(markdown).toBe(result.table.markdown);
    expect(markdown).toContain("Metric: accuracy (maximize, from eval); selected **train-1** (accuracy 0.86).");
    expect(markdown).toContain("| run | lr | train accuracy | train loss | eval accuracy | status | duration |  |");
    expect(markdown).toMatch(/\| train-1 \| 0\.001 \| 0\.8 \| 0\.4 \| 0\.86 \| ok \| \d+\.\ds \| \*\*selected\*\* \|/);
    expect(markdown).toMatch(/\| train-2 \| 0\.01 \| 0\.9 \| 0\.2 \| 0\.84 \| ok \(1 repair\) \| \d+\.\ds \| {2}\|/);
    expect(markdown).toMatch(/\| train-3 \| 0\.1 \| 0\.95 \| NaN \| {2}\| diverged: loss is NaN \| \d+\.\ds \| {2}\|/);
    const json = JSON.parse(readFileSync(join(cwd, "results.json"), "utf8"));
    expect(json).toMatchObject({
      pipeline: "reviews-sweep",
      status: "done",
      metric: { name: "accuracy", goal: "maximize", source: "eval" },
      selected: { run: "train-1", value: 0.86 },
    });
    expect(json.runs[2]).toMatchObject({ id: "train-3", status: "diverged", metrics: { accuracy: 0.95, loss: null } });
  });

  it("stops at a failed data stage after the repairs, saying what is done, what is not and where the files are", async () => {
    const cwd = workspace();
    const { prompts, kernel } = scriptEngineer(cwd, () => say("I looked at the dataset; it seems fine."));
    const events: PipelineEvent[] = [];
    const result = await runPipeline(parsePipeline(pipelineText), {
      kernel,
      cwd,
      fs: nodeFs(cwd),
      onProgress: (event) => events.push(event),
    });

    expect(prompts).toHaveLength(3); // the stage, then two repairs
    expect(prompts[2]).toContain("repair 2 of 2");
    expect(result.status).toBe("failed");
    expect(result.stoppedAt).toBe("prepare");
    expect(result.stages.map((stage) => stage.status)).toEqual(["failed", "skipped", "skipped", "skipped", "skipped"]);
    expect(result.stages[0]!.reason).toBe("data/train.csv does not exist");
    expect(result.summary).toBe(
      `Stopped at stage prepare (data): data/train.csv does not exist. Done: nothing. Not run: train, eval, select, publish. Files are in ${cwd}; the results table is ${join(cwd, "results.md")}.`,
    );
    expect(events.filter((event) => event.type === "stage_start")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "pipeline_end", status: "failed", stoppedAt: "prepare" });
    const markdown = readFileSync(join(cwd, "results.md"), "utf8");
    expect(markdown).toContain("Status: failed at stage prepare.");
    expect(markdown).toContain("| prepare | data | failed: data/train.csv does not exist |");
    expect(markdown).toContain("| train | train | skipped |");
    expect(existsSync(join(cwd, "runs"))).toBe(false);
  });
});
