import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { LoopGuard } from "./loop-guard.js";
import type { AnyTool, ToolProgress } from "./tool.js";

// Waiting on work outside the call (a job) is progress, not a loop: a result's `details.progress`
// tells the guard the work's state and how long it has run, whatever the text says.

const poll = (progress: unknown, text = "Job job-1: RUNNING") => ({
  name: "job_status",
  args: { id: "job-1" },
  resultText: text,
  isError: false,
  details: { progress },
});
const running = (elapsedSeconds: number): ToolProgress => ({
  key: "job-1",
  state: "RUNNING",
  active: true,
  elapsedSeconds,
});

describe("LoopGuard and progress", () => {
  it("a silent job polled 200 times over 30 minutes is progress while its elapsed time grows", () => {
    const guard = new LoopGuard();
    for (let at = 0; at < 200; at++) {
      expect(guard.observe(poll(running(at * 9))).action).toBe("none");
    }
  });

  it("a state change is progress; the same state of finished work asked again is a repeat", () => {
    const guard = new LoopGuard();
    expect(guard.observe(poll(running(10))).action).toBe("none");
    const done: ToolProgress = { key: "job-1", state: "COMPLETED", active: false, elapsedSeconds: 20 };
    expect(guard.observe(poll(done, "Job job-1: COMPLETED")).action).toBe("none");
    expect(guard.observe(poll(done, "Job job-1: COMPLETED")).action).toBe("none");
    // Finished work's elapsed time may grow (a clock read later), but nothing is under way.
    expect(guard.observe(poll({ ...done, elapsedSeconds: 25 }, "Job job-1: COMPLETED")).action).toBe("correct");
  });

  it("a report whose elapsed time does not grow is no progress: polling it is a repeat", () => {
    const guard = new LoopGuard();
    const verdicts = [0, 1, 2].map(() => guard.observe(poll(running(60))).action);
    expect(verdicts).toEqual(["none", "none", "correct"]);
  });

  it("elapsed time going backwards is no progress", () => {
    const guard = new LoopGuard();
    const verdicts = [100, 50, 10].map((elapsed) => guard.observe(poll(running(elapsed))).action);
    expect(verdicts.at(-1)).toBe("correct");
  });

  it("a malformed progress field is ignored: the identical result is a repeat", () => {
    for (const progress of [
      { state: "RUNNING", active: "yes", elapsedSeconds: 1 },
      { state: 3, active: true, elapsedSeconds: 1 },
      { state: "RUNNING", active: true, elapsedSeconds: Number.NaN },
      "RUNNING",
      null,
    ]) {
      const guard = new LoopGuard();
      const verdicts = [0, 1, 2].map(() => guard.observe(poll(progress)).action);
      expect(verdicts, JSON.stringify(progress)).toEqual(["none", "none", "correct"]);
    }
  });

  it("an error with progress is still an error: the same failure three times is flagged", () => {
    const guard = new LoopGuard();
    const failed = (elapsed: number) => ({
      ...poll({ key: "job-1", state: "ERROR", active: true, elapsedSeconds: elapsed }, "Traceback…\nValueError: bad"),
      isError: true,
    });
    const verdicts = [1, 2, 3].map((elapsed) => guard.observe(failed(elapsed)));
    expect(verdicts.at(-1)).toMatchObject({ action: "correct", kind: "error" });
  });

  it("in a turn: a model polling a silent job 40 times is not stopped, and the turn ends well", async () => {
    let elapsed = 0;
    const status: AnyTool = {
      name: "job_status",
      description: "A job's status",
      kind: "read",
      parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      async execute() {
        elapsed += 60;
        return { content: "Job job-1: RUNNING", details: { progress: running(elapsed) } };
      },
    };
    const polls = Array.from({ length: 40 }, (_, at) =>
      toolCalls({ id: `p${at}`, name: "job_status", args: { id: "job-1" } }),
    );
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([...polls, text("the job finished")])],
      tools: [status],
      maxTurns: 100,
    });
    const result = await kernel.prompt("wait for the job");
    expect(result.stopReason).toBe("end_turn");
    expect(result.text).toBe("the job finished");
  });
});

describe("a tool call's time limit counts from its last progress update", () => {
  const waiting = (beats: number, everyMs: number): AnyTool => ({
    name: "wait_job",
    description: "Waits for a job, reporting as it goes",
    kind: "read",
    parameters: { type: "object", properties: {} },
    async execute(_args, ctx) {
      for (let beat = 0; beat < beats; beat++) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        ctx.onUpdate(`still running (${beat})`);
      }
      // Silent from here on when `beats` is 0: the limit must end it.
      if (beats === 0) await new Promise((resolve) => setTimeout(resolve, 60_000));
      return { content: "job COMPLETED" };
    },
  });

  const run = async (tool: AnyTool) => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ id: "w", name: "wait_job", args: {} }), text("ok")])],
      tools: [tool],
      toolTimeoutMs: 1000,
    });
    const results: string[] = [];
    kernel.subscribe((event) => {
      if (event.type === "tool_end") results.push(JSON.stringify(event.result.content));
    });
    await kernel.prompt("wait");
    return results[0] ?? "";
  };

  it("a wait that reports every 80 ms runs well past a 1 s limit to its end", async () => {
    expect(await run(waiting(25, 80))).toContain("job COMPLETED");
  });

  it("a silent wait is stopped at the limit", async () => {
    expect(await run(waiting(0, 0))).toContain("wait_job timed out after 1 s");
  });
});
