import { parse } from "csv-parse/sync";
import { HubError } from "../http.js";

/**
 * CSV, TSV, JSON Lines and JSON data files as rows. CSV cells are typed by column, as the
 * `datasets` CSV loader (pandas) types them: a column of integers is int64, of numbers float64,
 * of true/false bool, anything else string; an empty cell in a typed column is null.
 */

export type Row = Record<string, unknown>;

/** The largest text data file the viewer parses whole; larger ones belong in Parquet. */
export const TEXT_FILE_LIMIT = 256 * 1024 * 1024;

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?(nan|inf|infinity)$/i;
const BOOLEAN = /^(true|false)$/i;

function typedColumns(header: string[], body: string[][]): Row[] {
  const kinds = header.map((_, i) => {
    const present = body.map((r) => r[i] ?? "").filter((v) => v !== "");
    if (present.length === 0) return "string";
    if (present.every((v) => INTEGER.test(v))) return "int";
    if (present.every((v) => NUMBER.test(v))) return "float";
    if (present.every((v) => BOOLEAN.test(v))) return "bool";
    return "string";
  });
  return body.map((r) =>
    Object.fromEntries(
      header.map((name, i) => {
        const v = r[i] ?? "";
        if (v === "" && kinds[i] !== "string") return [name, null];
        if (kinds[i] === "int" || kinds[i] === "float") return [name, Number(v.replace(/^(-?)inf$/i, "$1Infinity"))];
        if (kinds[i] === "bool") return [name, v.toLowerCase() === "true"];
        return [name, v];
      }),
    ),
  );
}

/** Rows of a delimited file (RFC 4180: quoted fields, doubled quotes, CRLF or LF; a BOM is dropped). */
export function parseDelimited(text: string, delimiter: "," | "\t"): Row[] {
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (error) {
    throw new HubError(
      500,
      `The data file is not valid ${delimiter === "," ? "CSV" : "TSV"}: ${(error as Error).message}`,
      "DatasetGenerationError",
    );
  }
  const [header = [], ...body] = records;
  // Duplicate or empty column names get a suffix, as pandas does, so no column hides another.
  const seen = new Map<string, number>();
  const names = header.map((name, i) => {
    const base = name || `Unnamed: ${i}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count ? `${base}.${count}` : base;
  });
  return typedColumns(names, body);
}

const isRow = (value: unknown): value is Row => typeof value === "object" && value !== null && !Array.isArray(value);

/** Rows of a JSON Lines file: one object per line; a line that is not one is an error naming it. */
export function parseJsonLines(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new HubError(500, `Line ${index + 1} of the data file is not JSON`, "DatasetGenerationError");
    }
    if (!isRow(parsed)) {
      throw new HubError(500, `Line ${index + 1} of the data file is not a JSON object`, "DatasetGenerationError");
    }
    rows.push(parsed);
  });
  return rows;
}

/** Rows of a JSON file: a list of objects, or an object holding one under a key (`{"data": [...]}`). */
export function parseJson(text: string): Row[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // Some `.json` files are JSON Lines.
    return parseJsonLines(text);
  }
  const list = Array.isArray(parsed)
    ? parsed
    : isRow(parsed)
      ? Object.values(parsed).find((item) => Array.isArray(item) && item.every(isRow))
      : undefined;
  if (!Array.isArray(list) || !list.every(isRow)) {
    throw new HubError(500, "The JSON data file holds no list of objects", "DatasetGenerationError");
  }
  return list as Row[];
}
