/**
 * Features as the `datasets` library writes them (and the dataset viewer answers them): a
 * `Value` with a dtype, a `ClassLabel` with its names, an `Image`, a list of a feature, or a
 * mapping of named features.
 */
export type Feature =
  | { _type: "Value"; dtype: string }
  | { _type: "ClassLabel"; names: string[] }
  | { _type: "Image" }
  | { _type: "Sequence" | "List"; feature: Feature }
  | { [name: string]: Feature };

export type Features = Record<string, Feature>;

export const value = (dtype: string): Feature => ({ _type: "Value", dtype });

const isFeature = (raw: unknown): raw is Record<string, unknown> =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw);

export function kindOf(feature: Feature | undefined): string | undefined {
  if (!feature) return undefined;
  return typeof feature._type === "string" ? feature._type : "dict";
}

/** The dtype of a Value feature (`int64`, `string`…), else undefined. */
export function dtypeOf(feature: Feature | undefined): string | undefined {
  return feature && feature._type === "Value" ? (feature as { dtype: string }).dtype : undefined;
}

/**
 * Features read from a file's own declaration (the `huggingface` metadata of a Parquet file the
 * `datasets` library wrote), checked for shape: anything unexpected is dropped, never trusted.
 */
export function checkedFeatures(raw: unknown, depth = 0): Features | undefined {
  if (!isFeature(raw) || depth > 8) return undefined;
  const out: Features = {};
  for (const [name, item] of Object.entries(raw)) {
    const feature = checkedFeature(item, depth + 1);
    if (feature) out[name] = feature;
  }
  return out;
}

function checkedFeature(raw: unknown, depth: number): Feature | undefined {
  if (!isFeature(raw) || depth > 8) return undefined;
  switch (raw._type) {
    case "Value":
      return typeof raw.dtype === "string" ? value(raw.dtype.slice(0, 40)) : undefined;
    case "ClassLabel":
      return Array.isArray(raw.names) && raw.names.every((name) => typeof name === "string")
        ? { _type: "ClassLabel", names: (raw.names as string[]).slice(0, 100_000) }
        : undefined;
    case "Image":
      return { _type: "Image" };
    case "Sequence":
    case "List": {
      const feature = checkedFeature(raw.feature, depth + 1);
      return feature ? { _type: raw._type, feature } : undefined;
    }
    case undefined:
      return checkedFeatures(raw, depth);
    default:
      return undefined;
  }
}

/** The feature that describes `values` (JSON values of one column): a dtype, a list, a mapping. */
export function inferFeature(values: readonly unknown[]): Feature {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return value("null");
  if (present.every((v) => typeof v === "boolean")) return value("bool");
  if (present.every((v) => typeof v === "number" && Number.isInteger(v))) return value("int64");
  if (present.every((v) => typeof v === "number")) return value("float64");
  if (present.every((v) => typeof v === "string")) return value("string");
  if (present.every((v) => Array.isArray(v))) return { _type: "Sequence", feature: inferFeature(present.flat()) };
  if (present.every((v) => isFeature(v))) {
    const names: string[] = [];
    for (const item of present as Record<string, unknown>[])
      for (const key of Object.keys(item)) if (!names.includes(key) && names.length < 200) names.push(key);
    return Object.fromEntries(
      names.map((name) => [name, inferFeature((present as Record<string, unknown>[]).map((item) => item[name]))]),
    );
  }
  return value("string");
}

/** Features of rows (JSON objects), in the order their columns first appear. */
export function inferFeatures(rows: readonly Record<string, unknown>[]): Features {
  const names: string[] = [];
  for (const row of rows)
    for (const key of Object.keys(row)) if (!names.includes(key) && names.length < 1000) names.push(key);
  return Object.fromEntries(names.map((name) => [name, inferFeature(rows.map((row) => row[name]))]));
}
