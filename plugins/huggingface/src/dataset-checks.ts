/**
 * Whether a dataset fits a task, judged from what the dataset viewer says about its columns: their
 * features (types), their statistics when the viewer has them (distinct values, text lengths), and
 * a sample of rows. Tabular, classification, regression, text and image data, and the training
 * formats of chat models (sft, dpo).
 */

export const DATASET_CHECKS = ["classification", "regression", "tabular", "text", "image", "sft", "dpo"] as const;
export type DatasetCheck = (typeof DATASET_CHECKS)[number];

/** What the viewer says about one column. */
export interface ColumnInfo {
  name: string;
  /** The `datasets` feature (`{_type: "Value", dtype}`, `ClassLabel`, `Image`, a list, a mapping). */
  type: Record<string, unknown>;
  /** The viewer's `/statistics` entry for it, when there is one. */
  stats?: { column_type: string; column_statistics: Record<string, unknown> };
  /** Its values in the sample rows. */
  sample: unknown[];
}

/** What a column is, for deciding what a dataset fits. */
export type ColumnRole = "categorical" | "integer" | "number" | "text" | "image" | "messages" | "list" | "other";

export interface CheckResult {
  check: DatasetCheck;
  fits: boolean;
  /** The columns the verdict rests on (target first, then inputs). */
  columns: string[];
  /** What is missing or wrong, in words; empty when it fits. */
  missing: string[];
  target?: string;
  /** For a classification target: its class counts (from the statistics) or the classes seen in the sample. */
  classes?: Record<string, number>;
  /** The sentence after "Check <check>: ". */
  verdict: string;
}

/** Label column names tried, in order, when no target is named. */
export const TARGET_NAMES = ["label", "labels", "target", "class", "y"];
const TEXT_NAMES = ["text", "sentence", "content", "review", "document", "question", "prompt"];
const IMAGE_PATH = /\.(png|jpe?g|gif|webp|bmp|tiff?)$/i;
/** An integer column with at most this many distinct values can be classes. */
const MAX_INTEGER_CLASSES = 100;

const typeName = (type: Record<string, unknown>): string | undefined =>
  typeof type._type === "string" ? type._type : undefined;
const dtype = (type: Record<string, unknown>): string => (typeof type.dtype === "string" ? type.dtype : "");

function distinctOf(column: ColumnInfo): number | undefined {
  const unique = column.stats?.column_statistics.n_unique;
  if (typeof unique === "number") return unique;
  const { min, max } = column.stats?.column_statistics ?? {};
  if (column.stats?.column_type === "int" && typeof min === "number" && typeof max === "number") return max - min + 1;
  return undefined;
}

/** The role of a column, from its feature, then its statistics, then its sample. */
export function roleOf(column: ColumnInfo): ColumnRole {
  const kind = typeName(column.type);
  const type = dtype(column.type);
  if (kind === "ClassLabel" || type === "bool") return "categorical";
  if (kind === "Image") return "image";
  if (kind === "Sequence" || kind === "List") {
    const item = column.type.feature as Record<string, unknown> | undefined;
    return item && typeof item === "object" && "role" in item && "content" in item ? "messages" : "list";
  }
  if (/^u?int\d+$/.test(type)) return "integer";
  if (/^(float|double|decimal)/.test(type)) return "number";
  if (type === "string" || type === "large_string") {
    const strings = column.sample.filter((v): v is string => typeof v === "string");
    if (strings.length && strings.every((v) => IMAGE_PATH.test(v.trim()))) return "image";
    if (column.stats?.column_type === "string_label") return "categorical";
    if (column.stats?.column_type === "string_text") return "text";
    // No statistics: a short word repeated is a label, anything longer is text.
    const long = strings.some((v) => v.length > 40 || v.trim().split(/\s+/).length > 4);
    return !long && new Set(strings).size < Math.max(2, strings.length) ? "categorical" : "text";
  }
  if (kind === undefined && column.type && typeof column.type === "object") {
    // A mapping: an image stored as {bytes, path} without its feature, or other structured data.
    return "bytes" in column.type && "path" in column.type ? "image" : "other";
  }
  return "other";
}

/** Whether a column can be a classification target: a label, a bool, a few strings or few integers. */
function classTarget(column: ColumnInfo, role: ColumnRole): boolean {
  if (role === "categorical") return true;
  if (role !== "integer") return false;
  const distinct = distinctOf(column) ?? new Set(column.sample).size;
  return distinct <= MAX_INTEGER_CLASSES;
}

/** Class counts: the statistics' frequencies, else what the sample shows. */
function classesOf(column: ColumnInfo): Record<string, number> {
  const frequencies = column.stats?.column_statistics.frequencies;
  if (frequencies && typeof frequencies === "object") return frequencies as Record<string, number>;
  const names = Array.isArray(column.type.names) ? (column.type.names as string[]) : undefined;
  const counts: Record<string, number> = {};
  for (const value of column.sample) {
    if (value === null || value === undefined) continue;
    const key = names && typeof value === "number" ? (names[value] ?? String(value)) : String(value);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const list = (names: string[]): string => names.join(", ");
const describeClasses = (classes: Record<string, number>): string => {
  const entries = Object.entries(classes).sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, 8).map(([name, count]) => `${name} (${count})`);
  return `${entries.length} classes: ${shown.join(", ")}${entries.length > 8 ? ", …" : ""}`;
};

function fail(
  check: DatasetCheck,
  missing: string[],
  columns: string[],
  extra: Partial<CheckResult> = {},
): CheckResult {
  return { check, fits: false, columns, missing, verdict: `does not fit; ${missing.join("; ")}`, ...extra };
}

/** Checks for the chat formats: a column set that fits, else the closest and what it lacks. */
const FORMATS: Record<"sft" | "dpo", string[][]> = {
  sft: [["messages"], ["prompt", "completion"], ["text"]],
  dpo: [["prompt", "chosen", "rejected"]],
};

function formatCheck(check: "sft" | "dpo", names: string[]): CheckResult {
  const options = FORMATS[check].map((wanted) => ({
    columns: wanted,
    missing: wanted.filter((n) => !names.includes(n)),
  }));
  const present = (o: { columns: string[]; missing: string[] }) => o.columns.length - o.missing.length;
  const best = options.find((o) => o.missing.length === 0) ??
    [...options].sort((a, b) => present(b) - present(a) || a.missing.length - b.missing.length)[0] ?? {
      columns: [],
      missing: [],
    };
  if (best.missing.length === 0)
    return { check, fits: true, columns: best.columns, missing: [], verdict: `fits (columns ${list(best.columns)}).` };
  const accepted = FORMATS[check].map((set) => set.join("+")).join(" or ");
  return {
    check,
    fits: false,
    columns: best.columns,
    missing: best.missing,
    verdict: `does not fit; missing ${list(best.missing)} (${check} needs ${accepted}). Rename or map the columns before training.`,
  };
}

/** Judges whether the columns fit `check`; `target` names the label column (default: label, labels, target, class or y). */
export function checkDataset(check: DatasetCheck, columns: ColumnInfo[], target?: string): CheckResult {
  const names = columns.map((c) => c.name);
  if (check === "sft" || check === "dpo") return formatCheck(check, names);
  const roles = new Map(columns.map((c) => [c.name, roleOf(c)] as const));
  const targetColumn = target
    ? columns.find((c) => c.name === target)
    : columns.find((c) => TARGET_NAMES.includes(c.name.toLowerCase()));
  const inputs = columns.filter((c) => c !== targetColumn);
  const inputsOf = (wanted: ColumnRole[]) => inputs.filter((c) => wanted.includes(roles.get(c.name) as ColumnRole));
  if (target && !targetColumn) return fail(check, [`no column ${target} (the columns: ${list(names)})`], names);

  if (check === "text" || check === "image") {
    const found = inputsOf(check === "text" ? ["text"] : ["image"]);
    const preferred = check === "text" ? (found.find((c) => TEXT_NAMES.includes(c.name)) ?? found[0]) : found[0];
    if (!preferred) {
      const what =
        check === "text" ? "a text column (strings of free text)" : "an image column (images, or paths to image files)";
      return fail(check, [`missing ${what}; the columns: ${list(names.map((n) => `${n} (${roles.get(n)})`))}`], names);
    }
    const targetNote = targetColumn
      ? `, target ${targetColumn.name}${classTarget(targetColumn, roles.get(targetColumn.name) as ColumnRole) ? ` (${describeClasses(classesOf(targetColumn))})` : ""}`
      : "";
    const columnsUsed = [...(targetColumn ? [targetColumn.name] : []), preferred.name];
    return {
      check,
      fits: true,
      columns: columnsUsed,
      missing: [],
      ...(targetColumn ? { target: targetColumn.name } : {}),
      verdict: `fits (${check} column ${preferred.name}${targetNote}).`,
    };
  }

  if (!targetColumn) {
    const candidates = columns.filter((c) => classTarget(c, roles.get(c.name) as ColumnRole)).map((c) => c.name);
    const hint = candidates.length ? ` Columns that could be the label: ${list(candidates)}.` : "";
    return fail(
      check,
      [`missing label (${check} needs a label column: ${TARGET_NAMES.join(", ")}, or name yours with target).${hint}`],
      names,
    );
  }
  const role = roles.get(targetColumn.name) as ColumnRole;
  const used = [targetColumn.name, ...inputs.map((c) => c.name)];
  if (inputs.length === 0)
    return fail(check, [`no input columns besides the target ${targetColumn.name}`], used, {
      target: targetColumn.name,
    });

  if (check === "classification" || (check === "tabular" && classTarget(targetColumn, role))) {
    if (!classTarget(targetColumn, role)) {
      const why =
        role === "number"
          ? "holds real numbers: that is regression"
          : role === "text"
            ? "holds free text, not classes"
            : `is ${role}, not classes`;
      return fail(check, [`the target ${targetColumn.name} ${why}`], used, { target: targetColumn.name });
    }
  } else if (check === "regression" || check === "tabular") {
    if (role !== "number" && role !== "integer") {
      return fail(
        check,
        [`the target ${targetColumn.name} is ${role}, not a number (regression needs a numeric target)`],
        used,
        {
          target: targetColumn.name,
        },
      );
    }
  }

  const isClasses = check === "classification" || (check === "tabular" && classTarget(targetColumn, role));
  const classes = isClasses ? classesOf(targetColumn) : undefined;
  // One class over the whole split (the statistics say so) is nothing to learn; a sample may just be sorted.
  if (classes && targetColumn.stats && Object.keys(classes).length < 2) {
    const count = Object.keys(classes).length;
    return fail(check, [`the target ${targetColumn.name} has ${count} class${count === 1 ? "" : "es"}`], used, {
      target: targetColumn.name,
      classes,
    });
  }
  const tabularInputs = inputsOf(["categorical", "integer", "number"]);
  const other = inputs.filter((c) => !tabularInputs.includes(c)).map((c) => `${c.name} (${roles.get(c.name)})`);
  if (check === "tabular" && tabularInputs.length === 0) {
    return fail(check, [`no tabular input columns (numbers or categories); the inputs are ${list(other)}`], used, {
      target: targetColumn.name,
    });
  }
  const kind = check === "tabular" ? (isClasses ? "tabular classification" : "tabular regression") : check;
  const inputNames = (check === "tabular" ? tabularInputs : inputs).map((c) => c.name);
  const ignored = check === "tabular" && other.length ? `; not tabular, to drop or encode: ${list(other)}` : "";
  const classNote = classes ? `, ${describeClasses(classes)}` : "";
  return {
    check,
    fits: true,
    columns: [targetColumn.name, ...inputNames],
    missing: [],
    target: targetColumn.name,
    ...(classes ? { classes } : {}),
    verdict: `fits (${kind}: target ${targetColumn.name}${classNote}; inputs ${list(inputNames)}${ignored}).`,
  };
}
