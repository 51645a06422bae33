import { describe, expect, it } from "vitest";
import { EXIT_FINISHED_WITH_PROBLEMS, exitCodeOf, finalState, repoUrl } from "./report.js";
import type { InternRunOutcome } from "./run.js";

function outcome(overrides: Partial<InternRunOutcome>): InternRunOutcome {
  return {
    code: 0,
    steps: 3,
    costUsd: 0,
    sessionId: "20260101-000000-abcdef",
    sessionFile: "/home/ada/.pincer/sessions/s.jsonl",
    uploaded: false,
    produced: { files: ["train.py"], repos: new Map([["model:ada/m", ["model/"]]]), jobs: [], runs: [], problems: [] },
    hubEndpoint: "http://127.0.0.1:9",
    wallMs: 1500,
    ...overrides,
  };
}

function print(value: InternRunOutcome, extra: { failure?: string; sessionsRepo?: string } = {}): string {
  return finalState(value, extra);
}

describe("the exit code of an intern run", () => {
  it("is 3, not success, when the turn finished with problems left; stops keep their own code", () => {
    const clean = outcome({});
    const problem = { subject: 'paper "2401.99999"', what: "could not be read" };
    const withProblems = outcome({ produced: { ...clean.produced, problems: [problem] } });
    const failedRun = outcome({
      produced: { ...clean.produced, lastFailure: { tool: "bash", command: "python train.py", summary: "exit 1" } },
    });
    expect(exitCodeOf(clean)).toBe(0);
    expect(EXIT_FINISHED_WITH_PROBLEMS).toBe(3);
    expect(exitCodeOf(withProblems)).toBe(3);
    expect(exitCodeOf(failedRun)).toBe(3);
    expect(exitCodeOf({ ...withProblems, code: 1 })).toBe(1);
    expect(exitCodeOf({ ...clean, code: 130 })).toBe(130);
  });
});

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

  it("says what the run spent by kind: the model, jobs, endpoints, other costed tools", () => {
    const text = print(outcome({ costUsd: 0.123, toolSpendUsd: { job: 3.4, endpoint: 1.2, tool: 0.05, other: 0 } }));
    expect(text).toContain(
      "✓ finished in 1.5s · 3 model calls · $0.12 for the model, $3.40 for jobs, $1.20 for endpoints, $0.05 for other tools",
    );
    expect(print(outcome({ toolSpendUsd: { job: 0 } }))).toContain("✓ finished in 1.5s · 3 model calls\n");
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
          runs: [],
          problems: [],
          lastFailure: { tool: "bash", command: "python3 train.py", summary: "ValueError: boom\nexit code 1" },
        },
        uploadError: "Hub unreachable",
      }),
      { sessionsRepo: "ada/s" },
    );
    expect(text).toContain("! finished with 1 problem in 1.5s");
    expect(text).toContain("! the last run (bash: python3 train.py) failed, and no later run succeeded:");
    expect(text).toContain(
      "continue: fix what is above, then pincer intern resume 20260101-000000-abcdef   (on this machine)",
    );
    expect(text).toContain("│ ValueError: boom");
    expect(text).toContain("nothing yet");
    expect(text).toContain("not uploaded (Hub unreachable); the local file is complete");
  });

  it("a refused push: the problem, where the files are, that nothing was published, and how to publish", () => {
    const text = print(
      outcome({
        workdir: "/work/run",
        produced: {
          files: ["model/config.json"],
          repos: new Map(),
          jobs: [],
          runs: [{ id: "r1", status: "ok" }],
          resultsTable: "results.md",
          problems: [
            {
              subject: "dataset org/m",
              what: "hf_upload_folder of model failed: HTTP 403",
              unpublished: { repo: "org/m", type: "dataset", localPath: "model" },
            },
          ],
        },
      }),
    );
    expect(text).toContain("! finished with 1 problem in 1.5s · 3 model calls");
    expect(text).toContain("Problems:\n  ✗ dataset org/m: hf_upload_folder of model failed: HTTP 403\n");
    expect(text).toContain(
      "    not published; the files are still in /work/run/model. To publish: give HF_TOKEN write access to org/m (or pick a repo you own), then pincer intern resume 20260101-000000-abcdef, or upload it yourself: hf upload org/m /work/run/model --repo-type dataset",
    );
    expect(text).toContain("  runs:   r1 ok — table in results.md\n  hub:    nothing published\n");
    expect(text).toContain("continue: fix what is above, then pincer intern resume 20260101-000000-abcdef");
  });
});
