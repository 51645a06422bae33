import type { FsCapability } from "@pincer/sdk";
import {
  DEFAULT_EVAL_METRICS,
  DEFAULT_TRAIN_METRICS,
  type GridValue,
  gridCombinations,
  type Pipeline,
  type PipelineMetric,
  type Stage,
} from "./pipeline.js";
import { type CheckResult, checkMetrics, checkOutputs } from "./pipeline-checks.js";
import { describeStage, metricValue, selectBest, summarize } from "./pipeline-outcome.js";
import { formatParams, metricsDescription, renderTemplate, repairPrompt, stagePrompt } from "./pipeline-prompts.js";
import {
  buildResultsTable,
  formatNumber,
  type ResultsJson,
  type ResultsTable,
  type RunRecord,
  type StageRecord,
  writeResults,
} from "./results-table.js";

/** The engineer: any agent session that runs one user turn with tools (the Pincer kernel is one). */
export interface EngineerKernel {
  prompt(text: string): Promise<{ stopReason: string; error?: string; text: string }>;
}

export type PipelineEvent =
  | { type: "stage_start"; stage: string; kind: Stage["kind"]; index: number; total: number }
  | {
      type: "stage_end";
      stage: string;
      kind: Stage["kind"];
      status: StageRecord["status"];
      reason?: string;
      durationMs: number;
    }
  | { type: "run_start"; stage: string; run: string; params: Record<string, GridValue>; index: number; total: number }
  | {
      type: "run_end";
      stage: string;
      run: string;
      status: RunRecord["status"];
      value?: number;
      reason?: string;
      durationMs: number;
    }
  | { type: "repair"; stage: string; run?: string; attempt: number; of: number; problems: string[] }
  | { type: "selected"; run: string; metric: string; value: number }
  | { type: "pipeline_end"; status: ResultsJson["status"]; stoppedAt?: string; summary: string };

export interface RunPipelineOptions {
  kernel: EngineerKernel;
  /** Where the engineer works and where results.md / results.json are written (through the plugin's fs grant). */
  cwd: string;
  fs: FsCapability;
  onProgress?: (event: PipelineEvent) => void;
}

export interface PipelineResult {
  status: ResultsJson["status"];
  stoppedAt?: string;
  selected?: ResultsJson["selected"];
  runs: RunRecord[];
  stages: StageRecord[];
  table: ResultsTable;
  /** Absolute paths of results.md and results.json. */
  files: { markdown: string; json: string };
  /** What is done, what is not and where the files are, in a few sentences. */
  summary: string;
}

interface Outcome {
  status: "ok" | "diverged" | "failed" | "aborted";
  reason?: string;
  repairs: number;
  text: string;
  metrics?: Record<string, number>;
}

/** Runs every stage in order; the runner checks each stage's files and does the selection itself. */
export async function runPipeline(pipeline: Pipeline, options: RunPipelineOptions): Promise<PipelineResult> {
  const emit = (event: PipelineEvent) => options.onProgress?.(event);
  const workspace = { cwd: options.cwd, fs: options.fs };
  const selectStage = pipeline.stages.find((stage) => stage.kind === "select");
  // Runs must report the metric selection uses (the select stage's own, when it names one).
  const checkMetric: PipelineMetric | undefined = selectStage?.metric ?? pipeline.metric;
  const runs: RunRecord[] = [];
  const records: StageRecord[] = [];
  const earlier: string[] = [];
  const globals: Record<string, string> = {
    name: pipeline.name,
    task: pipeline.task,
    ...(pipeline.dataset ? { dataset: pipeline.dataset } : {}),
    ...(pipeline.model ? { model: pipeline.model } : {}),
    ...(checkMetric ? { metric: checkMetric.name } : {}),
  };
  let selected: RunRecord | undefined;
  let metricSource: "train" | "eval" = "train";
  let stoppedAt: string | undefined;

  /** One unit of work: a turn, then the checks, then up to `repairs` repair turns. */
  const carryOut = async (
    stage: Stage,
    prompt: string,
    check: () => Promise<CheckResult>,
    runId?: string,
  ): Promise<Outcome> => {
    const allowed = stage.repairs ?? pipeline.repairs;
    let repairs = 0;
    let turn = await promptSafely(options.kernel, prompt);
    for (;;) {
      if (turn.stopReason === "aborted") return { status: "aborted", reason: "interrupted", repairs, text: turn.text };
      const result = await check();
      if (result.diverged)
        return { status: "diverged", reason: result.diverged, repairs, text: turn.text, ...metricsOf(result) };
      const ended =
        turn.stopReason === "end_turn"
          ? undefined
          : `the turn ended with ${turn.stopReason}${turn.error ? `: ${turn.error}` : ""}`;
      // With no files to check, the turn's own ending is the only evidence the stage worked.
      const problems = result.problems.length === 0 && ended && !hasChecks(stage) ? [ended] : result.problems;
      if (problems.length === 0) return { status: "ok", repairs, text: turn.text, ...metricsOf(result) };
      if (repairs >= allowed) {
        const reason = [...problems, ...(ended && problems[0] !== ended ? [`(${ended})`] : [])].join("; ");
        return { status: "failed", reason, repairs, text: turn.text };
      }
      repairs++;
      emit({
        type: "repair",
        stage: stage.id,
        ...(runId ? { run: runId } : {}),
        attempt: repairs,
        of: allowed,
        problems,
      });
      turn = await promptSafely(
        options.kernel,
        repairPrompt({ stage, ...(runId ? { runId } : {}), problems, attempt: repairs, of: allowed }),
      );
    }
  };

  const expectedFiles = (stage: Stage, values: Record<string, string>) => {
    const files = stage.outputs.map((path) => ({ path: renderTemplate(path, values), what: "must exist" }));
    if (stage.kind === "train" || stage.kind === "eval") {
      const template = stage.metrics ?? (stage.kind === "train" ? DEFAULT_TRAIN_METRICS : DEFAULT_EVAL_METRICS);
      files.unshift({ path: renderTemplate(template, values), what: metricsDescription(checkMetric?.name) });
    }
    return files;
  };
  const checker = (stage: Stage, files: Array<{ path: string }>) => async (): Promise<CheckResult> => {
    const isMetrics = stage.kind === "train" || stage.kind === "eval";
    const [metricsFile, ...rest] = isMetrics ? files : [undefined, ...files];
    const problems = await checkOutputs(
      workspace,
      rest.map((file) => file!.path),
    );
    if (!metricsFile) return { problems };
    const metrics = await checkMetrics(workspace, metricsFile.path, checkMetric);
    return { ...metrics, problems: [...metrics.problems, ...problems] };
  };
  const bestValues = (): Record<string, string> =>
    selected ? { best: selected.id, params: formatParams(selected.params), ...stringValues(selected.params) } : {};

  for (const [index, stage] of pipeline.stages.entries()) {
    if (stoppedAt) {
      records.push({ id: stage.id, kind: stage.kind, status: "skipped", durationMs: 0, repairs: 0, files: [] });
      continue;
    }
    emit({ type: "stage_start", stage: stage.id, kind: stage.kind, index, total: pipeline.stages.length });
    const started = Date.now();
    const record: StageRecord = {
      id: stage.id,
      kind: stage.kind,
      status: "done",
      durationMs: 0,
      repairs: 0,
      files: [],
    };
    const promptFor = (values: Record<string, string>, files: Array<{ path: string; what: string }>, run?: RunInfo) =>
      stagePrompt({
        pipeline,
        stage,
        stageNumber: index + 1,
        cwd: options.cwd,
        values,
        expected: files,
        earlier,
        ...(run ? { run } : {}),
      });

    if (stage.kind === "select") {
      metricSource = pipeline.stages.some((other) => other.kind === "eval") ? "eval" : "train";
      const metric = (stage.metric ?? pipeline.metric)!;
      selected = selectBest(runs, metric, metricSource);
      if (selected) {
        selected.selected = true;
        const value = metricValue(selected, metric, metricSource)!;
        record.note = `selected ${selected.id} (${formatParams(selected.params)}): ${metric.name} ${formatNumber(value)}`;
        emit({ type: "selected", run: selected.id, metric: metric.name, value });
      } else {
        record.status = "failed";
        record.reason = `no run finished with a finite ${metric.name}${metricSource === "eval" ? " in its evaluation" : ""}`;
      }
    } else if (stage.kind === "train" || stage.kind === "eval") {
      const combinations =
        stage.kind === "train" ? gridCombinations(stage.grid).map((params, i) => newRun(stage, params, i)) : [];
      runs.push(...combinations);
      const todo = stage.kind === "train" ? combinations : runs.filter((run) => run.status === "ok");
      record.files = expectedFiles(stage, { ...globals, run: "{run}" }).map((file) => file.path);
      for (const [position, run] of todo.entries()) {
        const info: RunInfo = { id: run.id, params: run.params, index: position, total: todo.length };
        emit({
          type: "run_start",
          stage: stage.id,
          run: run.id,
          params: run.params,
          index: position,
          total: todo.length,
        });
        const runStarted = Date.now();
        const values = { ...globals, run: run.id, params: formatParams(run.params), ...stringValues(run.params) };
        const files = expectedFiles(stage, values);
        const outcome = await carryOut(stage, promptFor(values, files, info), checker(stage, files), run.id);
        const durationMs = Date.now() - runStarted;
        run.durationMs += durationMs;
        run.repairs += outcome.repairs;
        record.repairs += outcome.repairs;
        if (stage.kind === "train") run.metrics = outcome.metrics ?? {};
        else if (outcome.metrics) run.evalMetrics = outcome.metrics;
        run.status = outcome.status === "aborted" ? "failed" : outcome.status;
        if (outcome.reason) run.reason = stage.kind === "eval" ? `eval: ${outcome.reason}` : outcome.reason;
        const value = checkMetric ? metricValue(run, checkMetric, stage.kind) : undefined;
        emit({
          type: "run_end",
          stage: stage.id,
          run: run.id,
          status: run.status,
          ...(value !== undefined ? { value } : {}),
          ...(run.reason ? { reason: run.reason } : {}),
          durationMs,
        });
        if (outcome.status === "aborted") {
          record.status = "failed";
          record.reason = "interrupted";
          break;
        }
      }
      const ok = todo.filter((run) => run.status === "ok").length;
      record.note = `${ok} of ${todo.length} runs ok`;
      if (record.status === "done" && ok === 0) {
        record.status = "failed";
        record.reason =
          todo.length === 0
            ? "no run to work on"
            : `no run succeeded (${todo.map((run) => `${run.id}: ${run.reason ?? run.status}`).join("; ")})`;
      }
    } else {
      const values = { ...globals, ...bestValues() };
      const files = expectedFiles(stage, values);
      record.files = files.map((file) => file.path);
      const outcome = await carryOut(stage, promptFor(values, files), checker(stage, files));
      record.repairs = outcome.repairs;
      record.note = outcome.text.trim().slice(0, 300);
      if (outcome.status !== "ok") {
        record.status = "failed";
        record.reason = outcome.reason ?? outcome.status;
      }
    }
    record.durationMs = Date.now() - started;
    records.push(record);
    earlier.push(describeStage(record, stage, runs, checkMetric));
    emit({
      type: "stage_end",
      stage: stage.id,
      kind: stage.kind,
      status: record.status,
      ...(record.reason ? { reason: record.reason } : {}),
      durationMs: record.durationMs,
    });
    if (record.status === "failed") stoppedAt = stage.id;
    // Written as soon as a run is selected, so publishing can upload the table with the model.
    if (stage.kind === "select" && record.status === "done") await save(false);
  }

  async function save(final: boolean) {
    const metric = selectStage?.metric ?? pipeline.metric;
    const json: ResultsJson = {
      pipeline: pipeline.name,
      task: pipeline.task,
      status: stoppedAt ? "failed" : "done",
      ...(stoppedAt ? { stoppedAt } : {}),
      ...(metric ? { metric: { ...metric, source: metricSource } } : {}),
      ...(selected && metric
        ? {
            selected: {
              run: selected.id,
              value: metricValue(selected, metric, metricSource)!,
              params: selected.params,
            },
          }
        : {}),
      runs,
      stages: final ? records : [...records, ...pipeline.stages.slice(records.length).map(pending)],
    };
    const table = buildResultsTable(json, pipeline);
    return { table, files: await writeResults(workspace, table) };
  }

  const { table, files } = await save(true);
  const summary = summarize(table.json, files.markdown, options.cwd);
  emit({ type: "pipeline_end", status: table.json.status, ...(stoppedAt ? { stoppedAt } : {}), summary });
  return {
    status: table.json.status,
    ...(stoppedAt ? { stoppedAt } : {}),
    ...(table.json.selected ? { selected: table.json.selected } : {}),
    runs,
    stages: records,
    table,
    files,
    summary,
  };
}

type RunInfo = { id: string; params: Record<string, GridValue>; index: number; total: number };

async function promptSafely(kernel: EngineerKernel, text: string) {
  try {
    return await kernel.prompt(text);
  } catch (error) {
    return { stopReason: "error", error: (error as Error).message, text: "" };
  }
}

const hasChecks = (stage: Stage) => stage.outputs.length > 0 || stage.kind === "train" || stage.kind === "eval";
const metricsOf = (result: CheckResult) => (result.metrics ? { metrics: result.metrics } : {});
const stringValues = (params: Record<string, GridValue>) =>
  Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
const pending = (stage: Stage): StageRecord => ({
  id: stage.id,
  kind: stage.kind,
  status: "skipped",
  reason: "not run yet",
  durationMs: 0,
  repairs: 0,
  files: [],
});

function newRun(stage: Stage, params: Record<string, GridValue>, index: number): RunRecord {
  return { id: `${stage.id}-${index + 1}`, params, status: "skipped", metrics: {}, durationMs: 0, repairs: 0 };
}
