import type { PipelineMetric, Stage } from "./pipeline.js";
import { formatParams } from "./pipeline-prompts.js";
import { formatNumber, type ResultsJson, type RunRecord, type StageRecord } from "./results-table.js";

/** What the runs came to: the selection, and the lines that tell the engineer and the user. */

/** A run's value of the metric, from its training or its evaluation. */
export function metricValue(run: RunRecord, metric: PipelineMetric, source: "train" | "eval"): number | undefined {
  return (source === "eval" ? run.evalMetrics : run.metrics)?.[metric.name];
}

/** The best finished run on the metric; on a tie the earlier run wins. */
export function selectBest(runs: RunRecord[], metric: PipelineMetric, source: "train" | "eval"): RunRecord | undefined {
  let best: { run: RunRecord; value: number } | undefined;
  for (const run of runs) {
    const value = metricValue(run, metric, source);
    if (run.status !== "ok" || value === undefined || !Number.isFinite(value)) continue;
    const better = !best || (metric.goal === "maximize" ? value > best.value : value < best.value);
    if (better) best = { run, value };
  }
  return best?.run;
}

/** One line (and a line per run) for the next stages' prompts. */
export function describeStage(
  record: StageRecord,
  stage: Stage,
  runs: RunRecord[],
  metric: PipelineMetric | undefined,
): string {
  const head = `- ${stage.id} (${stage.kind}): ${record.status}${record.reason ? ` — ${record.reason}` : ""}`;
  if (stage.kind === "train" || stage.kind === "eval") {
    const source = stage.kind;
    const lines = runs.map((run) => {
      const value = metric ? metricValue(run, metric, source) : undefined;
      const shown = value !== undefined && metric ? `, ${metric.name} ${formatNumber(value)}` : "";
      return `  - ${run.id} (${formatParams(run.params)}): ${run.status}${shown}${run.reason ? ` — ${run.reason}` : ""}`;
    });
    return [`${head}; files per run: ${record.files.join(", ")}`, ...lines].join("\n");
  }
  if (stage.kind === "select") return `${head}${record.note ? `: ${record.note}` : ""}`;
  const files = record.files.length > 0 ? `; files: ${record.files.join(", ")}` : "";
  return `${head}${files}${record.note ? `\n  Engineer's summary: ${record.note.replaceAll("\n", " ")}` : ""}`;
}

/** What is done, what is not and where the files are. */
export function summarize(json: ResultsJson, markdownPath: string, cwd: string): string {
  const done = json.stages.filter((stage) => stage.status === "done").map((stage) => stage.id);
  const notRun = json.stages.filter((stage) => stage.status === "skipped").map((stage) => stage.id);
  const failed = json.stages.find((stage) => stage.status === "failed");
  const parts = [
    failed
      ? `Stopped at stage ${failed.id} (${failed.kind}): ${failed.reason ?? "failed"}.`
      : `Pipeline ${json.pipeline} finished.`,
  ];
  if (json.selected)
    parts.push(`Selected ${json.selected.run} (${json.metric?.name} ${formatNumber(json.selected.value)}).`);
  parts.push(`Done: ${done.join(", ") || "nothing"}.`);
  if (notRun.length > 0) parts.push(`Not run: ${notRun.join(", ")}.`);
  parts.push(`Files are in ${cwd}; the results table is ${markdownPath}.`);
  return parts.join(" ");
}
