import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeBwrap } from "@pincer/host";
import { type PreparedSession, prepareSession } from "@pincer/runtime";
import { type ChatRequestBody, type OpenAIScript, startOpenAIServer } from "@pincer/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parsePipeline } from "./pipeline.js";
import { type PipelineEvent, runPipeline } from "./pipeline-run.js";

/**
 * The runner against a real kernel: the real OpenAI provider talks to a loopback server that plays
 * a scripted engineer, and the real core tools (write, bash) write the files the runner checks.
 */
let server: Awaited<ReturnType<typeof startOpenAIServer>>;
const dirs: string[] = [];
const sessions: PreparedSession[] = [];
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const session of sessions.splice(0)) session.dispose();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function engineerSession(): Promise<{ cwd: string; session: PreparedSession }> {
  const root = mkdtempSync(join(tmpdir(), "pincer-pipeline-run-"));
  dirs.push(root);
  const cwd = join(root, "work");
  const home = join(root, "home");
  mkdirSync(cwd);
  mkdirSync(home);
  const session = await prepareSession({
    cwd,
    home,
    env: { OPENAI_API_KEY: "sk-test-pipeline-123456", OPENAI_BASE_URL: server.url, PINCER_HOME: home },
    model: "openai/gpt-5",
    permissionMode: "bypassPermissions",
    // The model runs commands: where this machine has no OS sandbox, the opt-in a user would give.
    ...(probeBwrap().ok ? {} : { unconfined: true }),
  });
  sessions.push(session);
  return { cwd, session };
}

const textOf = (content: unknown) =>
  typeof content === "string" ? content : (content as Array<{ text?: string }>).map((part) => part.text ?? "").join("");
const call = (name: string, args: Record<string, unknown>): OpenAIScript => [
  { toolCalls: [{ id: `call_${name}`, name, arguments: args }] },
  { finish: "tool_calls" },
];
const say = (text: string): OpenAIScript => [{ text }, { finish: "stop" }];

/** Plays the engineer: reads the runner's latest prompt and answers with tool calls; after a tool result, says done. */
function scriptEngineer(engineer: (prompt: string) => OpenAIScript): string[] {
  const prompts: string[] = [];
  server.respond((body: ChatRequestBody) => {
    const last = body.messages.at(-1)!;
    if (last.role === "tool") return say("Done; the files are written.");
    const prompt = textOf(last.content);
    prompts.push(prompt);
    return engineer(prompt);
  });
  return prompts;
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

describe("runPipeline with a real kernel", () => {
  it("runs every stage, repairs a run, marks a NaN run diverged, selects on eval and writes the table", async () => {
    const { cwd, session } = await engineerSession();
    let repairedOnce = false;
    const prompts = scriptEngineer((prompt) => {
      if (prompt.includes('"prepare" (data)'))
        return call("write", { path: "data/train.csv", content: "text,label\ngood,1\nbad,0\n" });
      if (prompt.includes("Run train-2 of stage") && prompt.includes("not finished")) {
        repairedOnce = true;
        return call("write", { path: "runs/train-2/metrics.json", content: '{"accuracy": 0.9, "loss": 0.2}' });
      }
      if (prompt.includes("run train-1 (1 of 3)"))
        return call("bash", {
          command: `mkdir -p runs/train-1 && echo '{"accuracy": 0.8, "loss": 0.4}' > runs/train-1/metrics.json`,
        });
      if (prompt.includes("run train-2 (2 of 3)")) return say("I trained it, the accuracy looks good."); // no file
      if (prompt.includes("run train-3 (3 of 3)"))
        // What Python's json.dump writes for a diverged loss: a bare NaN. The accuracy alone looks best.
        return call("write", { path: "runs/train-3/metrics.json", content: '{"accuracy": 0.95, "loss": NaN}' });
      if (prompt.includes('"eval" (eval), run train-1'))
        return call("write", { path: "runs/train-1/eval.json", content: '{"accuracy": 0.86}' });
      if (prompt.includes('"eval" (eval), run train-2'))
        return call("write", { path: "runs/train-2/eval.json", content: '{"accuracy": 0.84}' });
      if (prompt.includes('"publish" (publish)')) return say("Uploaded runs/train-1 and results.md.");
      return say(`unexpected prompt: ${prompt.slice(0, 80)}`);
    });

    const events: PipelineEvent[] = [];
    const pipeline = parsePipeline(pipelineText);
    const result = await runPipeline(pipeline, {
      kernel: session.kernel,
      cwd,
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
    const { cwd, session } = await engineerSession();
    const prompts = scriptEngineer(() => say("I looked at the dataset; it seems fine."));
    const events: PipelineEvent[] = [];
    const result = await runPipeline(parsePipeline(pipelineText), {
      kernel: session.kernel,
      cwd,
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
