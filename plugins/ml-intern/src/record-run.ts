import { defineTool, type PluginToolContext, type ToolResult } from "@pincer/sdk";
import { formatValue, type Metric, MetricsError, metricLabel, readMetrics } from "./metrics.js";
import { absolutePath, markdownBeside, shown } from "./paths.js";
import {
  loadResults,
  type ParamValue,
  type Results,
  ResultsError,
  RUN_STATUSES,
  type RunRecord,
  type RunStatus,
  renderResultsMarkdown,
} from "./results.js";

export const DEFAULT_RESULTS_FILE = "results.json";

interface RecordRunArgs {
  id: string;
  status?: RunStatus;
  params?: Record<string, ParamValue>;
  metricsFile?: string;
  notes?: string;
  paper?: { title?: string; metrics: Record<string, number>; split?: string };
  primaryMetric?: string;
  resultsFile?: string;
}

const resultsFileParameter = {
  type: "string",
  description: `The results file in the workspace (default ${DEFAULT_RESULTS_FILE}); the table is written beside it as .md`,
} as const;

/**
 * `intern_record_run`: one run into results.json (the same id again replaces it), and results.md
 * rewritten from it. The metrics come from the file the evaluation wrote, never from the model's
 * words; NaN or infinite metrics mark the run diverged, whatever status was asked for.
 */
export const internRecordRun = defineTool<RecordRunArgs>({
  name: "intern_record_run",
  description: [
    "Record one training run in results.json and rewrite results.md, the table comparing every run with the paper's numbers.",
    "Call it after every run, good or bad: ok runs need metricsFile (the JSON the evaluation wrote); crashed or failed runs need status and notes saying why.",
    "Each metric keeps the split the evaluation wrote it for (val_accuracy is validation, test_f1 test; lm-evaluation-harness and lighteval results are read with their tasks and splits). Metrics that are NaN or infinite mark the run diverged. Runs that differ only in params.seed are summarised as mean ± std. Give the paper's reported numbers once (paper.metrics) to compare against.",
  ].join(" "),
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      id: { type: "string", minLength: 1, description: "A short run name, e.g. run-1 or lr3e-5" },
      status: {
        type: "string",
        enum: [...RUN_STATUSES],
        description: "How it ended (default ok when a metrics file is given)",
      },
      params: {
        type: "object",
        additionalProperties: { type: ["string", "number", "boolean"] },
        description: "The run's settings: learning_rate, epochs, batch_size, model...",
      },
      metricsFile: { type: "string", description: "The metrics JSON the evaluation wrote, e.g. runs/run-1/eval.json" },
      notes: { type: "string", description: "What you learned from this run" },
      paper: {
        type: "object",
        properties: {
          title: { type: "string" },
          metrics: { type: "object", additionalProperties: { type: "number" } },
          split: { type: "string", description: "The split the paper's numbers are on (test, validation)" },
        },
        required: ["metrics"],
        additionalProperties: false,
        description: "The paper's reported numbers, e.g. {metrics: {accuracy: 0.913}, split: test}",
      },
      primaryMetric: {
        type: "string",
        description: "The metric that decides the best run (by name: its validation value is used when there is one)",
      },
      resultsFile: resultsFileParameter,
    },
    required: ["id"],
    additionalProperties: false,
  },
  permissionSubject: (args, cwd) => ({
    kind: "path",
    value: absolutePath(args.resultsFile ?? DEFAULT_RESULTS_FILE, cwd),
  }),
  async execute(args, ctx) {
    const file = absolutePath(args.resultsFile ?? DEFAULT_RESULTS_FILE, ctx.cwd);
    try {
      const results = await loadResults(ctx.fs, file);
      const run = await buildRun(args, ctx);
      const index = results.runs.findIndex((existing) => existing.id === run.id);
      if (index >= 0) results.runs[index] = run;
      else results.runs.push(run);
      if (args.paper) results.paper = args.paper;
      if (args.primaryMetric) results.primaryMetric = args.primaryMetric;
      const table = await writeResults(ctx, file, results);
      const verb = index >= 0 ? "Replaced" : "Recorded";
      return {
        content: `${verb} run ${run.id} (${run.status}) in ${shown(file, ctx.cwd)}.\n\n${table}`,
        details: { file, run, runs: results.runs.length },
      };
    } catch (error) {
      if (error instanceof MetricsError || error instanceof ResultsError)
        return { content: error.message, isError: true };
      throw error;
    }
  },
});

/** `intern_results`: the table of every run so far, read from results.json. */
export const internResults = defineTool<{ resultsFile?: string }>({
  name: "intern_results",
  description: "Show the results table: every recorded run, its settings and metrics, against the paper's numbers.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { resultsFile: resultsFileParameter },
    additionalProperties: false,
  },
  async execute(args, ctx): Promise<ToolResult> {
    const file = absolutePath(args.resultsFile ?? DEFAULT_RESULTS_FILE, ctx.cwd);
    try {
      if (!(await ctx.fs.stat(file))) {
        return {
          content: `No runs recorded yet (${shown(file, ctx.cwd)} does not exist). Record one with intern_record_run.`,
        };
      }
      const results = await loadResults(ctx.fs, file);
      return { content: renderResultsMarkdown(results), details: { file, results } };
    } catch (error) {
      if (error instanceof ResultsError) return { content: error.message, isError: true };
      throw error;
    }
  },
});

async function buildRun(args: RecordRunArgs, ctx: PluginToolContext): Promise<RunRecord> {
  const notes: string[] = args.notes ? [args.notes] : [];
  let status: RunStatus | undefined = args.status;
  let metrics: Metric[] = [];
  let metricsFile: string | undefined;
  if (args.metricsFile) {
    metricsFile = absolutePath(args.metricsFile, ctx.cwd);
    try {
      metrics = await readMetrics(ctx.fs, metricsFile);
    } catch (error) {
      // A crashed run may have left no metrics; say so in its notes rather than refuse it.
      if (!(error instanceof MetricsError) || status === undefined || status === "ok") throw error;
      notes.push(`no usable metrics: ${error.message}`);
    }
  } else if (status === undefined || status === "ok") {
    throw new MetricsError(
      `Run ${args.id} has no metricsFile: give the JSON file the evaluation wrote, or a status (crashed, failed, diverged) with notes saying what happened.`,
    );
  }
  const nonFinite = metrics.filter((metric) => !Number.isFinite(metric.value));
  if (nonFinite.length > 0) {
    status = "diverged";
    notes.push(
      `non-finite ${nonFinite.map((metric) => `${metricLabel(metric)}=${formatValue(metric.value)}`).join(", ")}`,
    );
  }
  const measures = Object.fromEntries(
    metrics
      .filter((metric) => metric.split || metric.dataset || metricLabel(metric) !== metric.name)
      .map((metric) => [
        metricLabel(metric),
        {
          name: metric.name,
          ...(metric.split ? { split: metric.split } : {}),
          ...(metric.dataset ? { dataset: metric.dataset.name } : {}),
        },
      ]),
  );
  return {
    id: args.id,
    status: status ?? "ok",
    params: args.params ?? {},
    metrics: Object.fromEntries(
      metrics.map((metric) => [metricLabel(metric), Number.isFinite(metric.value) ? metric.value : null]),
    ),
    ...(Object.keys(measures).length ? { measures } : {}),
    ...(metricsFile ? { metricsFile: shown(metricsFile, ctx.cwd) } : {}),
    ...(notes.length ? { notes: notes.join("; ") } : {}),
  };
}

async function writeResults(ctx: PluginToolContext, file: string, results: Results): Promise<string> {
  const table = renderResultsMarkdown(results);
  await ctx.fs.writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await ctx.fs.writeFile(markdownBeside(file), table);
  return table;
}
