import type { PipelineMetric } from "./pipeline.js";
import { inWorkspace, type Workspace } from "./workspace.js";

/** What the runner found after a turn: problems to send back as a repair, or a diverged run. */
export interface CheckResult {
  problems: string[];
  /** Set when a metrics file holds NaN or Infinity (which values): the run finished but diverged. Not repaired. */
  diverged?: string;
  /** Numeric values of the metrics file (NaN kept for diverged values). */
  metrics?: Record<string, number>;
}

/** Checks plain output files: they exist, and JSON/CSV files parse. */
export async function checkOutputs(workspace: Workspace, paths: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const path of paths) {
    const problem = await checkFile(workspace, path);
    if (problem) problems.push(problem);
  }
  return problems;
}

async function checkFile({ cwd, fs }: Workspace, path: string): Promise<string | undefined> {
  const full = inWorkspace(cwd, path);
  const info = await fs.stat(full).catch(() => null);
  const wantsDirectory = path.endsWith("/");
  if (!info) return `${path} does not exist`;
  if (wantsDirectory) return info.type === "directory" ? undefined : `${path} should be a directory but is a file`;
  if (info.type === "directory") return undefined; // a model folder named without a trailing slash is fine
  if (info.size === 0) return `${path} is empty`;
  if (/\.json$/i.test(path)) {
    const parsed = parseLenientJson(await fs.readText(full));
    if (parsed.error) return `${path} is not valid JSON (${parsed.error})`;
  } else if (/\.jsonl$/i.test(path)) {
    const lines = (await fs.readText(full)).split("\n").filter((line) => line.trim());
    const bad = lines.findIndex((line) => parseLenientJson(line).error !== undefined);
    if (bad >= 0) return `${path} line ${bad + 1} is not valid JSON`;
  }
  return undefined;
}

/**
 * Checks a run's metrics file: a JSON object holding the metric as a number. NaN or Infinity in it
 * (Python's json writes them bare) means the run diverged: recorded, not repaired.
 */
export async function checkMetrics(
  { cwd, fs }: Workspace,
  path: string,
  metric: PipelineMetric | undefined,
): Promise<CheckResult> {
  const full = inWorkspace(cwd, path);
  let text: string;
  try {
    text = await fs.readText(full);
  } catch {
    return { problems: [`${path} does not exist: write the metrics there as a JSON object`] };
  }
  const parsed = parseLenientJson(text);
  if (parsed.error) return { problems: [`${path} is not valid JSON (${parsed.error})`] };
  if (typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value))
    return { problems: [`${path} must hold a JSON object like {"${metric?.name ?? "accuracy"}": 0.91}`] };
  const metrics = numericValues(parsed.value as Record<string, unknown>);
  const nonFinite = Object.entries(metrics).filter(([, value]) => !Number.isFinite(value));
  if (metric) {
    const value = lookup(parsed.value as Record<string, unknown>, metric.name);
    if (value === undefined)
      return {
        problems: [`${path} has no "${metric.name}" (it has: ${Object.keys(metrics).join(", ") || "nothing numeric"})`],
      };
    if (typeof value !== "number")
      return { problems: [`${path}: "${metric.name}" must be a number, not ${JSON.stringify(value)}`], metrics };
    metrics[metric.name] = value;
  } else if (Object.keys(metrics).length === 0) {
    return { problems: [`${path} holds no numeric metric`] };
  }
  if (nonFinite.length > 0 || (metric && !Number.isFinite(metrics[metric.name]!))) {
    const names = nonFinite.map(([key, value]) => `${key} is ${value}`);
    if (metric && !Number.isFinite(metrics[metric.name]!) && !nonFinite.some(([key]) => key === metric.name))
      names.unshift(`${metric.name} is ${metrics[metric.name]}`);
    return { problems: [], diverged: names.join(", "), metrics };
  }
  return { problems: [], metrics };
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };
const NON_FINITE_TEXT = /^(nan|-?inf(inity)?)$/i;

/** JSON.parse that also reads the bare NaN/Infinity Python writes (as markers, turned into numbers later). */
export function parseLenientJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    // Quote bare NaN/Infinity outside strings: replace only tokens following `:`, `[` or `,`.
    const quoted = text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"__nonfinite__$2"');
    try {
      return { value: JSON.parse(quoted) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.startsWith("__nonfinite__")) return NON_FINITE[value.slice(13)];
  // "nan" / "inf" as strings (str(float) in Python) mean the same.
  if (typeof value === "string" && NON_FINITE_TEXT.test(value))
    return /nan/i.test(value) ? Number.NaN : value.startsWith("-") ? -Infinity : Infinity;
  return undefined;
}

function numericValues(object: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(object)) {
    const number = toNumber(value);
    if (number !== undefined) out[key] = number;
  }
  return out;
}

/** `accuracy`, or a dotted path into nested objects (`eval.accuracy`). Non-numbers come back as they are. */
function lookup(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return toNumber(object[name]) ?? object[name];
  let current: unknown = object;
  for (const part of name.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return toNumber(current) ?? current;
}
