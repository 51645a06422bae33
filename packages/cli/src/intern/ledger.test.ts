import type { KernelEvent, ToolResultMessage } from "@pincer/kernel";
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
  const message: ToolResultMessage = {
    role: "toolResult",
    toolCallId,
    toolName: name,
    content: [{ type: "text", text: result.text }],
    isError: result.isError ?? false,
    timestamp: 0,
    ...(result.details ? { details: result.details } : {}),
  };
  ledger.listener({ type: "tool_end", toolCallId, name, result: message, durationMs: 1 } as KernelEvent);
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
});
