import type { FsCapability } from "@pincer/sdk";
import { formatValue, lowerIsBetter } from "./metrics.js";

export const RUN_STATUSES = ["ok", "diverged", "crashed", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type ParamValue = string | number | boolean;

/** One training run as recorded: its settings, where its metrics came from, and how it ended. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  params: Record<string, ParamValue>;
  /** Metrics read from metricsFile; NaN and infinities are stored as null (JSON has no NaN). */
  metrics: Record<string, number | null>;
  metricsFile?: string;
  notes?: string;
}

/** What results.json holds: every run, and the numbers the paper reports to compare against. */
export interface Results {
  paper?: { title?: string; metrics: Record<string, number> };
  /** The metric that decides the best run; default: the paper's first, else the first recorded. */
  primaryMetric?: string;
  runs: RunRecord[];
}

export class ResultsError extends Error {}

export async function loadResults(fs: FsCapability, path: string): Promise<Results> {
  if (!(await fs.stat(path))) return { runs: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readText(path));
  } catch (error) {
    throw new ResultsError(
      `${path} is not valid JSON (${(error as Error).message}); fix or move it, and intern_record_run starts a new one.`,
    );
  }
  const results = parsed as Partial<Results>;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(results.runs)) {
    throw new ResultsError(`${path} is not a results file (no "runs" list); fix or move it.`);
  }
  return parsed as Results;
}

/** results.md: one row per run, the paper's numbers as the target row, and the best run named. */
export function renderResultsMarkdown(results: Results): string {
  const metricNames = unique([
    ...Object.keys(results.paper?.metrics ?? {}),
    ...results.runs.flatMap((run) => Object.keys(run.metrics)),
  ]);
  const paramNames = unique(results.runs.flatMap((run) => Object.keys(run.params)));
  const lines = ["# Results", ""];
  if (results.paper) lines.push(`Paper: ${results.paper.title ?? "(untitled)"}`, "");
  if (results.runs.length === 0) {
    lines.push("No runs recorded yet.");
    return `${lines.join("\n")}\n`;
  }
  const header = ["Run", "Status", ...paramNames, ...metricNames, "Notes"];
  lines.push(row(header), row(header.map(() => "---")));
  if (results.paper) {
    lines.push(
      row([
        "paper (target)",
        "",
        ...paramNames.map(() => ""),
        ...metricNames.map((name) => cell(results.paper?.metrics[name])),
        "",
      ]),
    );
  }
  for (const run of results.runs) {
    lines.push(
      row([
        run.id,
        run.status,
        ...paramNames.map((name) => (run.params[name] === undefined ? "" : String(run.params[name]))),
        ...metricNames.map((name) => (name in run.metrics ? cell(run.metrics[name]) : "")),
        run.notes ?? "",
      ]),
    );
  }
  const best = bestRun(results);
  if (best) {
    const target = results.paper?.metrics[best.metric];
    const versus =
      target === undefined
        ? ""
        : ` vs the paper's ${formatValue(target)} (${signed(best.value - target)}${lowerIsBetter(best.metric) ? ", lower is better" : ""})`;
    lines.push("", `Best run: ${best.run.id}, ${best.metric} ${formatValue(best.value)}${versus}.`);
  }
  return `${lines.join("\n")}\n`;
}

/** The ok run with the best primary metric, if any run has it. */
export function bestRun(results: Results): { run: RunRecord; metric: string; value: number } | undefined {
  const metric = primaryMetric(results);
  if (!metric) return undefined;
  const lower = lowerIsBetter(metric);
  let best: { run: RunRecord; metric: string; value: number } | undefined;
  for (const run of results.runs) {
    const value = run.metrics[metric];
    if (run.status !== "ok" || typeof value !== "number" || !Number.isFinite(value)) continue;
    if (!best || (lower ? value < best.value : value > best.value)) best = { run, metric, value };
  }
  return best;
}

export function primaryMetric(results: Results): string | undefined {
  return (
    results.primaryMetric ??
    Object.keys(results.paper?.metrics ?? {})[0] ??
    results.runs.flatMap((run) => Object.keys(run.metrics))[0]
  );
}

function cell(value: number | null | undefined): string {
  if (value === undefined) return "";
  return value === null ? "non-finite" : formatValue(value);
}

function signed(delta: number): string {
  const text = formatValue(Math.abs(delta));
  return delta < 0 ? `−${text}` : `+${text}`;
}

function row(cells: string[]): string {
  return `| ${cells.map((text) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")).join(" | ")} |`;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
