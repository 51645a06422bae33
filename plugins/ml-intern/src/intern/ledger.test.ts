import { describe, expect, it } from "vitest";
import { createLedger } from "./ledger.js";

let next = 0;
function call(
  ledger: ReturnType<typeof createLedger>,
  name: string,
  args: Record<string, unknown>,
  result: { text: string; isError?: boolean; details?: unknown },
): void {
  const toolCallId = `call_${next++}`;
  ledger.listener({ type: "tool_start", toolCallId, name, args });
  // As a driver gets it (DrivenEvent): the tool's text, whether it failed, and its details.
  ledger.listener({
    type: "tool_end",
    toolCallId,
    name,
    text: result.text,
    isError: result.isError ?? false,
    durationMs: 1,
    ...(result.details ? { details: result.details } : {}),
  });
}

describe("the intern's ledger of what a run produced", () => {
  it("lists written files, the repos pushed to and the jobs run", () => {
    const ledger = createLedger();
    call(ledger, "write", { path: "train.py", content: "x" }, { text: "Created train.py" });
    call(ledger, "intern_record_run", { id: "a", metricsFile: "m.json" }, { text: "Recorded run a" });
    call(ledger, "intern_model_card", { folder: "model", name: "me/m" }, { text: "Wrote the model card" });
    call(ledger, "hf_create_repo", { name: "me/m" }, { text: "Created model repo me/m" });
    call(ledger, "hf_upload_folder", { repo: "me/m", localPath: "model" }, { text: "Uploaded 4 files" });
    call(ledger, "hf_upload_file", { repo: "me/m", path: "results.md", localPath: "results.md" }, { text: "Uploaded" });
    call(
      ledger,
      "hf_job_run",
      { script: "print(1)", wait: true },
      { text: "ended COMPLETED", details: { id: "job-1", status: { stage: "COMPLETED" } } },
    );
    const produced = ledger.produced();
    expect(produced.files).toEqual(["train.py", "results.json", "results.md", "model/README.md"]);
    expect([...produced.repos]).toEqual([["model:me/m", ["model/", "results.md"]]]);
    expect(produced.jobs).toEqual([{ id: "job-1", status: "COMPLETED" }]);
    expect(produced.lastFailure).toBeUndefined();
  });

  it("keeps a failed training run until a later one succeeds, and skips what failed", () => {
    const ledger = createLedger();
    call(
      ledger,
      "bash",
      { command: "/usr/bin/python3 train.py" },
      { text: "Traceback …\nValueError: no column label\nexit code 1" },
    );
    call(ledger, "hf_upload_file", { repo: "me/m", path: "a" }, { text: "403", isError: true });
    expect(ledger.produced().lastFailure).toMatchObject({
      tool: "bash",
      summary: expect.stringContaining("ValueError"),
    });
    expect(ledger.produced().repos.size).toBe(0);
    // A failing command that is not training leaves the record alone.
    call(ledger, "bash", { command: "ls missing" }, { text: "No such file\nexit code 2" });
    expect(ledger.produced().lastFailure?.summary).toContain("ValueError");
    call(ledger, "bash", { command: "/usr/bin/python3 train.py" }, { text: "accuracy 0.8\nexit code 0" });
    expect(ledger.produced().lastFailure).toBeUndefined();
  });

  it("records a job that failed, with its id, as the last failure", () => {
    const ledger = createLedger();
    call(
      ledger,
      "hf_job_run",
      { script: "raise SystemExit(3)", wait: true },
      {
        text: "Job j2: ERROR\nExit code: 3",
        isError: true,
        details: { id: "j2", status: { stage: "ERROR" } },
      },
    );
    expect(ledger.produced().jobs).toEqual([{ id: "j2", status: "ERROR" }]);
    expect(ledger.produced().lastFailure?.tool).toBe("hf_job_run");
  });

  it("keeps the problems nothing later fixed: a refused push stays until the same repo takes it", () => {
    const ledger = createLedger();
    const refused = { text: "HTTP 403: HF_TOKEN is not allowed to do this", isError: true };
    call(ledger, "hf_upload_folder", { repo: "org/m", localPath: "model" }, refused);
    call(ledger, "hf_upload_folder", { repo: "me/other", localPath: "model" }, { text: "Uploaded 2 files" });
    expect(ledger.produced().problems).toEqual([
      {
        subject: "model org/m",
        what: "hf_upload_folder of model failed: HTTP 403: HF_TOKEN is not allowed to do this",
        unpublished: { repo: "org/m", type: "model", localPath: "model" },
      },
    ]);
    call(ledger, "hf_upload_folder", { repo: "org/m", localPath: "model" }, { text: "Uploaded 2 files" });
    expect(ledger.produced().problems).toEqual([]);
  });

  it("clears paper problems once any paper is read, and a dataset misfit once a training run works", () => {
    const ledger = createLedger();
    call(ledger, "hf_papers_read", { paper: "2401.99999" }, { text: "HTTP 404: no paper", isError: true });
    call(
      ledger,
      "hf_dataset_inspect",
      { dataset: "me/d", check: "sft" },
      {
        text: "Columns (train): q: string\nCheck sft: does not fit; missing messages (sft needs messages).",
        details: { features: [{ name: "q" }], check: { fits: false } },
      },
    );
    expect(ledger.produced().problems.map((problem) => [problem.subject, problem.what])).toEqual([
      ['paper "2401.99999"', "could not be read: HTTP 404: no paper"],
      ["dataset me/d (sft)", "has columns q: missing messages (sft needs messages)."],
    ]);
    call(ledger, "hf_papers_read", { paper: "2401.12345" }, { text: "## Method" });
    call(
      ledger,
      "bash",
      { command: "/usr/bin/python3 map_columns.py" },
      { text: "wrote data/train.jsonl\nexit code 0" },
    );
    expect(ledger.produced().problems).toEqual([]);
  });

  it("lists recorded runs as they stand, a diverged one with its notes", () => {
    const ledger = createLedger();
    const recorded = (status: string, notes?: string) => ({
      text: `Recorded run r1 (${status})`,
      details: { run: { id: "r1", status, ...(notes ? { notes } : {}) } },
    });
    call(ledger, "intern_record_run", { id: "r1", resultsFile: "out/results.json" }, recorded("diverged", "loss=NaN"));
    expect(ledger.produced()).toMatchObject({
      runs: [{ id: "r1", status: "diverged", notes: "loss=NaN" }],
      resultsTable: "out/results.md",
    });
    call(ledger, "intern_record_run", { id: "r1", resultsFile: "out/results.json" }, recorded("ok"));
    expect(ledger.produced().runs).toEqual([{ id: "r1", status: "ok" }]);
  });
});
