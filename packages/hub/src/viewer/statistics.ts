import { imageFacts, imageSource } from "./cells.js";
import { dtypeOf, type Feature, type Features, kindOf } from "./features.js";
import type { Row } from "./text-formats.js";

/**
 * Column statistics in the dataset viewer's `/statistics` shapes: `int` and `float` (min, max,
 * mean, median, sample std, a 10-bin histogram), `bool` and `class_label` (frequencies),
 * `string_label` (a string column of few distinct values: frequencies) or `string_text` (text
 * lengths), `list` (lengths) and `image` (widths). Values are rounded to 5 decimals, as there.
 */

export interface ColumnStatistics {
  column_name: string;
  column_type: string;
  column_statistics: Record<string, unknown>;
}

const BINS = 10;
const round = (value: number): number => Math.round(value * 1e5) / 1e5;

function numberOf(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "bigint") return Number(raw);
  return undefined;
}

function nan(values: unknown[], present: number): Record<string, number> {
  const count = values.length - present;
  return { nan_count: count, nan_proportion: values.length ? round(count / values.length) : 0 };
}

/** int bins as the viewer makes them: integer widths, the last edge the max (and that bin closed). */
function edgesOf(min: number, max: number, integer: boolean): number[] {
  if (min === max) return [min, max];
  if (!integer) {
    const width = (max - min) / BINS;
    return [...Array.from({ length: BINS }, (_, i) => round(min + i * width)), max];
  }
  const width = Math.ceil((max - min + 1) / BINS);
  const edges: number[] = [];
  for (let edge = min; edge <= max; edge += width) edges.push(edge);
  if (edges.at(-1) !== max) edges.push(max);
  return edges;
}

function numeric(values: unknown[], integer: boolean): Record<string, unknown> {
  const numbers = values.map(numberOf).filter((v): v is number => v !== undefined);
  const base = nan(values, numbers.length);
  if (numbers.length === 0)
    return { ...base, min: null, max: null, mean: null, median: null, std: null, histogram: null };
  const sorted = [...numbers].sort((a, b) => a - b);
  const min = sorted[0] as number;
  const max = sorted.at(-1) as number;
  const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const variance = numbers.length > 1 ? numbers.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (numbers.length - 1) : 0;
  const edges = edgesOf(min, max, integer);
  const hist = new Array<number>(Math.max(edges.length - 1, 1)).fill(0);
  for (const v of numbers) {
    let bin = edges.findIndex((edge, i) => i < edges.length - 1 && v >= edge && v < (edges[i + 1] as number));
    if (bin < 0) bin = hist.length - 1;
    hist[bin] = (hist[bin] as number) + 1;
  }
  return {
    ...base,
    min: integer ? min : round(min),
    max: integer ? max : round(max),
    mean: round(mean),
    median: round(median),
    std: round(Math.sqrt(variance)),
    histogram: { hist, bin_edges: edges },
  };
}

function frequencies(values: unknown[], name: (raw: unknown) => string | undefined): Record<string, unknown> {
  const counts: Record<string, number> = {};
  let present = 0;
  for (const raw of values) {
    if (raw === null || raw === undefined) continue;
    present++;
    const key = name(raw);
    if (key !== undefined) counts[key] = (counts[key] ?? 0) + 1;
  }
  return { ...nan(values, present), n_unique: Object.keys(counts).length, frequencies: counts };
}

function classLabel(values: unknown[], names: string[]): Record<string, unknown> {
  const noLabel = values.filter((v) => numberOf(v) === -1).length;
  const counted = frequencies(
    values.filter((v) => numberOf(v) !== -1),
    (raw) => names[numberOf(raw) ?? -1],
  );
  const total = values.length;
  return {
    nan_count: counted.nan_count,
    nan_proportion: total ? round((counted.nan_count as number) / total) : 0,
    no_label_count: noLabel,
    no_label_proportion: total ? round(noLabel / total) : 0,
    n_unique: counted.n_unique,
    frequencies: counted.frequencies,
  };
}

/** A string column is a label when it has few distinct values (the viewer's rule). */
function isLabelColumn(values: unknown[]): boolean {
  const strings = values.filter((v): v is string => typeof v === "string");
  const unique = new Set(strings).size;
  return unique <= 10 || (strings.length > 0 && unique / strings.length <= 0.2 && unique < 1000);
}

function lengths(values: unknown[], lengthOf: (raw: unknown) => number | undefined): Record<string, unknown> {
  return numeric(
    values.map((raw) => (raw === null || raw === undefined ? null : lengthOf(raw))),
    true,
  );
}

function columnStatistics(
  name: string,
  feature: Feature,
  values: unknown[],
  blobHead: (sha256: string) => Uint8Array,
): ColumnStatistics | undefined {
  const kind = kindOf(feature);
  const dtype = dtypeOf(feature) ?? "";
  const stat = (column_type: string, column_statistics: Record<string, unknown>): ColumnStatistics => ({
    column_name: name,
    column_type,
    column_statistics,
  });
  if (kind === "ClassLabel") return stat("class_label", classLabel(values, (feature as { names: string[] }).names));
  if (kind === "Image") {
    return stat(
      "image",
      lengths(values, (raw) => {
        const source = imageSource(raw);
        if (!source) return undefined;
        return imageFacts("bytes" in source ? source.bytes : blobHead(source.sha256))?.width;
      }),
    );
  }
  if (kind === "Sequence" || kind === "List") {
    return stat(
      "list",
      lengths(values, (raw) => (Array.isArray(raw) ? raw.length : undefined)),
    );
  }
  if (/^u?int\d+$/.test(dtype)) return stat("int", numeric(values, true));
  if (/^(float|double|decimal)/.test(dtype)) return stat("float", numeric(values, false));
  if (dtype === "bool")
    return stat(
      "bool",
      frequencies(values, (raw) => (raw ? "True" : "False")),
    );
  if (dtype === "string" || dtype === "large_string") {
    if (isLabelColumn(values))
      return stat(
        "string_label",
        frequencies(values, (raw) => String(raw)),
      );
    return stat(
      "string_text",
      lengths(values, (raw) => (typeof raw === "string" ? raw.length : undefined)),
    );
  }
  return undefined;
}

/** Statistics of every column the viewer describes (others, such as binary or mappings, are left out). */
export function statisticsOf(
  rows: Row[],
  features: Features,
  blobHead: (sha256: string) => Uint8Array,
): ColumnStatistics[] {
  const out: ColumnStatistics[] = [];
  for (const [name, feature] of Object.entries(features)) {
    const stats = columnStatistics(
      name,
      feature,
      rows.map((row) => row[name]),
      blobHead,
    );
    if (stats) out.push(stats);
  }
  return out;
}
