import {
  DEFAULT_EVAL_METRICS,
  DEFAULT_TRAIN_METRICS,
  gridCombinations,
  type PipelineMetric,
  type Stage,
} from "./pipeline.js";
import { didYouMean, GLOBAL_PLACEHOLDERS, PLACEHOLDER } from "./pipeline-schema.js";
import type { Reporter } from "./pipeline-validate.js";

/** A stage as read from the file, with its position in the list (for messages). */
export type IndexedStage = Stage & { index: number; gridKeys: string[] };

/** Rules between stages: one train, select after it with a metric, publish after select… */
export function checkStageOrder(
  top: { metric?: unknown; model?: unknown },
  stages: IndexedStage[],
  metric: PipelineMetric | undefined,
  report: Reporter,
): void {
  const firstOf = (kind: Stage["kind"]) => stages.find((stage) => stage.kind === kind);
  for (const kind of ["train", "eval", "select"] as const) {
    const first = firstOf(kind);
    for (const other of stages.filter((stage) => stage.kind === kind && stage !== first)) {
      const why = kind === "train" ? "put every hyperparameter in its grid" : `merge it into stages[${first!.index}]`;
      report.add(
        ["stages", other.index, "kind"],
        `a pipeline has one ${kind} stage (stages[${first!.index}]): ${why}.`,
      );
    }
  }
  const train = firstOf("train");
  const select = firstOf("select");
  for (const stage of stages) {
    const at = ["stages", stage.index];
    const afterTrain = train !== undefined && train.index < stage.index;
    if ((stage.kind === "eval" || stage.kind === "select") && !afterTrain) {
      const verb = stage.kind === "eval" ? "evaluates" : "picks among";
      report.add([...at, "kind"], `${stage.kind} ${verb} the runs of a train stage: put it after one.`);
    }
    if (stage.kind === "eval" && afterTrain && select && select.index < stage.index)
      report.add(
        [...at, "kind"],
        `eval comes after select (stages[${select.index}]): move it before, so select uses the evaluation.`,
      );
    if (stage.kind === "select" && !stage.metric && !metric && top.metric === undefined) {
      report.add(
        at,
        "select needs a metric to select on: add metric: { name: accuracy, goal: maximize } at the top level (or on this stage).",
      );
    }
    if (stage.kind === "publish") {
      if (!select)
        report.add(
          [...at, "kind"],
          "publish needs a select stage before it to choose the run to publish: add - { id: select, kind: select }.",
        );
      else if (select.index > stage.index)
        report.add(
          [...at, "kind"],
          `publish comes before select (stages[${select.index}]): move it after, so it publishes the selected run.`,
        );
      if (top.model === undefined)
        report.add(
          at,
          "publish needs model: at the top level, the Hub repo to push to (e.g. model: ada/my-classifier).",
        );
    }
    if (stage.kind === "train" || stage.kind === "eval") {
      const runs = gridCombinations(train?.grid).length;
      const file = stage.metrics ?? (stage.kind === "train" ? DEFAULT_TRAIN_METRICS : DEFAULT_EVAL_METRICS);
      if (runs > 1 && !file.includes("{run}"))
        report.add([...at, "metrics"], `must contain {run} so the ${runs} runs don't overwrite each other's metrics.`);
    }
  }
}

/** Every `{placeholder}` in prompts, outputs and metrics paths must be one the stage can fill. */
export function checkPlaceholders(stages: IndexedStage[], top: Record<string, unknown>, report: Reporter): void {
  const train = stages.find((stage) => stage.kind === "train");
  // The keys as written, even when some of their values are wrong, so one mistake doesn't cascade.
  const gridKeys = train?.gridKeys ?? [];
  const selectIndex = stages.find((stage) => stage.kind === "select")?.index;
  for (const stage of stages) {
    // {dataset}, {model} and {metric} exist only when the file sets them.
    const defined = new Set(Object.keys(GLOBAL_PLACEHOLDERS));
    const unset = new Set(
      Object.entries(GLOBAL_PLACEHOLDERS)
        .filter(([, needs]) => needs !== undefined && top[needs] === undefined)
        .map(([name]) => name),
    );
    if (stage.kind === "train" || stage.kind === "eval")
      for (const key of ["run", "params", ...gridKeys]) defined.add(key);
    if (selectIndex !== undefined && stage.index > selectIndex)
      for (const key of ["best", "params", ...gridKeys]) defined.add(key);
    const fields: Array<[Array<string | number>, string]> = [];
    if (stage.prompt) fields.push([["prompt"], stage.prompt]);
    stage.outputs.forEach((output, index) => {
      fields.push([["outputs", index], output]);
    });
    if (stage.metrics) fields.push([["metrics"], stage.metrics]);
    for (const [field, text] of fields) {
      const reported = new Set<string>();
      for (const match of text.matchAll(PLACEHOLDER)) {
        const name = match[1]!;
        if (reported.has(name)) continue;
        const needs = GLOBAL_PLACEHOLDERS[name];
        if (defined.has(name) && !unset.has(name)) continue;
        reported.add(name);
        const usable = new Set([...defined].filter((key) => !unset.has(key)));
        report.add(["stages", stage.index, ...field], placeholderMessage(name, needs, usable, stage.kind, gridKeys));
      }
    }
  }
}

function placeholderMessage(
  name: string,
  needs: string | undefined,
  defined: Set<string>,
  kind: Stage["kind"],
  gridKeys: string[],
): string {
  if (needs !== undefined) return `{${name}} needs ${needs}: at the top level; add it.`;
  const hint = didYouMean(name, defined);
  const why =
    name === "run" || gridKeys.includes(name)
      ? `{${name}} is filled per run, in train and eval stages${name === "run" ? "" : " and after select"}`
      : name === "best"
        ? "{best} is the selected run, known only after the select stage"
        : `no grid key defines {${name}}`;
  const known = [...defined].map((key) => `{${key}}`).join(", ");
  return `${why}${hint ? `; did you mean {${hint}}?` : "."} Defined in this ${kind} stage: ${known}. Write {{${name}}} for literal braces.`;
}
