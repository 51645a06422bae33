import type { GridValue, Pipeline, PipelineMetric, StageKind } from "./pipeline.js";
import { inWorkspace, type Workspace } from "./workspace.js";

export type RunStatus = "ok" | "diverged" | "failed" | "skipped";
export type StageStatus = "done" | "failed" | "skipped";

/** One training run (one grid combination) and what became of it. */
export interface RunRecord {
  id: string;
  params: Record<string, GridValue>;
  status: RunStatus;
  /** Numeric values of the run's metrics file (NaN where it diverged). */
  metrics: Record<string, number>;
  /** Numeric values of the eval stage's file for this run, when there is an eval stage. */
  evalMetrics?: Record<string, number>;
  /** Why the run failed or diverged. */
  reason?: string;
  /** Training plus evaluation, repairs included. */
  durationMs: number;
  repairs: number;
  selected?: boolean;
}

export interface StageRecord {
  id: string;
  kind: StageKind;
  status: StageStatus;
  reason?: string;
  durationMs: number;
  repairs: number;
  /** Files the stage was checked for (placeholders filled). */
  files: string[];
  /** The engineer's closing summary, shortened. */
  note?: string;
}

export interface ResultsJson {
  pipeline: string;
  task: string;
  status: "done" | "failed";
  /** The stage that stopped the pipeline, when it failed. */
  stoppedAt?: string;
  metric?: PipelineMetric & { source: "train" | "eval" };
  selected?: { run: string; value: number; params: Record<string, GridValue> };
  runs: RunRecord[];
  stages: StageRecord[];
}

export interface ResultsTable {
  markdown: string;
  json: ResultsJson;
}

/** The table users read and upload with the model: a row per run, the selected one marked. */
export function buildResultsTable(json: ResultsJson, pipeline: Pipeline): ResultsTable {
  const gridKeys = [...new Set(json.runs.flatMap((run) => Object.keys(run.params)))];
  const metric = json.metric?.name;
  // The named metric first, then other numeric metrics the runs reported (a few, to stay readable).
  const trainKeys = orderedKeys(
    json.runs.map((run) => run.metrics),
    metric,
  );
  const evalKeys = orderedKeys(
    json.runs.flatMap((run) => (run.evalMetrics ? [run.evalMetrics] : [])),
    metric,
  );
  const header = [
    "run",
    ...gridKeys,
    ...trainKeys.map((key) => (evalKeys.length > 0 ? `train ${key}` : key)),
    ...evalKeys.map((key) => `eval ${key}`),
    "status",
    "duration",
    "",
  ];
  const rows = json.runs.map((run) => [
    run.id,
    ...gridKeys.map((key) => (key in run.params ? String(run.params[key]) : "")),
    ...trainKeys.map((key) => formatNumber(run.metrics[key])),
    ...evalKeys.map((key) => formatNumber(run.evalMetrics?.[key])),
    `${run.reason ? `${run.status}: ${run.reason}` : run.status}${run.repairs > 0 ? ` (${plural(run.repairs, "repair")})` : ""}`,
    formatDuration(run.durationMs),
    run.selected ? "**selected**" : "",
  ]);
  const lines = [`# ${pipeline.name}`, "", pipeline.task, ""];
  if (json.metric) {
    const chosen = json.selected
      ? `selected **${json.selected.run}** (${json.metric.name} ${formatNumber(json.selected.value)})`
      : "no run selected";
    lines.push(`Metric: ${json.metric.name} (${json.metric.goal}, from ${json.metric.source}); ${chosen}.`, "");
  }
  lines.push(json.status === "done" ? "Status: done." : `Status: failed at stage ${json.stoppedAt ?? "?"}.`, "");
  if (json.runs.length > 0) lines.push(markdownTable(header, rows), "");
  lines.push(
    "## Stages",
    "",
    markdownTable(
      ["stage", "kind", "status", "duration", "repairs", "files"],
      json.stages.map((stage) => [
        stage.id,
        stage.kind,
        stage.reason ? `${stage.status}: ${stage.reason}` : stage.status,
        stage.status === "skipped" ? "" : formatDuration(stage.durationMs),
        String(stage.repairs),
        stage.files.join(", "),
      ]),
    ),
    "",
  );
  return { markdown: lines.join("\n"), json };
}

/** Writes `results.md` and `results.json` into the working directory; returns their paths. */
export async function writeResults(
  { cwd, fs }: Workspace,
  table: ResultsTable,
): Promise<{ markdown: string; json: string }> {
  const paths = { markdown: inWorkspace(cwd, "results.md"), json: inWorkspace(cwd, "results.json") };
  await fs.writeFile(paths.markdown, table.markdown);
  // NaN is not JSON: a diverged value is written as null, with the run's status saying why.
  await fs.writeFile(paths.json, `${JSON.stringify(table.json, null, 2)}\n`);
  return paths;
}

function orderedKeys(records: Array<Record<string, number>>, first: string | undefined, limit = 5): string[] {
  const keys = [...new Set(records.flatMap((record) => Object.keys(record)))];
  const rest = keys.filter((key) => key !== first);
  return [...(first && keys.includes(first) ? [first] : []), ...rest].slice(0, limit);
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined) return "";
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return String(Math.round(value * 10) / 10);
  return String(Number(value.toPrecision(4)));
}

export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

function markdownTable(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ].join("\n");
}
