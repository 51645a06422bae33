import { describe, expect, it } from "vitest";
import { createStyle } from "../output/style.js";
import { printFinalState, repoUrl } from "./report.js";
import type { InternRunOutcome } from "./run.js";

const style = createStyle({ isTTY: false } as NodeJS.WriteStream, { NO_COLOR: "1" });

function outcome(overrides: Partial<InternRunOutcome>): InternRunOutcome {
  return {
    code: 0,
    steps: 3,
    costUsd: 0,
    sessionId: "20260101-000000-abcdef",
    sessionFile: "/home/ada/.pincer/sessions/s.jsonl",
    uploaded: false,
    produced: { files: ["train.py"], repos: new Map([["model:ada/m", ["model/"]]]), jobs: [] },
    hubEndpoint: "http://127.0.0.1:9",
    wallMs: 1500,
    ...overrides,
  };
}

function print(value: InternRunOutcome, extra: { failure?: string; sessionsRepo?: string } = {}): string {
  let text = "";
  printFinalState((chunk) => (text += chunk), style, value, extra);
  return text;
}

describe("the final state of an intern run", () => {
  it("links repos by type", () => {
    expect(repoUrl("http://hub", "model:ada/m")).toBe("http://hub/ada/m");
    expect(repoUrl("http://hub", "dataset:ada/d")).toBe("http://hub/datasets/ada/d");
  });

  it("says what was produced and where the session went", () => {
    const text = print(
      outcome({ uploaded: true, sessionUrl: "http://127.0.0.1:9/datasets/ada/s/blob/main/sessions/x.jsonl" }),
      { sessionsRepo: "ada/s" },
    );
    expect(text).toContain("✓ finished in 1.5s · 3 model calls");
    expect(text).toContain("files:  train.py");
    expect(text).toContain("model:  http://127.0.0.1:9/ada/m (model/)");
    expect(text).toContain("uploaded: http://127.0.0.1:9/datasets/ada/s/blob/main/sessions/x.jsonl");
    expect(text).not.toContain("continue:");
  });

  it("after a budget stop, says why and how to continue with more", () => {
    const text = print(
      outcome({
        code: 1,
        budgetExhausted: "hf_job_run would cost an estimated $3.00, and this run has spent $0.01 of its $1.00 budget",
        uploaded: true,
        sessionUrl: "http://hub/datasets/ada/s/blob/main/sessions/x.jsonl",
      }),
      { sessionsRepo: "ada/s" },
    );
    expect(text).toContain("✗ stopped: the budget ran out: hf_job_run would cost an estimated $3.00");
    expect(text).toContain("pincer intern resume 20260101-000000-abcdef --budget <more dollars>   (here)");
    expect(text).toContain("pincer intern resume ada/s:20260101-000000-abcdef --budget <more dollars>   (any machine)");
  });

  it("shows a training failure nothing fixed, and an upload that failed", () => {
    const text = print(
      outcome({
        produced: {
          files: [],
          repos: new Map(),
          jobs: [],
          lastFailure: { tool: "bash", summary: "ValueError: boom\nexit code 1" },
        },
        uploadError: "Hub unreachable",
      }),
      { sessionsRepo: "ada/s" },
    );
    expect(text).toContain("! the last training run (bash) failed, and no later run succeeded:");
    expect(text).toContain("│ ValueError: boom");
    expect(text).toContain("nothing yet");
    expect(text).toContain("not uploaded (Hub unreachable); the local file is complete");
  });
});
