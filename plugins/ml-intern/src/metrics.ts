import type { FsCapability } from "@pincer/sdk";

/** One metric as an evaluation wrote it: a name and a number (NaN and ±Infinity kept, to be judged). */
export interface Metric {
  name: string;
  value: number;
}

/** A metrics file that cannot be used: the message names the file and says what to do. */
export class MetricsError extends Error {}

/** Keys that describe the evaluation run rather than the model's quality. */
const BOOKKEEPING = /(^|_)(epoch|runtime|samples_per_second|steps_per_second|step|global_step|num_samples|seed)$/;

/**
 * Reads the JSON an evaluation wrote (`{"accuracy": 0.91}`, the Trainer's `eval_results.json`,
 * or `{"metrics": {...}}`) and returns its numeric metrics. Python's json writes NaN and Infinity
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
  const source = isRecord(parsed) && isRecord(parsed.metrics) ? parsed.metrics : parsed;
  if (!isRecord(source)) {
    throw new MetricsError(
      `Metrics file ${path} holds ${describe(source)}; expected an object such as {"accuracy": 0.91}.`,
    );
  }
  const metrics: Metric[] = [];
  for (const [key, raw] of Object.entries(source)) {
    const value = numberOf(raw);
    if (value === undefined || BOOKKEEPING.test(key)) continue;
    metrics.push({ name: metricName(key), value });
  }
  if (metrics.length === 0) {
    throw new MetricsError(
      `Metrics file ${path} has no numeric metrics; expected an object such as {"accuracy": 0.91}.`,
    );
  }
  return metrics;
}

/** Throws when a metric is NaN or infinite: such numbers must never reach a model card. */
export function requireFinite(path: string, metrics: Metric[]): void {
  const bad = metrics.filter((metric) => !Number.isFinite(metric.value));
  if (bad.length === 0) return;
  const list = bad.map((metric) => `${metric.name}=${formatValue(metric.value)}`).join(", ");
  throw new MetricsError(
    `Metrics file ${path} has non-finite values (${list}): the run diverged. Record it with intern_record_run (status diverged), fix the training (lower the learning rate, clip gradients), and evaluate a run that converged.`,
  );
}

/** `eval_accuracy` and `test_accuracy` are the accuracy: the split is said elsewhere. */
export function metricName(key: string): string {
  return key.replace(/^(eval|test|validation|val)_/, "");
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
