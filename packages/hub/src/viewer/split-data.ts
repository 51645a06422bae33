import { readFileSync } from "node:fs";
import { HubError } from "../http.js";
import type { RepoStore } from "../repos.js";
import { type Features, inferFeatures } from "./features.js";
import { type DataFile, imageLabel, type SplitFiles } from "./layout.js";
import { parquetFeatures, parquetMetadata, readParquetRows } from "./parquet.js";
import { parseDelimited, parseJson, parseJsonLines, type Row, TEXT_FILE_LIMIT } from "./text-formats.js";

/**
 * One split of a dataset as rows, whatever its files: a row count, the features, and any range of
 * rows read on demand (Parquet by row range; text files parsed once per content and kept while
 * they fit a small cache; an image folder as one row per image with its label).
 */
export interface SplitData {
  numRows: number;
  numBytes: number;
  features: Features;
  /** Rows `[start, end)` as stored (not yet presented: bigints, bytes, image sources). */
  rows(start: number, end: number, columns?: string[]): Promise<Row[]>;
}

interface Source {
  numRows: number;
  read(start: number, end: number, columns?: string[]): Promise<Row[]>;
}

/** Parsed text files by content; at most this many source bytes are kept parsed. */
const PARSED_BYTES = 128 * 1024 * 1024;
const parsed = new Map<string, { rows: Row[]; size: number }>();

function parsedRows(store: RepoStore, file: DataFile): Row[] {
  const cached = parsed.get(file.sha256);
  if (cached) {
    parsed.delete(file.sha256);
    parsed.set(file.sha256, cached);
    return cached.rows;
  }
  if (file.size > TEXT_FILE_LIMIT) {
    throw new HubError(
      501,
      `${file.path} is ${file.size} bytes: the local viewer parses text data files up to ${TEXT_FILE_LIMIT} bytes. Store it as Parquet.`,
      "TooBigContentError",
    );
  }
  const text = readFileSync(store.blobPath(file.sha256), "utf8");
  const rows =
    file.format === "csv"
      ? parseDelimited(text, ",")
      : file.format === "tsv"
        ? parseDelimited(text, "\t")
        : file.format === "jsonl"
          ? parseJsonLines(text)
          : parseJson(text);
  let total = file.size;
  for (const entry of parsed.values()) total += entry.size;
  for (const [key, entry] of parsed) {
    if (total <= PARSED_BYTES) break;
    parsed.delete(key);
    total -= entry.size;
  }
  if (file.size <= PARSED_BYTES) parsed.set(file.sha256, { rows, size: file.size });
  return rows;
}

const pick = (row: Row, columns?: string[]): Row =>
  columns ? Object.fromEntries(columns.filter((name) => name in row).map((name) => [name, row[name]])) : row;

async function sourceOf(
  store: RepoStore,
  file: DataFile,
  labels: string[],
): Promise<{ source: Source; features: Features }> {
  if (file.format === "parquet") {
    const path = store.blobPath(file.sha256);
    const metadata = await parquetMetadata(path, file.sha256);
    return {
      source: {
        numRows: Number(metadata.num_rows),
        read: (start, end, columns) => readParquetRows(path, file.sha256, start, end, columns),
      },
      features: parquetFeatures(metadata),
    };
  }
  if (file.format === "image") {
    const label = imageLabel(file.path);
    const row: Row = {
      image: { file: file.path, sha256: file.sha256 },
      ...(labels.length ? { label: label === undefined ? null : labels.indexOf(label) } : {}),
    };
    return {
      source: { numRows: 1, read: async (start, end, columns) => (start < 1 && end > 0 ? [pick(row, columns)] : []) },
      features: {
        image: { _type: "Image" },
        ...(labels.length ? { label: { _type: "ClassLabel", names: labels } } : {}),
      },
    };
  }
  const rows = parsedRows(store, file);
  return {
    source: {
      numRows: rows.length,
      read: async (start, end, columns) => rows.slice(start, end).map((row) => pick(row, columns)),
    },
    features: inferFeatures(rows),
  };
}

/** The labels of an image folder: the folder names holding its images, sorted, as `datasets` numbers them. */
export function imageLabels(splits: SplitFiles[]): string[] {
  const labels = new Set<string>();
  for (const split of splits)
    for (const file of split.files) {
      const label = file.format === "image" ? imageLabel(file.path) : undefined;
      if (label !== undefined) labels.add(label);
    }
  return [...labels].sort();
}

/** Opens one split; `labels` are the image folder's class names (from `imageLabels` over the config). */
export async function openSplit(store: RepoStore, split: SplitFiles, labels: string[]): Promise<SplitData> {
  const opened = [];
  for (const file of split.files) opened.push(await sourceOf(store, file, labels));
  const features: Features = {};
  for (const { features: own } of opened)
    for (const [name, feature] of Object.entries(own)) if (!(name in features)) features[name] = feature;
  const sources = opened.map((item) => item.source);
  return {
    numRows: sources.reduce((n, source) => n + source.numRows, 0),
    numBytes: split.files.reduce((n, file) => n + file.size, 0),
    features,
    async rows(start, end, columns) {
      const out: Row[] = [];
      let offset = 0;
      for (const source of sources) {
        const from = Math.max(start - offset, 0);
        const to = Math.min(end - offset, source.numRows);
        if (from < to) out.push(...(await source.read(from, to, columns)));
        offset += source.numRows;
        if (offset >= end) break;
      }
      return out;
    },
  };
}
