import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { LoopGuard, type LoopVerdict } from "./loop-guard.js";
import { messageText } from "./messages.js";
import type { AnyTool } from "./tool.js";

interface RecordedCall {
  name: string;
  args: Record<string, unknown>;
  result: string;
  isError: boolean;
  details?: unknown;
}

/** Tool-call sequences as ML runs make them (see fixtures/ml-run-loops.json). */
const recorded = JSON.parse(readFileSync(new URL("./fixtures/ml-run-loops.json", import.meta.url), "utf8")) as Record<
  string,
  RecordedCall[]
>;

const observe = (guard: LoopGuard, call: RecordedCall): LoopVerdict =>
  guard.observe({
    name: call.name,
    args: call.args,
    resultText: call.result,
    isError: call.isError,
    details: call.details,
  });

/** Plays a recorded sequence over and over until the guard stops it (or `limit` calls). */
function playUntilStop(calls: RecordedCall[], limit = 200) {
  const guard = new LoopGuard();
  const verdicts: Array<{ at: number; verdict: LoopVerdict }> = [];
  for (let at = 0; at < limit; at++) {
    const verdict = observe(guard, calls[at % calls.length]!);
    if (verdict.action !== "none") verdicts.push({ at, verdict });
    if (verdict.action === "stop") break;
  }
  return verdicts;
}

describe("the loop guard on recorded ML runs", () => {
  it("(a) lets a job be polled while its log keeps changing", () => {
    for (const name of ["polling-changing-log", "polling-status-changing-log"]) {
      const guard = new LoopGuard();
      const verdicts = recorded[name]!.map((call) => observe(guard, call));
      expect(
        verdicts.every((verdict) => verdict.action === "none"),
        name,
      ).toBe(true);
    }
    // A status that says only RUNNING each time, between logs that move: still progress.
    const guard = new LoopGuard();
    const terse = recorded["polling-changing-log"]!.map((call) =>
      call.name === "hf_job_status" ? { ...call, result: "Job 69a1f0c2e4b0d1a2b3c4d5e6: RUNNING" } : call,
    );
    expect(terse.map((call) => observe(guard, call).action).every((action) => action === "none")).toBe(true);
  });

  it("(b) corrects the same poll returning the same result three times", () => {
    const guard = new LoopGuard();
    const verdicts = recorded["polling-unchanged"]!.map((call) => observe(guard, call));
    expect(verdicts.map((verdict) => verdict.action)).toEqual(["none", "none", "correct"]);
    const last = verdicts[2]!;
    expect(last).toMatchObject({ action: "correct", kind: "repeat" });
    expect(last.action === "correct" && last.message).toMatch(
      /same hf_job_status call returned the same result 3 times/,
    );
    expect(last.action === "correct" && last.message).toMatch(/wait for it to finish instead of polling/);
  });

  it("(c) corrects an edit → run → same error cycle twice, then stops with a summary of what repeated", () => {
    const verdicts = playUntilStop(recorded["edit-run-same-error-cycle"]!);
    // Caught at the third failing run, before the cycle's third lap completes.
    expect(verdicts.map(({ at, verdict }) => `${at}:${verdict.action}`)).toEqual([
      "7:correct",
      "16:correct",
      "25:stop",
    ]);
    const first = verdicts[0]!.verdict;
    expect(first).toMatchObject({ action: "correct", kind: "error" });
    expect(first.action === "correct" && first.message).toContain(
      'The call bash {"command":"python train.py --max-steps 10 --limit 64"} failed with the same error 3 times, with read, edit in between',
    );
    const stop = verdicts[2]!.verdict;
    expect(stop.action).toBe("stop");
    const reason = stop.action === "stop" ? stop.reason : "";
    // What repeated, with its arguments; what came back; what to do.
    expect(reason).toMatch(
      /^Stopped by the loop guard: the call bash \{"command":"python train\.py --max-steps 10 --limit 64"\} failed with the same error 3 times/,
    );
    expect(reason).toContain("after 2 correction(s)");
    expect(reason).toContain('Repeated: bash {"command":"python train.py --max-steps 10 --limit 64"}.');
    expect(reason).toContain(`The last result said: "KeyError: 'label'"`);
    expect(reason).toMatch(
      /did not touch the cause of the error; find it before running again\. Go on in this session with a different instruction/,
    );
  });

  it("(c) names every step of a cycle that fails nowhere but never progresses", () => {
    // The same three calls with the same results, none a failure: only the cycle rule sees it.
    const cycle = recorded["edit-run-same-error-cycle"]!.map(({ details: _details, ...call }) => ({
      ...call,
      isError: false,
    }));
    const verdicts = playUntilStop(cycle);
    expect(verdicts.map(({ at, verdict }) => `${at}:${verdict.action}`)).toEqual([
      "8:correct",
      "17:correct",
      "26:stop",
    ]);
    const stop = verdicts[2]!.verdict;
    const reason = stop.action === "stop" ? stop.reason : "";
    expect(reason).toMatch(/^Stopped by the loop guard: the sequence edit → bash → read repeated 3 times/);
    expect(reason).toContain('edit {"new_string":"batch[\\"label\\"]"');
    expect(reason).toContain(' → bash {"command":"python train.py --max-steps 10 --limit 64"} → read {');
    expect(reason).toMatch(/a different approach is needed\. Go on in this session with a different instruction/);
  });

  it("(c') catches the same error from the same run even when each edit between differs", () => {
    const verdicts = playUntilStop(recorded["edit-run-same-error-varied-edits"]!);
    expect(verdicts.map(({ verdict }) => verdict.action)).toEqual(["correct", "correct", "stop"]);
    const first = verdicts[0]!.verdict;
    expect(verdicts[0]!.at).toBe(5);
    expect(first.action === "correct" && first.message).toMatch(
      /^The call bash \{"command":"python train\.py --max-steps 10 --limit 64"\} failed with the same error 3 times, with edit in between: your changes are not reaching the cause/,
    );
    const stop = verdicts[2]!.verdict;
    const reason = stop.action === "stop" ? stop.reason : "";
    expect(reason).toContain(`The last result said: "KeyError: 'label'"`);
    expect(reason).toContain("did not touch the cause of the error");
  });

  it("stops a kernel run on the recorded cycle: corrections reach the model, the summary reaches the user", async () => {
    const cycle = recorded["edit-run-same-error-cycle"]!;
    const tools: AnyTool[] = ["edit", "bash", "read"].map((name) => ({
      name,
      description: name,
      kind: name === "read" ? "read" : "execute",
      parameters: { type: "object" },
      async execute() {
        const call = cycle.find((each) => each.name === name)!;
        return { content: call.result, isError: call.isError, ...(call.details ? { details: call.details } : {}) };
      },
    }));
    const steps = Array.from({ length: 27 }, (_, index) => {
      const call = cycle[index % cycle.length]!;
      return toolCalls({ id: `call_${index}`, name: call.name, args: call.args });
    });
    const provider = scriptedProvider([...steps, text("never reached")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools,
      permissions: { mode: "bypassPermissions" },
    });
    const events: string[] = [];
    kernel.on("loop_guard", (event) => events.push(`${event.action}:${event.kind}`));
    const result = await kernel.prompt("Reproduce the paper's accuracy on sst2.");

    expect(events).toEqual(["correct:error", "correct:error", "stop:error"]);
    expect(result.stopReason).toBe("loop_guard");
    expect(result.steps).toBe(26);
    expect(result.error).toMatch(
      /^Stopped by the loop guard: the call bash .* failed with the same error 3 times.*Go on in this session/,
    );
    // The model saw the corrective message in the result of the call that completed the loop.
    const corrected = provider.requests[8]!.messages.at(-1)!;
    expect(messageText(corrected)).toContain("[loop guard] The call bash");
    expect(messageText(corrected)).toContain("your changes are not reaching the cause");
  });
});
