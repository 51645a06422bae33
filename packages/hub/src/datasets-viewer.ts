import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { HubError, sendJson } from "./http.js";
import type { Commit, RepoStore } from "./repos.js";

/** Rows `/first-rows` returns at most, as datasets-server does. */
export const FIRST_ROWS = 100;
const CONFIG = "default";

type Row = Record<string, unknown>;
interface SplitFile {
  split: string;
  path: string;
  format: "csv" | "jsonl";
}

/** train / validation / test from a data file's name; anything else is train. */
export function splitOf(path: string): string {
  const name = path.split("/").pop()?.toLowerCase() ?? "";
  if (/(^|[-_.])(test|testing|eval)([-_.]|$)/.test(name)) return "test";
  if (/(^|[-_.])(validation|valid|val|dev)([-_.]|$)/.test(name)) return "validation";
  return "train";
}

function dataFiles(commit: Commit): SplitFile[] {
  return Object.keys(commit.files)
    .sort()
    .flatMap((path): SplitFile[] => {
      const lower = path.toLowerCase();
      if (lower.endsWith(".csv")) return [{ split: splitOf(path), path, format: "csv" }];
      if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson"))
        return [{ split: splitOf(path), path, format: "jsonl" }];
      return [];
    });
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function readRows(store: RepoStore, commit: Commit, file: SplitFile): Row[] {
  const entry = commit.files[file.path];
  if (!entry) return [];
  const text = readFileSync(store.blobPath(entry.sha256), "utf8").replace(/^\uFEFF/, "");
  if (file.format === "jsonl") {
    return text
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Row);
  }
  const [header = [], ...body] = parseCsv(text);
  const columns = header.map((name, i) => ({ name, values: body.map((r) => r[i] ?? "") }));
  const kinds = columns.map(({ values }) => {
    const present = values.filter((v) => v !== "");
    if (present.length && present.every((v) => /^-?\d+$/.test(v))) return "int";
    if (present.length && present.every((v) => NUMBER.test(v))) return "float";
    if (present.length && present.every((v) => /^(true|false)$/i.test(v))) return "bool";
    return "string";
  });
  return body.map((r) =>
    Object.fromEntries(
      header.map((name, i) => {
        const v = r[i] ?? "";
        if (v === "" && kinds[i] !== "string") return [name, null];
        if (kinds[i] === "int" || kinds[i] === "float") return [name, Number(v)];
        if (kinds[i] === "bool") return [name, v.toLowerCase() === "true"];
        return [name, v];
      }),
    ),
  );
}

function dtypeOf(values: unknown[]): Record<string, unknown> {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length && present.every((v) => Number.isInteger(v))) return { dtype: "int64", _type: "Value" };
  if (present.length && present.every((v) => typeof v === "number")) return { dtype: "float64", _type: "Value" };
  if (present.length && present.every((v) => typeof v === "boolean")) return { dtype: "bool", _type: "Value" };
  if (present.length && present.every((v) => typeof v === "string")) return { dtype: "string", _type: "Value" };
  if (present.length && present.every((v) => Array.isArray(v))) {
    return { feature: dtypeOf(present.flat()), _type: "Sequence" };
  }
  return present.length ? { dtype: "string", _type: "Value" } : { dtype: "null", _type: "Value" };
}

function features(rows: Row[]): { name: string; type: Record<string, unknown> }[] {
  const names: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!names.includes(key)) names.push(key);
  return names.map((name) => ({ name, type: dtypeOf(rows.map((row) => row[name])) }));
}

interface Split {
  split: string;
  rows: Row[];
  bytes: number;
}

function loadSplits(store: RepoStore, dataset: string): Split[] {
  if (!store.exists("dataset", dataset)) {
    throw new HubError(
      404,
      "The dataset does not exist, or is not accessible without authentication (private or gated).",
      "DatasetNotFoundError",
    );
  }
  const commit = store.resolve("dataset", dataset, "main");
  const bySplit = new Map<string, Split>();
  for (const file of dataFiles(commit)) {
    const split = bySplit.get(file.split) ?? { split: file.split, rows: [], bytes: 0 };
    split.rows.push(...readRows(store, commit, file));
    split.bytes += commit.files[file.path]?.size ?? 0;
    bySplit.set(file.split, split);
  }
  const order = ["train", "validation", "test"];
  return [...bySplit.values()].sort((a, b) => order.indexOf(a.split) - order.indexOf(b.split));
}

const required = (url: URL, name: string): string => {
  const value = url.searchParams.get(name);
  if (!value) throw new HubError(422, `Parameter '${name}' is required`, "MissingRequiredParameter");
  return value;
};

/** `/datasets-server/{is-valid,splits,info,first-rows}`, in datasets-server.huggingface.co's shapes. */
export function datasetsViewerRoute(res: ServerResponse, url: URL, store: RepoStore, endpoint: string): void {
  const dataset = required(url, "dataset");
  const splits = loadSplits(store, dataset);
  if (endpoint === "is-valid") {
    const ok = splits.length > 0;
    sendJson(res, 200, { preview: ok, viewer: ok, search: false, filter: false, statistics: false });
    return;
  }
  if (splits.length === 0) throw new HubError(501, "No CSV or JSONL data files in this dataset", "EmptyDatasetError");
  if (endpoint === "splits") {
    sendJson(res, 200, {
      splits: splits.map((s) => ({ dataset, config: CONFIG, split: s.split })),
      pending: [],
      failed: [],
    });
    return;
  }
  if (endpoint === "info") {
    const all = splits.flatMap((s) => s.rows);
    const feats = Object.fromEntries(features(all).map((f) => [f.name, f.type]));
    const info = {
      config_name: CONFIG,
      dataset_name: dataset.split("/").pop(),
      features: feats,
      splits: Object.fromEntries(
        splits.map((s) => [
          s.split,
          { name: s.split, num_bytes: s.bytes, num_examples: s.rows.length, dataset_name: dataset.split("/").pop() },
        ]),
      ),
      download_size: splits.reduce((n, s) => n + s.bytes, 0),
      dataset_size: splits.reduce((n, s) => n + s.bytes, 0),
    };
    sendJson(res, 200, { dataset_info: { [CONFIG]: info }, pending: [], failed: [], partial: false });
    return;
  }
  if (endpoint === "first-rows") {
    const config = required(url, "config");
    const name = required(url, "split");
    const split = splits.find((s) => s.split === name);
    if (config !== CONFIG || !split) throw new HubError(404, "Not found.", "ResponseNotFound");
    const rows = split.rows.slice(0, FIRST_ROWS);
    sendJson(res, 200, {
      dataset,
      config,
      split: name,
      features: features(split.rows).map((f, feature_idx) => ({ feature_idx, ...f })),
      rows: rows.map((row, row_idx) => ({ row_idx, row, truncated_cells: [] })),
      truncated: split.rows.length > FIRST_ROWS,
    });
    return;
  }
  throw new HubError(404, "Not found.", "ResponseNotFound");
}
