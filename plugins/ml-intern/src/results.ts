import type { FsCapability } from "@pincer/sdk";
import { formatValue, lowerIsBetter } from "./metrics.js";

export const RUN_STATUSES = ["ok", "diverged", "crashed", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type ParamValue = string | number | boolean;

/** What a metric column is: the metric's name, and the split and dataset it was measured on when known. */
export interface Measure {
  name: string;
  split?: string;
  dataset?: string;
}

/** One training run as recorded: its settings, where its metrics came from, and how it ended. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  params: Record<string, ParamValue>;
  /**
   * Metrics read from metricsFile, by label (`accuracy`, `accuracy (validation)`); NaN and
   * infinities are stored as null (JSON has no NaN).
   */
  metrics: Record<string, number | null>;
  /** What each label measures (its split, its dataset); a label without an entry is its own name. */
  measures?: Record<string, Measure>;
  metricsFile?: string;
  notes?: string;
}

/** What results.json holds: every run, and the numbers the paper reports to compare against. */
export interface Results {
  /** The paper's numbers by metric name, and the split they are on when it says. */
  paper?: { title?: string; metrics: Record<string, number>; split?: string };
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

const SEED_PARAMS = new Set(["seed", "random_state", "random_seed"]);

const measureOf = (run: RunRecord, label: string): Measure => run.measures?.[label] ?? { name: label };

/** What a column of the runs table measures (`mae (test)` is mae on the test split), from the first run that has it. */
export function columnMeasure(runs: RunRecord[], label: string): Measure {
  const run = runs.find((candidate) => label in candidate.metrics);
  return run ? measureOf(run, label) : { name: label };
}

/** Where the paper's number for a column is: same metric, same dataset, and the paper's split when it names one. */
export function paperValue(results: Results, measure: Measure): number | undefined {
  const paper = results.paper;
  const value = paper?.metrics[measure.name];
  if (value === undefined || measure.dataset) return undefined;
  if (paper?.split && measure.split && measure.split !== paper.split) return undefined;
  return value;
}

/** results.md: one row per run, the paper's numbers as the target row, runs over seeds as mean ± std, and the best run named. */
export function renderResultsMarkdown(results: Results): string {
  const paramNames = unique(results.runs.flatMap((run) => Object.keys(run.params)));
  // A metric named like a setting (an `epochs` the evaluation echoed) is the setting, shown once.
  const labels = unique(results.runs.flatMap((run) => Object.keys(run.metrics))).filter(
    (label) => !paramNames.includes(label),
  );
  const measures = new Map<string, Measure>();
  for (const run of results.runs)
    for (const label of Object.keys(run.metrics)) if (!measures.has(label)) measures.set(label, measureOf(run, label));
  const paperLabels = Object.keys(results.paper?.metrics ?? {}).filter(
    (name) => !labels.some((label) => measures.get(label)?.name === name) && !paramNames.includes(name),
  );
  const metricNames = [...labels, ...paperLabels];
  const lines = ["# Results", ""];
  if (results.paper)
    lines.push(
      `Paper: ${results.paper.title ?? "(untitled)"}${results.paper.split ? ` (${results.paper.split} split)` : ""}`,
      "",
    );
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
        ...metricNames.map((label) => cell(paperValue(results, measures.get(label) ?? { name: label }))),
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
        ...metricNames.map((label) => (label in run.metrics ? cell(run.metrics[label]) : "")),
        run.notes ?? "",
      ]),
    );
  }
  lines.push(...seedSummary(results, paramNames, labels));
  const best = bestRun(results);
  if (best) {
    const target = paperValue(results, best.measure);
    const versus =
      target === undefined
        ? ""
        : ` vs the paper's ${formatValue(target)} (${signed(best.value - target)}${lowerIsBetter(best.metric) ? ", lower is better" : ""})`;
    // With a single run to its name nothing was selected, whatever split it was measured on.
    const measured = results.runs.filter((run) => run.status === "ok" && typeof run.metrics[best.metric] === "number");
    const onTest =
      best.measure.split === "test" && measured.length > 1
        ? " Selected on the test split: record a validation metric and select on it, so the test number stays unbiased."
        : "";
    lines.push("", `Best run: ${best.run.id}, ${best.metric} ${formatValue(best.value)}${versus}.${onTest}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Runs that differ only in their seed, as mean ± std over the seeds (sample std), when there are two or more. */
function seedSummary(results: Results, paramNames: string[], labels: string[]): string[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of results.runs) {
    if (run.status !== "ok" || !Object.keys(run.params).some((name) => SEED_PARAMS.has(name))) continue;
    const key = JSON.stringify(
      paramNames.filter((name) => !SEED_PARAMS.has(name)).map((name) => run.params[name] ?? null),
    );
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const summaries = [...groups.values()].filter((runs) => runs.length >= 2);
  if (summaries.length === 0) return [];
  const settings = paramNames.filter((name) => !SEED_PARAMS.has(name));
  const lines = [
    "",
    "## Across seeds (mean ± std)",
    "",
    row(["Runs", ...settings, ...labels]),
    row(["---", ...settings.map(() => "---"), ...labels.map(() => "---")]),
  ];
  for (const runs of summaries) {
    const first = runs[0] as RunRecord;
    lines.push(
      row([
        `${runs.map((run) => run.id).join(", ")} (${runs.length} seeds)`,
        ...settings.map((name) => (first.params[name] === undefined ? "" : String(first.params[name]))),
        ...labels.map((label) => {
          const values = runs.map((run) => run.metrics[label]).filter((v): v is number => typeof v === "number");
          if (values.length < 2) return values.length ? formatValue(values[0] as number) : "";
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
          return `${formatValue(mean)} ± ${formatValue(std)}`;
        }),
      ]),
    );
  }
  return lines;
}

/**
 * The ok run with the best primary metric. A primary metric named without a split is looked up
 * on the validation split first, then where the split is unknown, and on the test split only
 * when nothing else measured it (the report then says so).
 */
export function bestRun(
  results: Results,
): { run: RunRecord; metric: string; value: number; measure: Measure } | undefined {
  const metric = primaryMetric(results);
  if (!metric) return undefined;
  const label = chooseLabel(results, metric);
  if (!label) return undefined;
  const lower = lowerIsBetter(metric);
  let best: { run: RunRecord; metric: string; value: number; measure: Measure } | undefined;
  for (const run of results.runs) {
    const value = run.metrics[label];
    if (run.status !== "ok" || typeof value !== "number" || !Number.isFinite(value)) continue;
    if (!best || (lower ? value < best.value : value > best.value))
      best = { run, metric: label, value, measure: measureOf(run, label) };
  }
  return best;
}

function chooseLabel(results: Results, metric: string): string | undefined {
  const labels = unique(results.runs.flatMap((run) => Object.keys(run.metrics)));
  if (labels.includes(metric)) return metric;
  const measureFor = (label: string) => {
    for (const run of results.runs) if (label in run.metrics) return measureOf(run, label);
    return { name: label };
  };
  const candidates = labels.filter((label) => measureFor(label).name === metric && !measureFor(label).dataset);
  const rank = (label: string) => ["validation", undefined, "test"].indexOf(measureFor(label).split);
  return candidates.filter((label) => rank(label) >= 0).sort((a, b) => rank(a) - rank(b))[0];
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
