import { CommandUsageError, type FsCapability } from "@pincer/sdk";
import { validatePipelineText } from "./pipeline-validate.js";

/**
 * An experiment pipeline (`pincer intern run pipeline.yaml`): stages the engineer carries out one
 * after another — data preparation, training over a grid, evaluation, selection, publishing — with
 * the runner checking each stage's files and selecting the best run itself.
 */
export interface Pipeline {
  name: string;
  /** What the whole pipeline is for, said to the engineer in every stage. */
  task: string;
  /** A Hub dataset id. */
  dataset?: string;
  /** The Hub model repo publishing pushes to. */
  model?: string;
  metric?: PipelineMetric;
  /** Where training runs: here (`local`) or as Hugging Face Jobs (`hf`). */
  runner: "local" | "hf";
  /** The Jobs hardware when runner is hf (cpu-basic, t4-small, a10g-large…). */
  flavor?: string;
  /** Repair prompts a stage gets when its files are missing or wrong, before it fails. */
  repairs: number;
  stages: Stage[];
}

export const STAGE_KINDS = ["data", "train", "eval", "select", "publish", "custom"] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export interface PipelineMetric {
  name: string;
  goal: "maximize" | "minimize";
}

export interface Stage {
  id: string;
  kind: StageKind;
  /** The engineer's instructions; `{placeholders}` are filled per run. Kinds other than custom have a default. */
  prompt?: string;
  /** train: one run per combination of these values. */
  grid?: Record<string, GridValue[]>;
  /** Files (path templates, relative to the working directory) the stage must leave behind. */
  outputs: string[];
  /** train/eval: the per-run metrics file (a template with `{run}`). */
  metrics?: string;
  /** select: the metric to select on, when it differs from the pipeline's. */
  metric?: PipelineMetric;
  /** Overrides the pipeline's `repairs` for this stage. */
  repairs?: number;
}

export type GridValue = string | number | boolean;

/** Where each train run writes its metrics unless the stage says otherwise. */
export const DEFAULT_TRAIN_METRICS = "runs/{run}/metrics.json";
/** Where the eval stage writes each run's evaluation unless it says otherwise. */
export const DEFAULT_EVAL_METRICS = "runs/{run}/eval.json";
/** Runs one train stage may start: a larger grid is almost always a typo (or a budget accident). */
export const MAX_GRID_RUNS = 64;
export const DEFAULT_REPAIRS = 2;

export interface PipelineIssue {
  /** Where in the file, as a path: `stages[2].grid.lr`; empty for the whole file. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A pipeline file with mistakes: every one of them, each with its place. Exit code 2. */
export class PipelineError extends CommandUsageError {
  override name = "PipelineError";
  readonly issues: PipelineIssue[];
  readonly file: string;

  constructor(file: string, issues: PipelineIssue[]) {
    super(formatIssues(file, issues));
    this.file = file;
    this.issues = issues;
  }

  /** One line per mistake, `file:line:column path: message`, under a count. */
  format(): string {
    return this.message;
  }
}

function formatIssues(file: string, issues: PipelineIssue[]): string {
  const count = issues.length === 1 ? "1 mistake" : `${issues.length} mistakes`;
  const lines = issues.map((issue) => {
    const where = issue.line !== undefined ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
    return `  ${where} ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
  });
  return `${file} has ${count}:\n${lines.join("\n")}\nFix the file and run it again (see examples/ml-intern/pipeline.yaml).`;
}

/** Parses and validates pipeline YAML; throws PipelineError listing every mistake. */
export function parsePipeline(text: string, file = "pipeline.yaml"): Pipeline {
  const result = validatePipelineText(text);
  if (!result.pipeline) throw new PipelineError(file, result.issues);
  return result.pipeline;
}

/** Reads a pipeline file (through the plugin's fs grant); a missing file is a PipelineError too (exit code 2). */
export async function loadPipeline(fs: FsCapability, path: string): Promise<Pipeline> {
  let text: string;
  try {
    text = await fs.readText(path);
  } catch (error) {
    const reason = (await fs.stat(path).catch(() => null)) === null ? "no such file" : (error as Error).message;
    throw new PipelineError(path, [
      { path: "", message: `cannot be read (${reason}). Give the path of a pipeline YAML file.` },
    ]);
  }
  return parsePipeline(text, path);
}

/** Every combination of a grid, in file order (the first key varies slowest). */
export function gridCombinations(grid: Record<string, GridValue[]> | undefined): Array<Record<string, GridValue>> {
  let combinations: Array<Record<string, GridValue>> = [{}];
  for (const [key, values] of Object.entries(grid ?? {})) {
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [key]: value })));
  }
  return combinations;
}
