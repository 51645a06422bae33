import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import {
  DEFAULT_REPAIRS,
  type GridValue,
  MAX_GRID_RUNS,
  type Pipeline,
  type PipelineIssue,
  type PipelineMetric,
  STAGE_KINDS,
  type StageKind,
} from "./pipeline.js";
import { checkPlaceholders, checkStageOrder, type IndexedStage } from "./pipeline-rules.js";
import { didYouMean, METRIC_KEYS, PIPELINE_KEYS, RESERVED_GRID_KEYS, STAGE_KEYS } from "./pipeline-schema.js";

export type Path = Array<string | number>;

/** `stages[2].grid.lr` */
export function formatPath(path: Path): string {
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
}

/** Collects issues with their place in the file: the key's position for key mistakes, else the value's. */
export class Reporter {
  readonly issues: PipelineIssue[] = [];
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  add(path: Path, message: string, at: "value" | "key" = "value"): void {
    const offset = this.offset(path, at);
    const position = offset === undefined ? undefined : this.lines.linePos(offset);
    this.issues.push({
      path: formatPath(path),
      message,
      ...(position ? { line: position.line, column: position.col } : {}),
    });
  }

  /** The nearest node that exists along the path (a missing key points at its parent mapping). */
  private offset(path: Path, at: "value" | "key"): number | undefined {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const [index, part] of path.entries()) {
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === part);
        if (!pair) return offset;
        const target = last && at === "key" ? pair.key : (pair.value ?? pair.key);
        node = target;
      } else if (isSeq(node) && typeof part === "number") {
        node = node.items[part];
      } else return offset;
      offset = (node as Node | null)?.range?.[0] ?? offset;
    }
    return offset;
  }
}

type Json = unknown;
const isRecord = (value: Json): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const STAGE_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses YAML and checks everything; the pipeline is returned only when there is no issue. */
export function validatePipelineText(text: string): { pipeline?: Pipeline; issues: PipelineIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((error) => ({
        path: "",
        // yaml appends the position and a code excerpt; the position is given separately.
        message: `YAML syntax: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}${braceHint(text, error.linePos?.[0].line)}`,
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
      })),
    };
  }
  const report = new Reporter(doc, lines);
  const pipeline = validateDocument(doc.toJS(), report);
  if (report.issues.length === 0 && pipeline) return { pipeline, issues: [] };
  // In file order, so the list reads top to bottom beside the file.
  const place = (issue: PipelineIssue) => (issue.line ?? 0) * 1e6 + (issue.column ?? 0);
  return { issues: [...report.issues].sort((a, b) => place(a) - place(b)) };
}

/** `[runs/{run}/x.json]` and `prompt: {dataset} …` are YAML flow syntax, not text: say how to write them. */
function braceHint(text: string, line: number | undefined): string {
  const source = line === undefined ? "" : (text.split("\n")[line - 1] ?? "");
  if (/\[[^\]"']*\{\w+\}/.test(source))
    return '. A path with {placeholders} inside [ ] must be quoted: ["runs/{run}/metrics.json"], or written as a block list (- runs/{run}/metrics.json).';
  if (/:\s*\{\w+\}\s*\S/.test(source))
    return ". A value that starts with {placeholder} must be quoted, or written as a block (prompt: >) on the next lines.";
  return "";
}

function validateDocument(root: Json, report: Reporter): Pipeline | undefined {
  if (!isRecord(root)) {
    report.add([], "must be a YAML mapping with name, task and stages (see examples/ml-intern/pipeline.yaml).");
    return undefined;
  }
  unknownKeys(root, [], PIPELINE_KEYS, report);
  const name = requiredText(root, "name", [], report);
  const task = requiredText(root, "task", [], report);
  const dataset = optionalId(root, "dataset", report);
  const model = optionalId(root, "model", report);
  const metric = root.metric === undefined ? undefined : validateMetric(root.metric, ["metric"], report);
  const runner = root.runner ?? "local";
  if (runner !== "local" && runner !== "hf") {
    const hint = typeof runner === "string" ? didYouMean(runner, ["local", "hf"]) : undefined;
    report.add(["runner"], `must be local or hf${hint ? ` (did you mean ${hint}?)` : ""}.`);
  }
  const flavor = root.flavor;
  if (flavor !== undefined) {
    if (typeof flavor !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(flavor))
      report.add(["flavor"], "must be a Jobs hardware name, e.g. cpu-basic, t4-small, a10g-large.");
    else if (runner !== "hf")
      report.add(["flavor"], "applies only to Hugging Face Jobs: add runner: hf, or remove it.");
  }
  const repairs = validateRepairs(root.repairs, ["repairs"], report) ?? DEFAULT_REPAIRS;

  const stages: IndexedStage[] = [];
  if (root.stages === undefined) report.add(["stages"], `is missing: add ${PIPELINE_KEYS.stages}.`);
  else if (!Array.isArray(root.stages) || root.stages.length === 0)
    report.add(["stages"], "must be a non-empty list of stages, e.g. - { id: train, kind: train, prompt: … }.");
  else {
    const seen = new Map<string, number>();
    root.stages.forEach((raw: Json, index: number) => {
      const stage = validateStage(raw, index, report);
      if (!stage) return;
      const first = seen.get(stage.id);
      if (first !== undefined)
        report.add(
          ["stages", index, "id"],
          `duplicate stage id "${stage.id}" (first used by stages[${first}]); rename one.`,
        );
      else seen.set(stage.id, index);
      stages.push(stage);
    });
  }
  // Order and placeholder rules run on the stages that were readable, so every mistake shows at once.
  checkStageOrder(root, stages, metric, report);
  checkPlaceholders(stages, root, report);
  if (name === undefined || task === undefined || report.issues.length > 0) return undefined;
  return {
    name,
    task,
    ...(dataset ? { dataset } : {}),
    ...(model ? { model } : {}),
    ...(metric ? { metric } : {}),
    runner: runner as Pipeline["runner"],
    ...(typeof flavor === "string" ? { flavor } : {}),
    repairs,
    stages: stages.map(({ index: _index, gridKeys: _keys, ...stage }) => stage),
  };
}

function validateStage(raw: Json, index: number, report: Reporter): IndexedStage | undefined {
  const at: Path = ["stages", index];
  if (!isRecord(raw)) {
    report.add(at, "must be a mapping with id and kind, e.g. - { id: prepare, kind: data, prompt: … }.");
    return undefined;
  }
  unknownKeys(raw, at, STAGE_KEYS, report);
  let id = requiredText(raw, "id", at, report);
  if (id !== undefined && !STAGE_ID.test(id)) {
    report.add([...at, "id"], "must start with a letter and use only letters, digits, - and _ (it names files).");
    id = undefined;
  }
  let kind: StageKind | undefined;
  if (raw.kind === undefined) {
    // `- id: eval` alone is clear enough: the id names the kind.
    if (id && (STAGE_KINDS as readonly string[]).includes(id)) kind = id as StageKind;
    else report.add([...at, "kind"], `is missing: add kind: one of ${STAGE_KINDS.join(", ")}.`);
  } else if (typeof raw.kind !== "string" || !(STAGE_KINDS as readonly string[]).includes(raw.kind)) {
    const hint = typeof raw.kind === "string" ? didYouMean(raw.kind, STAGE_KINDS) : undefined;
    report.add([...at, "kind"], `must be one of ${STAGE_KINDS.join(", ")}${hint ? ` (did you mean ${hint}?)` : ""}.`);
  } else kind = raw.kind as StageKind;

  const prompt = raw.prompt;
  if (prompt !== undefined && (typeof prompt !== "string" || prompt.trim() === ""))
    report.add(
      [...at, "prompt"],
      "must be text: the engineer's instructions for this stage (quote it if it starts with a {placeholder}).",
    );
  if (kind === "custom" && prompt === undefined)
    report.add([...at, "prompt"], "is missing: a custom stage needs a prompt saying what to do.");
  if (kind === "select" && prompt !== undefined)
    report.add(
      [...at, "prompt"],
      "select is done by the runner from the runs' metrics, not by the engineer: remove prompt.",
      "key",
    );

  const grid = raw.grid === undefined ? undefined : validateGrid(raw.grid, [...at, "grid"], kind, report);
  const outputs = validatePaths(raw.outputs, [...at, "outputs"], report);
  if (kind === "select" && raw.outputs !== undefined)
    report.add([...at, "outputs"], "select writes no files: remove outputs.", "key");
  let metrics: string | undefined;
  if (raw.metrics !== undefined) {
    if (kind !== undefined && kind !== "train" && kind !== "eval")
      report.add([...at, "metrics"], "only train and eval stages have a per-run metrics file: remove it.", "key");
    else metrics = validatePaths([raw.metrics], [...at, "metrics"], report)[0];
  }
  let metric: PipelineMetric | undefined;
  if (raw.metric !== undefined) {
    if (kind !== undefined && kind !== "select")
      report.add(
        [...at, "metric"],
        "only a select stage names a metric; put the pipeline's metric at the top level.",
        "key",
      );
    else metric = validateMetric(raw.metric, [...at, "metric"], report);
  }
  const repairs = validateRepairs(raw.repairs, [...at, "repairs"], report);
  if (id === undefined || kind === undefined) return undefined;
  return {
    index,
    gridKeys: isRecord(raw.grid) ? Object.keys(raw.grid) : [],
    id,
    kind,
    ...(typeof prompt === "string" && prompt.trim() ? { prompt } : {}),
    ...(grid ? { grid } : {}),
    outputs,
    ...(metrics ? { metrics } : {}),
    ...(metric ? { metric } : {}),
    ...(repairs !== undefined ? { repairs } : {}),
  };
}

function validateGrid(
  raw: Json,
  at: Path,
  kind: StageKind | undefined,
  report: Reporter,
): Record<string, GridValue[]> | undefined {
  if (kind !== undefined && kind !== "train") {
    report.add(at, "only a train stage runs a grid: move it to the train stage.", "key");
    return undefined;
  }
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    report.add(at, "must map each hyperparameter to a list of values, e.g. grid: { lr: [0.001, 0.01] }.");
    return undefined;
  }
  const grid: Record<string, GridValue[]> = {};
  let ok = true;
  for (const [key, values] of Object.entries(raw)) {
    if (!IDENTIFIER.test(key)) {
      report.add([...at, key], "must be a name of letters, digits and _ (it is a {placeholder} in prompts).", "key");
      ok = false;
    } else if (RESERVED_GRID_KEYS.has(key)) {
      report.add([...at, key], `is filled in by the runner; name the hyperparameter differently.`, "key");
      ok = false;
    }
    const list = Array.isArray(values) ? values : undefined;
    if (!list || list.length === 0) {
      const example = typeof values === "number" || typeof values === "string" ? JSON.stringify(values) : "1, 2";
      report.add([...at, key], `must be a non-empty list, e.g. ${key}: [${example}].`);
      ok = false;
    } else if (!list.every((value) => ["string", "number", "boolean"].includes(typeof value))) {
      report.add([...at, key], "values must be numbers, text or true/false (no lists or mappings).");
      ok = false;
    } else if (new Set(list).size !== list.length) {
      report.add([...at, key], "lists a value twice: each combination would run twice. Remove the repeat.");
      ok = false;
    } else grid[key] = list as GridValue[];
  }
  const runs = Object.values(raw).reduce<number>(
    (product, values) => product * (Array.isArray(values) ? Math.max(1, values.length) : 1),
    1,
  );
  if (runs > MAX_GRID_RUNS) {
    report.add(
      at,
      `makes ${runs} runs, more than the ${MAX_GRID_RUNS} allowed: drop values or split the sweep into several pipelines.`,
    );
    ok = false;
  }
  return ok ? grid : undefined;
}

function validateMetric(raw: Json, at: Path, report: Reporter): PipelineMetric | undefined {
  // `metric: accuracy` is short for { name: accuracy, goal: maximize }.
  if (typeof raw === "string" && IDENTIFIER_PATH.test(raw)) return { name: raw, goal: "maximize" };
  if (!isRecord(raw)) {
    report.add(at, "must be a metric name or { name: accuracy, goal: maximize }.");
    return undefined;
  }
  unknownKeys(raw, at, METRIC_KEYS, report);
  const name = requiredText(raw, "name", at, report);
  if (name !== undefined && !IDENTIFIER_PATH.test(name))
    report.add([...at, "name"], "must be the metric's key in the metrics JSON, e.g. accuracy or eval_f1.");
  const goal = raw.goal ?? "maximize";
  if (goal !== "maximize" && goal !== "minimize") {
    const hint =
      typeof goal === "string" ? didYouMean(goal.replace(/^max$/, "maximize"), ["maximize", "minimize"]) : "";
    report.add([...at, "goal"], `must be maximize or minimize${hint ? ` (did you mean ${hint}?)` : ""}.`);
    return undefined;
  }
  return name !== undefined && IDENTIFIER_PATH.test(name) ? { name, goal } : undefined;
}
const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function validatePaths(raw: Json, at: Path, report: Reporter): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report.add(at, "must be a list of file paths, e.g. [data/train.csv].");
    return [];
  }
  const paths: string[] = [];
  raw.forEach((value: Json, index: number) => {
    const where = at.at(-1) === "metrics" ? at : [...at, index];
    if (typeof value !== "string" || value.trim() === "") report.add(where, "must be a file path.");
    else if (value.startsWith("/") || /^[A-Za-z]:[\\/]/.test(value) || value.split(/[\\/]/).includes(".."))
      report.add(where, `"${value}" leaves the working directory: give a path relative to it, e.g. runs/{run}/model.`);
    else paths.push(value);
  });
  return paths;
}

function validateRepairs(raw: Json, at: Path, report: Reporter): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0 || raw > 5) {
    report.add(at, "must be a whole number from 0 to 5.");
    return undefined;
  }
  return raw;
}

function requiredText(raw: Record<string, Json>, key: string, at: Path, report: Reporter): string | undefined {
  const value = raw[key];
  const hint = (at.length === 0 ? PIPELINE_KEYS : at[0] === "stages" && at.length === 2 ? STAGE_KEYS : METRIC_KEYS)[
    key
  ];
  if (value === undefined || value === null) report.add([...at, key], `is missing: add ${hint}.`);
  else if (typeof value !== "string" || value.trim() === "") report.add([...at, key], `must be text: ${hint}.`);
  else return value.trim();
  return undefined;
}

function optionalId(raw: Record<string, Json>, key: "dataset" | "model", report: Reporter): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^[\w.-]+(\/[\w.-]+)?$/.test(value)) {
    report.add([key], `must be a Hub repo id (owner/name): ${PIPELINE_KEYS[key]}.`);
    return undefined;
  }
  return value;
}

function unknownKeys(raw: Record<string, Json>, at: Path, known: Record<string, string>, report: Reporter): void {
  for (const key of Object.keys(raw)) {
    if (key in known) continue;
    const hint = didYouMean(key, Object.keys(known));
    report.add(
      [...at, key],
      hint
        ? `unknown key; did you mean ${hint}? (${known[hint]})`
        : `unknown key; use one of ${Object.keys(known).join(", ")}.`,
      "key",
    );
  }
}
