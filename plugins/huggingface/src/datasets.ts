import { defineTool } from "@pincer/sdk";
import {
  type CheckResult,
  type ColumnInfo,
  checkDataset,
  DATASET_CHECKS,
  type DatasetCheck,
} from "./dataset-checks.js";
import { checkRepoId, clip, DATASETS_SERVER, guarded, type Hub, hubOf } from "./hub.js";

const SAMPLE_ROWS = 5;
const CELL_CHARS = 300;
const STATS_SHOWN = 30;

interface SplitsAnswer {
  splits: { dataset: string; config: string; split: string }[];
}

interface FirstRowsAnswer {
  features: { name: string; type: Record<string, unknown> }[];
  rows: { row_idx: number; row: Record<string, unknown> }[];
  truncated?: boolean;
}

interface StatisticsAnswer {
  num_examples: number;
  statistics: { column_name: string; column_type: string; column_statistics: Record<string, unknown> }[];
  partial?: boolean;
}

interface SizeAnswer {
  size: { splits: { config: string; split: string; num_rows: number }[] };
}

/** The dataset viewer's base URL: the public one for the public Hub, `<endpoint>/datasets-server` otherwise. */
const viewerBase = (hub: Hub): string => (hub.isPublic ? DATASETS_SERVER : `${hub.endpoint}/datasets-server`);

function typeName(type: Record<string, unknown>): string {
  if (typeof type.dtype === "string") return type.dtype;
  if ((type._type === "Sequence" || type._type === "List") && type.feature && typeof type.feature === "object") {
    return `list<${typeName(type.feature as Record<string, unknown>)}>`;
  }
  if (type._type === "ClassLabel" && Array.isArray(type.names))
    return `class_label(${clip(type.names.join(", "), 200)})`;
  if (typeof type._type === "string") return type._type;
  return `{${clip(Object.keys(type).join(", "), 200)}}`;
}

const cell = (value: unknown): string => clip(typeof value === "string" ? value : JSON.stringify(value), CELL_CHARS);
const num = (value: unknown): string => (typeof value === "number" ? String(value) : "?");

/** One column's statistics in a few words. */
function statLine(stat: StatisticsAnswer["statistics"][number]): string {
  const s = stat.column_statistics;
  const nulls = typeof s.nan_count === "number" && s.nan_count > 0 ? `, ${s.nan_count} null` : "";
  if (s.frequencies && typeof s.frequencies === "object") {
    const entries = Object.entries(s.frequencies as Record<string, number>).sort((a, b) => b[1] - a[1]);
    const shown = entries.slice(0, 6).map(([name, count]) => `${clip(name, 40)} ${count}`);
    return `${stat.column_name} (${stat.column_type}): ${num(s.n_unique)} values: ${shown.join(", ")}${entries.length > 6 ? ", …" : ""}${nulls}`;
  }
  const of =
    stat.column_type === "string_text"
      ? "length "
      : stat.column_type === "list"
        ? "items "
        : stat.column_type === "image"
          ? "width "
          : "";
  return `${stat.column_name} (${stat.column_type}): ${of}${num(s.min)}–${num(s.max)}, mean ${num(s.mean)}, std ${num(s.std)}${nulls}`;
}

/** A viewer answer the dataset may not have (no statistics for it, no size): undefined rather than an error. */
async function optional<T>(hub: Hub, url: string): Promise<T | undefined> {
  try {
    // Not repeated on a 5xx: the viewer's errors for a dataset it can't describe don't go away.
    return await hub.json<T>(url, { what: "The viewer's answer", idempotent: false });
  } catch {
    return undefined;
  }
}

export const hfDatasetInspect = defineTool<{
  dataset: string;
  config?: string;
  split?: string;
  check?: DatasetCheck;
  target?: string;
}>({
  name: "hf_dataset_inspect",
  description:
    "Inspect a Hugging Face dataset through the dataset viewer: its configs, splits and row counts, the columns with their types and statistics (class balance, ranges, text lengths), and a few sample rows. With check it says whether the data fits a task: classification, regression or tabular (a target column, default label/labels/target/class/y, or name it with target, and input columns), text or image (a text or image column), sft (messages, prompt+completion or text) or dpo (prompt+chosen+rejected).",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      dataset: { type: "string", description: 'The dataset id, owner/name (e.g. "stanfordnlp/imdb").' },
      config: { type: "string", description: "The config (subset) to sample (default: the first)." },
      split: { type: "string", description: 'The split to sample (default: "train" when there is one).' },
      check: { type: "string", enum: [...DATASET_CHECKS], description: "Check that the data fits this task." },
      target: { type: "string", description: "The column to predict, for classification, regression and tabular." },
    },
    required: ["dataset"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const dataset = checkRepoId(args.dataset);
      const base = viewerBase(hub);
      const what = `The dataset ${dataset} (or its viewer data)`;
      const { splits } = await hub.json<SplitsAnswer>(`${base}/splits?${new URLSearchParams({ dataset })}`, { what });
      if (splits.length === 0) return { content: `${dataset} has no splits the viewer can read.`, isError: true };
      const configs = [...new Set(splits.map((s) => s.config))];
      const config = args.config ?? configs[0] ?? "default";
      const inConfig = splits.filter((s) => s.config === config);
      if (inConfig.length === 0) {
        return { content: `${dataset} has no config "${config}"; its configs: ${configs.join(", ")}.`, isError: true };
      }
      const split = args.split ?? (inConfig.find((s) => s.split === "train") ?? inConfig[0])?.split ?? "train";
      if (!inConfig.some((s) => s.split === split)) {
        const names = inConfig.map((s) => s.split).join(", ");
        return { content: `${dataset} (${config}) has no split "${split}"; its splits: ${names}.`, isError: true };
      }
      const query = new URLSearchParams({ dataset, config, split });
      const [first, stats, size] = await Promise.all([
        hub.json<FirstRowsAnswer>(`${base}/first-rows?${query}`, { what: `The split ${split} of ${dataset}` }),
        optional<StatisticsAnswer>(hub, `${base}/statistics?${query}`),
        optional<SizeAnswer>(hub, `${base}/size?${new URLSearchParams({ dataset })}`),
      ]);
      const features = first.features.map((f) => ({ name: f.name, type: typeName(f.type) }));
      const rows = first.rows.slice(0, SAMPLE_ROWS).map((r) => r.row);
      const counts = size?.size.splits.filter((s) => s.config === config) ?? [];
      const lines = [
        `Dataset ${dataset}`,
        `Configs: ${configs.join(", ")}`,
        `Splits (${config}): ${inConfig.map((s) => s.split).join(", ")}`,
        ...(counts.length ? [`Rows: ${counts.map((s) => `${s.split} ${s.num_rows}`).join(", ")}`] : []),
        `Columns (${split}): ${features.map((f) => `${f.name}: ${f.type}`).join(", ")}`,
      ];
      if (stats?.statistics.length) {
        lines.push(`Statistics (${split}, ${stats.num_examples} rows${stats.partial ? ", partial" : ""}):`);
        lines.push(...stats.statistics.slice(0, STATS_SHOWN).map((stat) => `  ${statLine(stat)}`));
      }
      lines.push(
        `Sample rows (${rows.length} of the first ${first.rows.length}${first.truncated ? "+" : ""}):`,
        ...rows.map(
          (row, i) =>
            `  ${i + 1}. ${Object.entries(row)
              .map(([key, value]) => `${key}=${cell(value)}`)
              .join(" | ")}`,
        ),
      );
      let check: CheckResult | undefined;
      if (args.check) {
        const columns: ColumnInfo[] = first.features.map((f) => {
          const stat = stats?.statistics.find((s) => s.column_name === f.name);
          return {
            name: f.name,
            type: f.type,
            ...(stat ? { stats: stat } : {}),
            sample: first.rows.map((r) => r.row[f.name]),
          };
        });
        check = checkDataset(args.check, columns, args.target);
        lines.push(`Check ${check.check}: ${check.verdict}`);
      }
      return {
        content: lines.join("\n"),
        details: {
          dataset,
          config,
          split,
          configs,
          splits: inConfig.map((s) => s.split),
          features,
          rows,
          ...(stats ? { statistics: stats.statistics } : {}),
          ...(check ? { check } : {}),
        },
      };
    }),
});
