// Metrics from a script's own output. The convention, in order:
//
// 1. JSON lines: a line that is a JSON object, e.g. `{"step": 10, "loss": 0.5}`. Its finite
//    numeric fields are the metrics (strings, booleans and nested values are ignored).
// 2. key=value / key: value pairs anywhere in a line, e.g. `step=10 loss=0.5` or
//    `epoch 1/10 - loss: 0.31 - accuracy: 0.9`. Keys are lower-cased; a value is a plain number
//    (`0.5`, `-1e-3`, `nan`, `inf`). A line starting with `epoch N` or `step N` (optionally `N/M`)
//    also records `epoch`/`step` = N.
//
// A line yields metrics only if it has at least one number by one of these rules. Prefer JSON
// lines in scripts written for the agent: they are unambiguous.

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)`;
const PAIR = new RegExp(
  String.raw`(?:^|[\s,;|(\[{])([A-Za-z_][\w./-]*)\s*(?:=|:)\s*(${NUMBER})(?=$|[\s,;|)\]}%])`,
  "gi",
);
const WARNING_OR_ERROR = /(^|[\s:])[A-Za-z_][\w.]*(Error|Warning|Exception|Interrupt):(\s|$)/;
const LEADING_COUNTER = /^\s*\[?\s*(epoch|step|iter(?:ation)?)\s+(\d+)(?:\s*\/\s*\d+)?\b/i;

function toNumber(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, "");
  if (lower === "nan" || lower === "-nan") return Number.NaN;
  if (lower.startsWith("-inf")) return Number.NEGATIVE_INFINITY;
  if (lower.startsWith("inf")) return Number.POSITIVE_INFINITY;
  return Number(text);
}

/** The metrics in one line of output, or undefined when it has none. */
export function parseMetricLine(line: string): Record<string, number> | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        const values: Record<string, number> = {};
        for (const [key, value] of Object.entries(parsed)) if (typeof value === "number") values[key] = value;
        return Object.keys(values).length > 0 ? values : undefined;
      }
    } catch {
      // Not JSON after all: try the key=value rules.
    }
  }
  // Tracebacks and warnings name files and lines, never metrics (`x.py:3: UserWarning: lr=1 is high` too).
  if (/^\s*(File "|Traceback \()/.test(line) || WARNING_OR_ERROR.test(line)) return undefined;
  const values: Record<string, number> = {};
  const counter = LEADING_COUNTER.exec(line);
  if (counter) {
    const name = counter[1]!.toLowerCase();
    values[name.startsWith("iter") ? "step" : name] = Number(counter[2]);
  }
  for (const match of line.matchAll(PAIR)) {
    const value = toNumber(match[2]!);
    if (!Number.isNaN(value) || /nan/i.test(match[2]!)) values[match[1]!.toLowerCase()] = value;
  }
  return Object.keys(values).length > 0 ? values : undefined;
}

/**
 * Reads a script's output line by line, remembering what one line cannot tell: the indented lines
 * of a Python traceback (from `Traceback (most recent call last):` to the exception that ends it)
 * and the source line a warning quotes under itself are the script's code
 * (`    model.fit(x, lr=0.1)`), never metrics.
 */
export class MetricLineReader {
  #quoting = false;

  read(line: string): Record<string, number> | undefined {
    if (/^\s*Traceback \(most recent call last\):/.test(line)) {
      this.#quoting = true;
      return undefined;
    }
    if (this.#quoting && (/^\s/.test(line) || line.trim() === "")) return undefined;
    this.#quoting = WARNING_OR_ERROR.test(line) && !/^\s/.test(line) && /Warning:/.test(line);
    return parseMetricLine(line);
  }
}
