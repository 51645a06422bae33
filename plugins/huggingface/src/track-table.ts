import { parquetReadObjects } from "hyparquet";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";

/**
 * Experiment tracking in trackio's dataset layout: what trackio's Hub sync writes (and reads back
 * with `import_from_parquet`), so `trackio show` on the dataset, pandas or the datasets library read
 * what the tools log:
 *
 *   {project}.parquet          one row per logged step: id, timestamp, run_name, step, then one
 *                              DOUBLE column per metric (null where a row did not log it)
 *   {project}_configs.parquet  one row per run: id, run_name, created_at, then one column per param
 *
 * This module holds the two tables in memory, merges newly logged rows into them and encodes and
 * decodes them with hyparquet and hyparquet-writer (pure JavaScript, so it runs in the sandbox).
 */

export const PROJECT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** trackio's structural columns; a metric or param may not take their names. */
const METRIC_STRUCTURAL = new Set(["id", "run_id", "timestamp", "run_name", "step", "log_id", "space_id", "metrics"]);
const CONFIG_STRUCTURAL = new Set(["id", "run_id", "run_name", "created_at", "config"]);
export const MAX_NAME = 100;
export const MAX_COLUMNS = 200;
/** The most rows a project's metrics table may hold (about 25 MB of Parquet at 200 metrics). */
export const MAX_ROWS = 200_000;

export type ParamValue = string | number | boolean;

export interface MetricRow {
  id: number;
  timestamp: string;
  run_name: string;
  step: number;
  metrics: Record<string, number | null>;
}

export interface ConfigRow {
  id: number;
  run_name: string;
  created_at: string;
  config: Record<string, ParamValue | null>;
}

export interface ProjectTables {
  metrics: MetricRow[];
  configs: ConfigRow[];
}

export class TrackError extends Error {}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point (names go into files and tables).
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkProject(project: string): string {
  if (!PROJECT_NAME.test(project))
    throw new TrackError(
      `"${project.slice(0, 80)}" is not a project name: use 1-64 letters, digits, - and _ (trackio's file names).`,
    );
  return project;
}

export function checkRunName(run: string): string {
  if (run.length === 0 || run.length > MAX_NAME || CONTROL.test(run))
    throw new TrackError(`"${run.slice(0, 80)}" is not a run name: 1-${MAX_NAME} characters, no control characters.`);
  return run;
}

function checkColumn(name: string, structural: Set<string>, what: string): string {
  if (name.length === 0 || name.length > MAX_NAME || CONTROL.test(name))
    throw new TrackError(
      `"${name.slice(0, 80)}" is not a ${what} name: 1-${MAX_NAME} characters, no control characters.`,
    );
  if (structural.has(name))
    throw new TrackError(
      `"${name}" is a column of trackio's layout, not a ${what}: rename it (e.g. "${what}_${name}").`,
    );
  return name;
}

export const checkMetricName = (name: string): string => checkColumn(name, METRIC_STRUCTURAL, "metric");
export const checkParamName = (name: string): string => checkColumn(name, CONFIG_STRUCTURAL, "param");

/** A logged row as given: numbers by metric name, and its step when the caller knows it. */
export interface LoggedRow {
  step?: number;
  metrics: Record<string, number | null>;
}

/** Checks logged rows before anything is read or written: metric names, steps. */
export function checkRows(rows: LoggedRow[]): void {
  for (const row of rows) {
    for (const name of Object.keys(row.metrics)) checkMetricName(name);
    if (row.step !== undefined && (!Number.isSafeInteger(row.step) || row.step < 0))
      throw new TrackError(`step ${row.step} is not a whole number ≥ 0.`);
  }
}

/** Checks params' names before anything is read or written. */
export function checkParams(params: Record<string, ParamValue>): void {
  for (const name of Object.keys(params)) checkParamName(name);
}

/**
 * Merges `rows` for `run` into `tables.metrics`: a row for a step the run already logged updates
 * that row (logging the same file again changes nothing), a row without a step takes the run's next
 * one (trackio's rule). Returns how many rows were added and updated.
 */
export function mergeMetrics(
  tables: ProjectTables,
  run: string,
  rows: LoggedRow[],
  now: string,
): { added: number; updated: number } {
  const byStep = new Map<number, MetricRow>();
  let lastStep = -1;
  let nextId = 0;
  for (const row of tables.metrics) {
    nextId = Math.max(nextId, row.id + 1);
    if (row.run_name !== run) continue;
    byStep.set(row.step, row);
    lastStep = Math.max(lastStep, row.step);
  }
  let added = 0;
  let updated = 0;
  for (const row of rows) {
    for (const name of Object.keys(row.metrics)) checkMetricName(name);
    const step = row.step ?? lastStep + 1;
    if (!Number.isSafeInteger(step) || step < 0) throw new TrackError(`step ${row.step} is not a whole number ≥ 0.`);
    lastStep = Math.max(lastStep, step);
    const existing = byStep.get(step);
    if (existing) {
      Object.assign(existing.metrics, row.metrics);
      existing.timestamp = now;
      updated++;
      continue;
    }
    const created: MetricRow = { id: nextId++, timestamp: now, run_name: run, step, metrics: { ...row.metrics } };
    tables.metrics.push(created);
    byStep.set(step, created);
    added++;
  }
  if (tables.metrics.length > MAX_ROWS)
    throw new TrackError(
      `The project would hold ${tables.metrics.length} rows, over ${MAX_ROWS}: log less often, or start a new project.`,
    );
  const columns = metricNames(tables);
  if (columns.length > MAX_COLUMNS)
    throw new TrackError(`The project would have ${columns.length} metrics, over ${MAX_COLUMNS}: log fewer.`);
  return { added, updated };
}

/** Sets `run`'s params (merged over what it had). Returns whether the run is new to the project. */
export function mergeConfig(
  tables: ProjectTables,
  run: string,
  params: Record<string, ParamValue>,
  now: string,
): boolean {
  for (const name of Object.keys(params)) checkParamName(name);
  const existing = tables.configs.find((row) => row.run_name === run);
  if (existing) {
    Object.assign(existing.config, params);
    return false;
  }
  const id = tables.configs.reduce((max, row) => Math.max(max, row.id + 1), 0);
  tables.configs.push({ id, run_name: run, created_at: now, config: { ...params } });
  if (tables.configs.length > 10_000) throw new TrackError("The project would hold over 10000 runs: start a new one.");
  return true;
}

/** Every metric name of the project, in the order first logged. */
export function metricNames(tables: ProjectTables): string[] {
  const names = new Set<string>();
  for (const row of tables.metrics) for (const name of Object.keys(row.metrics)) names.add(name);
  return [...names];
}

/** Every param name of the project, in the order first set. */
export function paramNames(tables: ProjectTables): string[] {
  const names = new Set<string>();
  for (const row of tables.configs) for (const name of Object.keys(row.config)) names.add(name);
  return [...names];
}

/** The runs in the order they first appear (configs first, then metrics). */
export function runNames(tables: ProjectTables): string[] {
  const names = new Set<string>();
  for (const row of tables.configs) names.add(row.run_name);
  for (const row of tables.metrics) names.add(row.run_name);
  return [...names];
}

function paramColumn(name: string, values: (ParamValue | null | undefined)[]): ColumnSource {
  const present = values.filter((v): v is ParamValue => v !== null && v !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === "number"))
    return { name, type: "DOUBLE", nullable: true, data: values.map((v) => (typeof v === "number" ? v : null)) };
  if (present.length > 0 && present.every((v) => typeof v === "boolean"))
    return { name, type: "BOOLEAN", nullable: true, data: values.map((v) => (typeof v === "boolean" ? v : null)) };
  return {
    name,
    type: "STRING",
    nullable: true,
    data: values.map((v) => (v === null || v === undefined ? null : String(v))),
  };
}

/** `{project}.parquet`'s bytes. */
export function encodeMetrics(tables: ProjectTables): Uint8Array {
  const rows = [...tables.metrics].sort((a, b) => a.id - b.id);
  const columns: ColumnSource[] = [
    { name: "id", type: "INT64", nullable: false, data: rows.map((r) => BigInt(r.id)) },
    { name: "timestamp", type: "STRING", nullable: false, data: rows.map((r) => r.timestamp) },
    { name: "run_name", type: "STRING", nullable: false, data: rows.map((r) => r.run_name) },
    { name: "step", type: "INT64", nullable: false, data: rows.map((r) => BigInt(r.step)) },
    ...metricNames(tables).map(
      (name): ColumnSource => ({
        name,
        type: "DOUBLE",
        nullable: true,
        data: rows.map((r) => r.metrics[name] ?? null),
      }),
    ),
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData: columns }));
}

/** `{project}_configs.parquet`'s bytes. */
export function encodeConfigs(tables: ProjectTables): Uint8Array {
  const rows = [...tables.configs].sort((a, b) => a.id - b.id);
  const columns: ColumnSource[] = [
    { name: "id", type: "INT64", nullable: false, data: rows.map((r) => BigInt(r.id)) },
    { name: "run_name", type: "STRING", nullable: false, data: rows.map((r) => r.run_name) },
    { name: "created_at", type: "STRING", nullable: false, data: rows.map((r) => r.created_at) },
    ...paramNames(tables).map((name) =>
      paramColumn(
        name,
        rows.map((r) => r.config[name]),
      ),
    ),
  ];
  return new Uint8Array(parquetWriteBuffer({ columnData: columns }));
}

const toNumber = (value: unknown): number | null =>
  typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : null;
const toText = (value: unknown): string => (typeof value === "string" ? value : value == null ? "" : String(value));

async function readObjects(bytes: Uint8Array, file: string): Promise<Record<string, unknown>[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  } catch (error) {
    throw new TrackError(
      `${file} on the Hub is not Parquet this tool can read (${error instanceof Error ? error.message : String(error)}); log to a new project or remove it.`,
    );
  }
}

/** Reads `{project}.parquet` as trackio wrote it (or this module): structural columns, the rest metrics. */
export async function decodeMetrics(bytes: Uint8Array, file: string): Promise<MetricRow[]> {
  const objects = await readObjects(bytes, file);
  if (objects.length > MAX_ROWS) throw new TrackError(`${file} holds ${objects.length} rows, over ${MAX_ROWS}.`);
  return objects.map((object, index) => {
    const metrics: Record<string, number | null> = {};
    for (const [key, value] of Object.entries(object)) {
      if (METRIC_STRUCTURAL.has(key)) continue;
      const number = toNumber(value);
      if (number !== null || value === null) metrics[key] = number;
    }
    return {
      id: toNumber(object.id) ?? index,
      timestamp: toText(object.timestamp),
      run_name: toText(object.run_name),
      step: toNumber(object.step) ?? index,
      metrics,
    };
  });
}

/** Reads `{project}_configs.parquet`. */
export async function decodeConfigs(bytes: Uint8Array, file: string): Promise<ConfigRow[]> {
  const objects = await readObjects(bytes, file);
  return objects.map((object, index) => {
    const config: Record<string, ParamValue | null> = {};
    for (const [key, value] of Object.entries(object)) {
      if (CONFIG_STRUCTURAL.has(key)) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") config[key] = value;
      else if (typeof value === "bigint") config[key] = Number(value);
      else if (value === null) config[key] = null;
    }
    return {
      id: toNumber(object.id) ?? index,
      run_name: toText(object.run_name),
      created_at: toText(object.created_at),
      config,
    };
  });
}
