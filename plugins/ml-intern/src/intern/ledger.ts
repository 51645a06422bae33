import type { DrivenEvent } from "@pincer/sdk";
import { type Problem, type ProblemCategory, verdictOf } from "./problems.js";

/**
 * What an intern run produced, gathered from its tool calls as they end: the workspace files it
 * wrote, the Hub repos it created or pushed to, the jobs it ran and how the last one ended. The
 * final report lists these, so a run that stops early still says what it left and where.
 */
export interface Produced {
  files: string[];
  /** `type:owner/name` → the paths pushed there (empty: created only). */
  repos: Map<string, string[]>;
  jobs: Array<{ id: string; status?: string }>;
  /** The last run (a Python command or a job), when it failed: no later run succeeded. */
  lastFailure?: { tool: string; summary: string; command?: string };
  /** Runs recorded with intern_record_run, as they stand (a run recorded again replaces itself). */
  runs: Array<{ id: string; status: string; notes?: string }>;
  /** The table the runs are in (results.md beside results.json), once one was recorded. */
  resultsTable?: string;
  /** Failures nothing later fixed: a paper not read, a dataset that doesn't fit, a push refused. */
  problems: Problem[];
}

const FILE_TOOLS = new Set(["write", "edit", "intern_model_card", "intern_record_run"]);

export interface Ledger {
  listener(event: DrivenEvent): void;
  produced(): Produced;
}

export function createLedger(): Ledger {
  const started = new Map<string, { name: string; args: Record<string, unknown> }>();
  const files = new Set<string>();
  const repos = new Map<string, string[]>();
  const jobs: Produced["jobs"] = [];
  let lastFailure: Produced["lastFailure"];
  const runs = new Map<string, Produced["runs"][number]>();
  let resultsTable: string | undefined;
  const problems = new Map<string, Problem>();
  const clearCategory = (category: ProblemCategory) => {
    for (const key of problems.keys()) if (key.startsWith(`${category}:`)) problems.delete(key);
  };

  const addRepo = (args: Record<string, unknown>, path?: string) => {
    const name = typeof args.repo === "string" ? args.repo : typeof args.name === "string" ? args.name : undefined;
    if (!name) return;
    const key = `${typeof args.type === "string" ? args.type : "model"}:${name}`;
    const paths = repos.get(key) ?? [];
    if (path && !paths.includes(path)) paths.push(path);
    repos.set(key, paths);
  };

  return {
    listener(event) {
      if (event.type === "tool_start") {
        started.set(event.toolCallId, { name: event.name, args: event.args });
        return;
      }
      if (event.type !== "tool_end") return;
      const call = started.get(event.toolCallId);
      started.delete(event.toolCallId);
      if (!call) return;
      const { name, args } = call;
      const text = event.text;
      const failed = event.isError || /exit code [1-9]/i.test(text);
      if (name === "hf_job_run") {
        const details = (event.details ?? {}) as { id?: unknown; status?: { stage?: unknown } };
        if (typeof details.id === "string") {
          const status = typeof details.status?.stage === "string" ? details.status.stage : undefined;
          jobs.push({ id: details.id, ...(status ? { status } : {}) });
        }
      }
      // Training is what must not fail silently: a later successful run clears an earlier failure.
      if (isTraining(name, args)) {
        const command =
          typeof args.command === "string" ? clip(args.command.trim().split("\n")[0] ?? "", 80) : undefined;
        lastFailure = failed ? { tool: name, summary: tailOf(text), ...(command ? { command } : {}) } : undefined;
      }
      const verdict = verdictOf({ name, args, text, isError: event.isError, details: event.details });
      if (verdict?.problem) problems.set(verdict.key, verdict.problem);
      else if (verdict?.clearsCategory) clearCategory(verdict.category);
      else if (verdict) problems.delete(verdict.key);
      // A training run that went through means the data was made to fit, whatever the Hub's copy says.
      if (isTraining(name, args) && !failed) clearCategory("dataset");
      if (failed) return;
      if (name === "intern_record_run") {
        const run = (event.details as { run?: { id?: unknown; status?: unknown; notes?: unknown } })?.run;
        if (typeof run?.id === "string" && typeof run.status === "string") {
          runs.set(run.id, {
            id: run.id,
            status: run.status,
            ...(typeof run.notes === "string" ? { notes: run.notes } : {}),
          });
          resultsTable = writtenFiles(name, args)[1];
        }
      }
      if (FILE_TOOLS.has(name)) {
        for (const path of writtenFiles(name, args)) files.add(path);
      } else if (name === "hf_create_repo") {
        addRepo(args);
      } else if (name.startsWith("hf_upload")) {
        // A file lands at its path; a folder's files under pathInRepo (shown as the local folder).
        const path =
          args.path ?? (typeof args.localPath === "string" ? `${args.localPath.replace(/\/+$/, "")}/` : undefined);
        addRepo(args, typeof path === "string" ? path : undefined);
      }
    },
    produced: () => ({
      files: [...files],
      repos,
      jobs,
      ...(lastFailure ? { lastFailure } : {}),
      runs: [...runs.values()],
      ...(resultsTable ? { resultsTable } : {}),
      problems: [...problems.values()],
    }),
  };
}

/** A training run: a job, or a shell command that runs Python. */
function isTraining(name: string, args: Record<string, unknown>): boolean {
  return (
    name === "hf_job_run" || (name === "bash" && typeof args.command === "string" && /\bpython/.test(args.command))
  );
}

/** The workspace files a file-writing tool call leaves (the intern tools write beside their inputs). */
function writtenFiles(name: string, args: Record<string, unknown>): string[] {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  if (name === "intern_model_card") return [`${text(args.folder) ?? "."}/README.md`];
  if (name === "intern_record_run") {
    const results = text(args.resultsFile) ?? "results.json";
    return [results, results.replace(/\.json$/, ".md")];
  }
  const path = text(args.path);
  return path ? [path] : [];
}

function tailOf(text: string): string {
  return clip(text.trim().split("\n").slice(-4).join("\n"), 400);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
