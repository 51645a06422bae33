import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFs } from "./node-fs.fixture.js";
import { parsePipeline } from "./pipeline.js";
import { type EngineerKernel, type PipelineEvent, runPipeline } from "./pipeline-run.js";

/**
 * The runner's fault handling, with an in-process engineer that writes files directly (the full
 * path through a real kernel and the core tools is in pipeline-run.test.ts).
 */
let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "pincer-pipeline-faults-"));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

type Reply = { stopReason?: string; error?: string; text?: string; files?: Record<string, string> } | Error;
function engineer(reply: (prompt: string, turn: number) => Reply): EngineerKernel & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    prompts,
    async prompt(text) {
      prompts.push(text);
      const answer = reply(text, prompts.length);
      if (answer instanceof Error) throw answer;
      for (const [path, content] of Object.entries(answer.files ?? {})) {
        mkdirSync(dirname(join(cwd, path)), { recursive: true });
        writeFileSync(join(cwd, path), content);
      }
      return {
        stopReason: answer.stopReason ?? "end_turn",
        text: answer.text ?? "",
        ...(answer.error ? { error: answer.error } : {}),
      };
    },
  };
}

const sweep = (extra = "") => `name: sweep
task: Train
model: ada/model
metric: { name: loss, goal: minimize }
stages:
  - id: train
    kind: train
    grid: { lr: [1, 2, 3] }
    prompt: Train lr={lr}
${extra}  - id: select
    kind: select
  - id: publish
    kind: publish
    outputs: [published.txt]
`;
// The run a prompt is for: the stage prompt's header, or a repair prompt's first words.
const runOf = (prompt: string) => /\), run (train-\d) \(|^Run (train-\d) of stage/.exec(prompt)?.slice(1).find(Boolean);

describe("runPipeline faults", () => {
  it("keeps going after a failed run and selects among the rest (minimize)", async () => {
    const kernel = engineer((prompt) => {
      const run = runOf(prompt);
      if (prompt.includes("Run train-2 of stage") || run === "train-2") return { text: "it crashed" };
      if (run)
        return { files: { [`runs/${run}/metrics.json`]: JSON.stringify({ loss: run === "train-1" ? 0.5 : 0.3 }) } };
      if (prompt.includes('"publish"')) return { files: { "published.txt": "https://hub/ada/model" } };
      return { text: "?" };
    });
    const events: PipelineEvent[] = [];
    const result = await runPipeline(parsePipeline(sweep()), {
      kernel,
      cwd,
      fs: nodeFs(cwd),
      onProgress: (event) => events.push(event),
    });
    expect(result.runs.map((run) => run.status)).toEqual(["ok", "failed", "ok"]);
    expect(result.runs[1]!.reason).toBe(
      "runs/train-2/metrics.json does not exist: write the metrics there as a JSON object",
    );
    expect(result.runs[1]!.repairs).toBe(2);
    expect(result.selected?.run).toBe("train-3");
    expect(result.status).toBe("done");
    // The publish prompt names the selected run and its hyperparameters.
    expect(kernel.prompts.at(-1)).toContain("Publish the selected run train-3");
    expect(
      events.filter((event) => event.type === "run_end").map((event) => event.type === "run_end" && event.status),
    ).toEqual(["ok", "failed", "ok"]);
    // results.md was written before publishing, so the engineer could upload it.
    expect(readFileSync(join(cwd, "results.md"), "utf8")).toContain("| train-3 | 3 | 0.3 | ok |");
  });

  it("fails the train stage when no run succeeds, and skips the rest", async () => {
    const kernel = engineer((prompt) => {
      const run = runOf(prompt);
      return run ? { files: { [`runs/${run}/metrics.json`]: '{"loss": NaN}' } } : { text: "?" };
    });
    const result = await runPipeline(parsePipeline(sweep()), { kernel, cwd, fs: nodeFs(cwd) });
    expect(result.runs.map((run) => run.status)).toEqual(["diverged", "diverged", "diverged"]);
    expect(kernel.prompts).toHaveLength(3); // a diverged run is a result, not something to repair
    expect(result.stoppedAt).toBe("train");
    expect(result.stages[0]!.reason).toContain("no run succeeded (train-1: loss is NaN;");
    expect(result.stages.slice(1).map((stage) => stage.status)).toEqual(["skipped", "skipped"]);
  });

  it("treats a turn that ended in error as unfinished when it has no files to check, and a thrown error as one", async () => {
    const pipeline = parsePipeline(`name: p
task: t
stages:
  - id: look
    kind: custom
    prompt: Look around
    repairs: 1
`);
    const kernel = engineer((_prompt, turn) =>
      turn === 1 ? { stopReason: "max_turns", error: "Stopped after 100 turns" } : new Error("provider down"),
    );
    const result = await runPipeline(pipeline, { kernel, cwd, fs: nodeFs(cwd) });
    expect(kernel.prompts).toHaveLength(2);
    expect(kernel.prompts[1]).toContain("the turn ended with max_turns: Stopped after 100 turns");
    expect(result.stages[0]).toMatchObject({
      status: "failed",
      reason: "the turn ended with error: provider down",
      repairs: 1,
    });
  });

  it("stops at once when the turn is aborted", async () => {
    const kernel = engineer(() => ({ stopReason: "aborted" }));
    const result = await runPipeline(parsePipeline(sweep()), { kernel, cwd, fs: nodeFs(cwd) });
    expect(kernel.prompts).toHaveLength(1);
    expect(result.stoppedAt).toBe("train");
    expect(result.stages[0]!.reason).toBe("interrupted");
  });

  it("marks a run failed when its evaluation is missing, and selects on the evaluated runs", async () => {
    const extra = "  - id: eval\n    kind: eval\n    repairs: 0\n";
    const kernel = engineer((prompt) => {
      const run = runOf(prompt);
      if (prompt.includes('"eval" (eval)'))
        return run === "train-1" ? { text: "skipped" } : { files: { [`runs/${run}/eval.json`]: '{"loss": 0.4}' } };
      if (run) return { files: { [`runs/${run}/metrics.json`]: '{"loss": 0.1}' } };
      return { files: { "published.txt": "ok" } };
    });
    const result = await runPipeline(parsePipeline(sweep(extra)), { kernel, cwd, fs: nodeFs(cwd) });
    expect(result.runs[0]).toMatchObject({
      status: "failed",
      reason: "eval: runs/train-1/eval.json does not exist: write the metrics there as a JSON object",
    });
    expect(result.selected).toEqual({ run: "train-2", value: 0.4, params: { lr: 2 } });
  });

  it("tells the engineer to train as Hugging Face Jobs when runner is hf", async () => {
    const text = sweep().replace("metric:", "runner: hf\nflavor: t4-small\nmetric:");
    const kernel = engineer((prompt) => {
      const run = runOf(prompt);
      return run ? { files: { [`runs/${run}/metrics.json`]: '{"loss": 0.2}' } } : { files: { "published.txt": "ok" } };
    });
    await runPipeline(parsePipeline(text), { kernel, cwd, fs: nodeFs(cwd) });
    expect(kernel.prompts[0]).toContain("Runner: Hugging Face Jobs (t4-small)");
    expect(kernel.prompts[0]).toContain("hf_job_run with flavor t4-small, with wait: true");
    expect(kernel.prompts.at(-1)).not.toContain("hf_job_run");
  });
});
