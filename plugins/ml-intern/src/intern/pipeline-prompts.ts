import type { GridValue, Pipeline, Stage } from "./pipeline.js";
import { PLACEHOLDER } from "./pipeline-schema.js";

/** What a stage's prompt is built from: the stage, the values of its placeholders, the files to leave. */
export interface StagePromptInput {
  pipeline: Pipeline;
  stage: Stage;
  stageNumber: number;
  cwd: string;
  values: Record<string, string>;
  /** The run this turn is for (train/eval), with its hyperparameters. */
  run?: { id: string; params: Record<string, GridValue>; index: number; total: number };
  /** Files the runner will check, each with what it must hold. */
  expected: Array<{ path: string; what: string }>;
  /** One line per earlier stage (and run): status, files, the engineer's note. */
  earlier: string[];
}

const DEFAULT_PROMPTS: Record<Stage["kind"], string> = {
  data:
    "Prepare the data for the task. Inspect the dataset{dataset_hint}, check its columns fit the task, " +
    "and write a script (prepare.py) that writes train, validation and test splits under data/. Run it.",
  train:
    "Train a model for the task with these hyperparameters: {params}. Use the data the earlier stages prepared; " +
    "if there is no reusable training script yet, write one (train.py) that takes the hyperparameters as arguments. " +
    "Save the model under runs/{run}/model.",
  eval:
    "Evaluate the model of run {run} (runs/{run}/model) on the held-out test split, with the same metric " +
    "definitions for every run.",
  select: "",
  publish:
    "Publish the selected run {best}: create the model repo {model} if it does not exist (hf_create_repo), then upload " +
    "the model files from runs/{best}/ and the results table results.md (as README.md) with hf_upload_file.",
  custom: "",
};

/** Fills `{placeholders}` from values (unknown ones stay as written) and turns `{{`/`}}` into braces. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template
    .replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole)
    .replaceAll("{{", "{")
    .replaceAll("}}", "}");
}

export function formatParams(params: Record<string, GridValue>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? "(defaults)" : entries.map(([key, value]) => `${key}=${value}`).join(", ");
}

/** The user turn for one stage (or one run of it). */
export function stagePrompt(input: StagePromptInput): string {
  const { pipeline, stage, run } = input;
  const total = pipeline.stages.length;
  const runPart = run ? `, run ${run.id} (${run.index + 1} of ${run.total})` : "";
  const facts = [
    pipeline.dataset ? `Dataset: ${pipeline.dataset}` : undefined,
    pipeline.model ? `Model repo: ${pipeline.model}` : undefined,
    pipeline.metric ? `Metric: ${pipeline.metric.name} (${pipeline.metric.goal})` : undefined,
    `Runner: ${pipeline.runner === "hf" ? `Hugging Face Jobs (${pipeline.flavor ?? "cpu-basic"})` : "local"}`,
  ].filter(Boolean);
  const values = {
    ...input.values,
    dataset_hint: pipeline.dataset ? ` ${pipeline.dataset} (hf_dataset_inspect shows its splits and columns)` : "",
    params: run ? formatParams(run.params) : "",
  };
  const instructions = renderTemplate(stage.prompt ?? DEFAULT_PROMPTS[stage.kind], values);
  const parts = [
    `You are the ML engineer of the pipeline "${pipeline.name}": stage ${input.stageNumber} of ${total}, "${stage.id}" (${stage.kind})${runPart}.`,
    `Task: ${pipeline.task}`,
    `${facts.join(" · ")} · Working directory: ${input.cwd}`,
  ];
  if (input.earlier.length > 0) parts.push(`What earlier stages produced:\n${input.earlier.join("\n")}`);
  parts.push(`Instructions for this stage:\n${instructions}`);
  if (run && Object.keys(run.params).length > 0) parts.push(`Hyperparameters of this run: ${formatParams(run.params)}`);
  if (pipeline.runner === "hf" && (stage.kind === "train" || stage.kind === "eval")) {
    parts.push(
      `Run the heavy work as a Hugging Face Job: hf_job_run with flavor ${pipeline.flavor ?? "cpu-basic"}, with wait: true so the result brings back the final status, metrics and log tail; have the script print its metrics as JSON lines so you can write them into the files below.`,
    );
  }
  if (input.expected.length > 0) {
    parts.push(
      `When you finish, these files must exist — the runner checks them:\n${input.expected.map((file) => `- ${file.path}: ${file.what}`).join("\n")}`,
    );
  }
  parts.push(
    "Do the work with your tools (write files, run commands) rather than describing it. If something fails, fix it and rerun. End with a short summary of what you did and the numbers you got.",
  );
  return parts.join("\n\n");
}

/** The follow-up sent when a turn left files missing or wrong. */
export function repairPrompt(input: {
  stage: Stage;
  runId?: string;
  problems: string[];
  attempt: number;
  of: number;
}): string {
  const what = input.runId ? `Run ${input.runId} of stage "${input.stage.id}"` : `Stage "${input.stage.id}"`;
  return [
    `${what} is not finished — the runner checked its files and found:`,
    input.problems.map((problem) => `- ${problem}`).join("\n"),
    `Find out what went wrong (read the logs and errors), fix it and rerun, so that the files exist and are valid. This is repair ${input.attempt} of ${input.of}; after that the ${input.runId ? "run" : "stage"} is marked failed.`,
  ].join("\n\n");
}

/** What a train/eval metrics file must hold, said to the engineer. */
export function metricsDescription(metricName: string | undefined): string {
  const example = metricName ?? "accuracy";
  return `a JSON object of the run's final metrics, e.g. {"${example}": 0.91, "loss": 0.27}${metricName ? ` — "${metricName}" is required` : ""}; if training diverged, write the NaN values as they are (NaN), don't hide them`;
}
