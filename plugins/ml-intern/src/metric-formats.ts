/**
 * The shapes evaluation output comes in, read with the split (and, for the harnesses, the dataset)
 * each number was measured on, as the output itself says it — never guessed:
 *
 * - a plain object: `{"accuracy": 0.91}`, the Trainer's `{"eval_accuracy": …}`, prefixed or
 *   suffixed keys (`val_accuracy`, `test/f1`, `accuracy_test`), an explicit `"split": "test"`,
 *   metrics grouped by split (`{"validation": {…}, "test": {…}}`), or any of those under `metrics`;
 * - lm-evaluation-harness's results JSON (`results` by task with `acc,none` keys, `configs` naming
 *   each task's dataset and splits);
 * - lighteval's results JSON (`config_general`, `results` by `suite|task|shots`, `config_tasks`).
 */

export interface EvalDataset {
  /** The task or dataset name as the harness calls it (hellaswag, arc:challenge). */
  name: string;
  /** Its Hub id, when the harness says (`dataset_path`, `hf_repo`). */
  type?: string;
  config?: string;
}

export interface RawMetric {
  /** The metric's type as the Hub names it: accuracy, f1, acc_norm… */
  name: string;
  /** The key the output wrote it under: val_accuracy, eval_f1, hellaswag/acc_norm,none… */
  key: string;
  value: unknown;
  split?: string;
  dataset?: EvalDataset;
  stderr?: number;
}

const SPLIT_WORDS: Record<string, string | null> = {
  train: "train",
  training: "train",
  validation: "validation",
  valid: "validation",
  val: "validation",
  dev: "validation",
  test: "test",
  testing: "test",
  // The Trainer's eval_ prefix names the dataset it was given, whatever its split: unknown.
  eval: null,
  evaluation: null,
};

/** Keys that describe the evaluation run rather than the model's quality. */
const BOOKKEEPING =
  /^(epochs?|runtime|samples_per_second|steps_per_second|step|global_step|num_samples|n_samples|seed|total_flos|num_examples|batch_size|learning_rate|lr)$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const splitWord = (word: string): string | null | undefined => SPLIT_WORDS[word.toLowerCase()];

/** `val_accuracy` → validation accuracy; `test/f1` → test f1; `accuracy_test` → test accuracy; `eval_loss` → loss, split unknown. */
export function splitOfKey(key: string): { name: string; split?: string } {
  const prefix = /^([A-Za-z]+)[_/](.+)$/.exec(key);
  if (prefix && splitWord(prefix[1] as string) !== undefined) {
    const split = splitWord(prefix[1] as string);
    return { name: prefix[2] as string, ...(split ? { split } : {}) };
  }
  const suffix = /^(.+)[_/]([A-Za-z]+)$/.exec(key);
  if (suffix && splitWord(suffix[2] as string))
    return { name: suffix[1] as string, split: splitWord(suffix[2] as string) as string };
  return { name: key };
}

function plainMetrics(source: Record<string, unknown>, split: string | undefined, out: RawMetric[], depth = 0): void {
  const declared = typeof source.split === "string" ? source.split : undefined;
  const here = declared ? (splitWord(declared) ?? declared) : split;
  for (const [key, raw] of Object.entries(source)) {
    if (key === "split") continue;
    if (isRecord(raw)) {
      const grouped = splitWord(key);
      if (grouped !== undefined && depth < 2) plainMetrics(raw, grouped ?? here, out, depth + 1);
      else if (key === "metrics" && depth < 2) plainMetrics(raw, here, out, depth + 1);
      continue;
    }
    const parsed = splitOfKey(key);
    if (BOOKKEEPING.test(parsed.name)) continue;
    const own = parsed.split ?? here;
    out.push({ name: parsed.name, key, value: raw, ...(own ? { split: own } : {}) });
  }
}

/** lm-evaluation-harness: `results[task]["acc,none"]`, the stderr beside it, the split from `configs[task]`. */
function lmEvalMetrics(parsed: Record<string, unknown>): RawMetric[] | undefined {
  const results = parsed.results;
  if (!isRecord(results) || !(isRecord(parsed.configs) || isRecord(parsed.versions) || isRecord(parsed["n-shot"])))
    return undefined;
  const entries = Object.entries(results).filter(([, metrics]) => isRecord(metrics));
  if (!entries.some(([, metrics]) => Object.keys(metrics as object).some((key) => key.includes(",")))) return undefined;
  const configs = isRecord(parsed.configs) ? parsed.configs : {};
  const out: RawMetric[] = [];
  for (const [task, metrics] of entries as [string, Record<string, unknown>][]) {
    const config = isRecord(configs[task]) ? (configs[task] as Record<string, unknown>) : {};
    const str = (value: unknown) => (typeof value === "string" && value ? value : undefined);
    // The harness scores the test split when the task has one, else the validation split.
    const split = str(config.test_split) ?? str(config.validation_split);
    const dataset: EvalDataset = {
      name: task,
      ...(str(config.dataset_path) ? { type: str(config.dataset_path) } : {}),
      ...(str(config.dataset_name) ? { config: str(config.dataset_name) } : {}),
    };
    for (const [key, value] of Object.entries(metrics)) {
      const [metric = "", filter = "none"] = key.split(",");
      if (key === "alias" || metric.endsWith("_stderr") || !key.includes(",")) continue;
      const stderr = metrics[`${metric}_stderr,${filter}`];
      out.push({
        name: filter === "none" ? metric : `${metric} (${filter})`,
        key: `${task}/${key}`,
        value,
        ...(split ? { split } : {}),
        dataset,
        ...(typeof stderr === "number" && Number.isFinite(stderr) ? { stderr } : {}),
      });
    }
  }
  return out;
}

/** lighteval: `results["suite|task|shots"]`, the stderr beside it, the dataset and split from `config_tasks`. */
function lightevalMetrics(parsed: Record<string, unknown>): RawMetric[] | undefined {
  const results = parsed.results;
  if (!isRecord(results) || !isRecord(parsed.config_general)) return undefined;
  const tasks = isRecord(parsed.config_tasks) ? parsed.config_tasks : {};
  const out: RawMetric[] = [];
  for (const [fullName, metrics] of Object.entries(results)) {
    if (fullName === "all" || !isRecord(metrics)) continue;
    const [suite = "", task = fullName] = fullName.split("|");
    const config = (
      isRecord(tasks[`${suite}|${task}`]) ? tasks[`${suite}|${task}`] : isRecord(tasks[fullName]) ? tasks[fullName] : {}
    ) as Record<string, unknown>;
    const splits = Array.isArray(config.evaluation_splits)
      ? config.evaluation_splits.filter((s) => typeof s === "string")
      : [];
    const split = splits.length === 1 ? (splitWord(splits[0] as string) ?? (splits[0] as string)) : undefined;
    const dataset: EvalDataset = {
      name: task,
      ...(typeof config.hf_repo === "string" ? { type: config.hf_repo } : {}),
      ...(typeof config.hf_subset === "string" && config.hf_subset !== "default" ? { config: config.hf_subset } : {}),
    };
    for (const [metric, value] of Object.entries(metrics)) {
      if (metric.endsWith("_stderr")) continue;
      const stderr = metrics[`${metric}_stderr`];
      out.push({
        name: metric,
        key: `${fullName}/${metric}`,
        value,
        ...(split ? { split } : {}),
        dataset,
        ...(typeof stderr === "number" && Number.isFinite(stderr) ? { stderr } : {}),
      });
    }
  }
  return out;
}

/** Every metric an evaluation's JSON holds, in one of the shapes above; undefined when it is none of them. */
export function metricsOf(parsed: unknown): { metrics: RawMetric[]; format: string } | undefined {
  if (!isRecord(parsed)) return undefined;
  const lmEval = lmEvalMetrics(parsed);
  if (lmEval) return { metrics: lmEval, format: "lm-evaluation-harness" };
  const lighteval = lightevalMetrics(parsed);
  if (lighteval) return { metrics: lighteval, format: "lighteval" };
  const out: RawMetric[] = [];
  plainMetrics(parsed, undefined, out);
  return { metrics: out, format: "plain" };
}
