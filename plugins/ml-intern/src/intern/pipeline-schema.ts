/**
 * The keys a pipeline file may use, each with what to write. The validator names these in its
 * messages (unknown keys get a did-you-mean), so the schema and the error text never drift apart.
 */
export const PIPELINE_KEYS: Record<string, string> = {
  name: "a short name for the pipeline, e.g. name: sst2-lr-sweep",
  task: "what the pipeline is for, in a sentence, e.g. task: Fine-tune a small text classifier",
  dataset: "the Hub dataset id, e.g. dataset: stanfordnlp/sst2",
  model: "the Hub model repo publishing pushes to, e.g. model: ada/sst2-classifier",
  metric: "the metric to select on, e.g. metric: { name: accuracy, goal: maximize }",
  runner: "where training runs: local or hf (Hugging Face Jobs)",
  flavor: "the Jobs hardware when runner is hf, e.g. flavor: t4-small",
  repairs: "how many repair prompts a stage gets before it fails (0-5, default 2)",
  stages: "the list of stages, each with an id and a kind",
};

export const STAGE_KEYS: Record<string, string> = {
  id: "a unique name for the stage, e.g. id: train",
  kind: "data, train, eval, select, publish or custom",
  prompt: "the engineer's instructions for this stage",
  grid: "train only: lists of values, one run per combination, e.g. grid: { lr: [0.001, 0.01] }",
  outputs: "files the stage must leave behind, e.g. outputs: [data/train.csv]",
  metrics: "train/eval: the per-run metrics JSON file, e.g. metrics: runs/{run}/metrics.json",
  metric: "select only: the metric to select on when it differs from the pipeline's",
  repairs: "repair prompts for this stage (0-5), overriding the pipeline's",
};

export const METRIC_KEYS: Record<string, string> = {
  name: "the key in the metrics JSON, e.g. name: accuracy",
  goal: "maximize or minimize",
};

/** Placeholders every stage may use, with the top-level key each needs (if any). */
export const GLOBAL_PLACEHOLDERS: Record<string, string | undefined> = {
  name: undefined,
  task: undefined,
  dataset: "dataset",
  model: "model",
  metric: "metric",
};

/** Grid keys that would shadow a placeholder the runner fills itself. */
export const RESERVED_GRID_KEYS = new Set(["run", "best", "params", ...Object.keys(GLOBAL_PLACEHOLDERS)]);

/** `{identifier}` not written as `{{identifier}}`. JSON examples (`{"a": 1}`) don't match. */
export const PLACEHOLDER = /(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g;

/** The closest candidate within a small edit distance, or one the word is a prefix of. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    const close = distance <= Math.max(1, Math.floor(candidate.length / 3)) || candidate.startsWith(lower);
    if (close && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
