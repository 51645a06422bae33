import { describe, expect, it } from "vitest";
import { canonicalJson, LoopGuard, type LoopVerdict } from "./loop-guard.js";

type Call = { name: string; args: unknown; resultText: string; isError: boolean };
const ok = (name: string, args: unknown, resultText: string): Call => ({ name, args, resultText, isError: false });
const fail = (name: string, args: unknown, resultText: string): Call => ({ name, args, resultText, isError: true });

function play(guard: LoopGuard, calls: Call[]): LoopVerdict[] {
  return calls.map((call) => guard.observe(call));
}
const actions = (verdicts: LoopVerdict[]) => verdicts.map((verdict) => verdict.action);

describe("LoopGuard on recorded loops", () => {
  it("corrects the same read with the same result three times running", () => {
    const verdicts = play(
      new LoopGuard(),
      Array.from({ length: 3 }, () => ok("read", { path: "a.ts" }, "same content")),
    );
    expect(actions(verdicts)).toEqual(["none", "none", "correct"]);
    const last = verdicts[2]!;
    expect(last.action === "correct" && last.kind).toBe("repeat");
    expect(last.action === "correct" && last.message).toContain("read");
  });

  it("stops the run when the loop persists after the allowed corrections", () => {
    const guard = new LoopGuard({ maxCorrections: 2 });
    const verdicts = play(
      guard,
      Array.from({ length: 9 }, () => ok("read", { path: "a.ts" }, "same")),
    );
    expect(actions(verdicts)).toEqual(["none", "none", "correct", "none", "none", "correct", "none", "none", "stop"]);
    const stop = verdicts[8]!;
    expect(stop.action === "stop" && stop.reason).toContain("after 2 correction(s)");
  });

  it("treats argument order as irrelevant", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe(
      '{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}',
    );
    const verdicts = play(new LoopGuard(), [
      ok("grep", { a: 1, b: 2 }, "x"),
      ok("grep", { b: 2, a: 1 }, "x"),
      ok("grep", { a: 1, b: 2 }, "x"),
    ]);
    expect(actions(verdicts).at(-1)).toBe("correct");
  });

  it("corrects the same error coming back from different edits", () => {
    const error = "old_string was not found in src/app.ts.";
    const verdicts = play(new LoopGuard(), [
      fail("edit", { old_string: "const a = 1" }, error),
      fail("edit", { old_string: "const a= 1" }, error),
      fail("edit", { old_string: "const  a = 1" }, error),
    ]);
    const last = verdicts.at(-1)!;
    expect(last.action === "correct" && last.kind).toBe("error");
  });

  it("corrects an A,B cycle repeated three times", () => {
    const calls = Array.from({ length: 3 }, () => [
      ok("read", { path: "a" }, "A"),
      ok("write", { path: "a", content: "x" }, "written"),
    ]).flat();
    const verdicts = play(new LoopGuard(), calls);
    expect(actions(verdicts).slice(0, 5)).toEqual(["none", "none", "none", "none", "none"]);
    const last = verdicts.at(-1)!;
    expect(last.action === "correct" && last.kind).toBe("cycle");
    expect(last.action === "correct" && last.message).toContain("read → write");
  });

  it("corrects a 3-call cycle", () => {
    const cycle = [
      ok("bash", { command: "npm test" }, "1 failing"),
      ok("read", { path: "t.ts" }, "test"),
      ok("edit", { path: "t.ts" }, "Edited"),
    ];
    const verdicts = play(new LoopGuard(), [...cycle, ...cycle, ...cycle]);
    const last = verdicts.at(-1)!;
    expect(last.action === "correct" && last.kind).toBe("cycle");
  });

  it("does not flag polling a job whose log keeps changing", () => {
    const guard = new LoopGuard();
    const calls = Array.from({ length: 10 }, (_, step) =>
      ok("job_logs", { id: "job-1" }, `epoch ${step}: loss ${(1 / (step + 1)).toFixed(3)}`),
    );
    expect(actions(play(guard, calls)).every((action) => action === "none")).toBe(true);
  });

  it("flags polling that keeps returning the identical result", () => {
    const calls = Array.from({ length: 3 }, () => ok("job_logs", { id: "job-1" }, "status: pending"));
    expect(actions(play(new LoopGuard(), calls)).at(-1)).toBe("correct");
  });

  it("never triggers on a normal varied session", () => {
    const names = ["read", "grep", "edit", "bash", "glob", "write", "ls"];
    const calls = Array.from({ length: 30 }, (_, index) =>
      ok(names[index % names.length]!, { path: `f${index}.ts` }, `result ${index}`),
    );
    expect(actions(play(new LoopGuard(), calls)).every((action) => action === "none")).toBe(true);
  });

  it("reset() starts over for a new prompt", () => {
    const guard = new LoopGuard();
    play(guard, [ok("read", { path: "a" }, "x"), ok("read", { path: "a" }, "x")]);
    guard.reset();
    expect(guard.observe(ok("read", { path: "a" }, "x")).action).toBe("none");
  });

  it("honours configured thresholds", () => {
    const guard = new LoopGuard({ repeatThreshold: 5 });
    const verdicts = play(
      guard,
      Array.from({ length: 5 }, () => ok("ls", {}, "same")),
    );
    expect(actions(verdicts)).toEqual(["none", "none", "none", "none", "correct"]);
  });

  it("tells results apart by their whole text, short ones compared as they are and long ones by digest", () => {
    // Short results differing in their last character only, then long ones (past the 4096
    // characters compared as text) differing in theirs: none is a repeat.
    for (const size of [100, 4096, 4097, 100_000]) {
      const base = "x".repeat(size - 1);
      const verdicts = play(
        new LoopGuard(),
        ["a", "b", "c"].map((end) => ok("read", { path: "log" }, `${base}${end}`)),
      );
      expect(actions(verdicts)).toEqual(["none", "none", "none"]);
      const same = play(
        new LoopGuard(),
        ["a", "a", "a"].map((end) => ok("read", { path: "log" }, `${base}${end}`)),
      );
      expect(actions(same)).toEqual(["none", "none", "correct"]);
    }
  });

  it("quotes the result's first telling line, or a failure's last one", () => {
    const guard = new LoopGuard();
    const status = "\n  \nexit code 0\n  RUNNING step 3  \nmore\n";
    const verdicts = play(
      guard,
      Array.from({ length: 9 }, () => ok("bash", { command: "status" }, status)),
    );
    const stop = verdicts[8]!;
    expect(stop.action === "stop" && stop.reason).toContain('The last result said: "RUNNING step 3"');
    const failing = "Traceback:\n  File x\nValueError: bad shape\n\nexit code 1\n";
    const errors = play(
      new LoopGuard({ maxCorrections: 0 }),
      Array.from({ length: 3 }, () => fail("bash", { command: "python train.py" }, failing)),
    );
    const stopped = errors[2]!;
    expect(stopped.action === "stop" && stopped.reason).toContain('The last result said: "ValueError: bad shape"');
  });
});
