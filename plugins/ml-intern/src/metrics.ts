import type { FsCapability } from "@pincer/sdk";
import { type EvalDataset, metricsOf } from "./metric-formats.js";

/**
 * One metric as an evaluation wrote it: its name, the key it was written under, its number (NaN
 * and ±Infinity kept, to be judged), and where it was measured when the output says so.
 */
export interface Metric {
  name: string;
  key: string;
  value: number;
  split?: string;
  dataset?: EvalDataset;
  /** The harness's standard error of the value. */
  stderr?: number;
  /** Over several seeds: the value is their mean, this their sample standard deviation, `runs` how many. */
  std?: number;
  runs?: number;
}

/** A metrics file that cannot be used: the message names the file and says what to do. */
export class MetricsError extends Error {}

/**
 * Reads the JSON an evaluation wrote and returns its numeric metrics with the split each was
 * measured on (see metric-formats.ts for the shapes read). Python's json writes NaN and Infinity
 * as bare words, which JSON.parse refuses; they are read here so a diverged run is told apart
 * from a broken file.
 */
export async function readMetrics(fs: FsCapability, path: string): Promise<Metric[]> {
  let text: string;
  try {
    text = await fs.readText(path);
  } catch (error) {
    const stat = await fs.stat(path).catch(() => null);
    if (!stat) {
      throw new MetricsError(
        `Metrics file ${path} does not exist. Run the evaluation so it writes its metrics as JSON to that path, then try again.`,
      );
    }
    throw new MetricsError(`Metrics file ${path} could not be read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(withNonFiniteMarkers(text));
  } catch (error) {
    throw new MetricsError(
      `Metrics file ${path} is not valid JSON (${(error as Error).message}). Write it with json.dump(metrics, f) from the evaluation script.`,
    );
  }
  const found = metricsOf(parsed);
  if (!found) {
    throw new MetricsError(
      `Metrics file ${path} holds ${describe(parsed)}; expected an object such as {"accuracy": 0.91}.`,
    );
  }
  const metrics: Metric[] = [];
  for (const raw of found.metrics) {
    const value = numberOf(raw.value);
    if (value === undefined) continue;
    const { value: _raw, ...rest } = raw;
    metrics.push({ ...rest, value });
  }
  if (metrics.length === 0) {
    throw new MetricsError(
      `Metrics file ${path} has no numeric metrics; expected an object such as {"accuracy": 0.91}, or lm-evaluation-harness or lighteval results.`,
    );
  }
  return metrics;
}

/** How a metric is shown in tables: `accuracy`, `accuracy (validation)`, `hellaswag/acc_norm (test)`. */
export function metricLabel(metric: Pick<Metric, "name" | "split" | "dataset">): string {
  return `${metric.dataset ? `${metric.dataset.name}/` : ""}${metric.name}${metric.split ? ` (${metric.split})` : ""}`;
}

/**
 * Several runs of the same evaluation (one per seed) as one set of metrics: each the mean over the
 * runs, with the sample standard deviation and the count. A metric missing from a run, or a
 * run whose metrics differ, is an error naming the file: means over different things are no mean.
 */
export function combineSeeds(perRun: { file: string; metrics: Metric[] }[]): Metric[] {
  const [first, ...others] = perRun;
  if (!first) return [];
  if (others.length === 0) return first.metrics;
  const labels = first.metrics.map(metricLabel);
  for (const run of others) {
    const mine = run.metrics.map(metricLabel);
    const missing = labels.filter((label) => !mine.includes(label));
    if (missing.length) {
      throw new MetricsError(
        `Metrics file ${run.file} has no ${missing.join(", ")}, which ${first.file} has: every seed's file must hold the same metrics.`,
      );
    }
  }
  return first.metrics.map((metric, index) => {
    const label = labels[index] as string;
    const values = perRun.map((run) => run.metrics.find((m) => metricLabel(m) === label)?.value as number);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
    return { ...metric, value: mean, std: Math.sqrt(variance), runs: values.length };
  });
}

/** Throws when a metric is NaN or infinite: such numbers must never reach a model card. */
export function requireFinite(path: string, metrics: Metric[]): void {
  const bad = metrics.filter((metric) => !Number.isFinite(metric.value));
  if (bad.length === 0) return;
  const list = bad.map((metric) => `${metricLabel(metric)}=${formatValue(metric.value)}`).join(", ");
  throw new MetricsError(
    `Metrics file ${path} has non-finite values (${list}): the run diverged. Record it with intern_record_run (status diverged), fix the training (lower the learning rate, clip gradients), and evaluate a run that converged.`,
  );
}

/** Lower is better for losses and error rates; higher for the rest. */
export function lowerIsBetter(name: string): boolean {
  return /loss|error|perplexity|ppl|wer|cer|mse|mae|rmse/i.test(name);
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** A metric's value as a table shows it: `0.912`, `0.912 ± 0.004` over seeds, `0.51 ± 0.01` with a stderr. */
export function formatMetric(metric: Pick<Metric, "value" | "std" | "stderr">): string {
  const spread = metric.std ?? metric.stderr;
  return spread === undefined ? formatValue(metric.value) : `${formatValue(metric.value)} ± ${formatValue(spread)}`;
}

const NAN = "__pincer_nan__";
const POS_INF = "__pincer_inf__";
const NEG_INF = "__pincer_-inf__";

/** Bare NaN / Infinity / -Infinity tokens (outside strings) become marker strings JSON.parse accepts. */
function withNonFiniteMarkers(text: string): string {
  let out = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      const end = endOfString(text, index);
      out += text.slice(index, end);
      index = end;
      continue;
    }
    const rest = text.slice(index, index + 9);
    if (rest.startsWith("NaN")) {
      out += `"${NAN}"`;
      index += 3;
    } else if (rest.startsWith("-Infinity")) {
      out += `"${NEG_INF}"`;
      index += 9;
    } else if (rest.startsWith("Infinity")) {
      out += `"${POS_INF}"`;
      index += 8;
    } else {
      out += char;
      index++;
    }
  }
  return out;
}

function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
  return index + 1;
}

function numberOf(raw: unknown): number | undefined {
  if (typeof raw === "number") return raw;
  if (raw === NAN) return Number.NaN;
  if (raw === POS_INF) return Number.POSITIVE_INFINITY;
  if (raw === NEG_INF) return Number.NEGATIVE_INFINITY;
  return undefined;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
