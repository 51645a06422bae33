import { defineTool } from "@pincer/sdk";
import { checkRepoId, clip, DATASETS_SERVER, guarded, type Hub, hubOf } from "./hub.js";

export type DatasetCheck = "sft" | "dpo" | "classification";

const SAMPLE_ROWS = 5;
const CELL_CHARS = 300;

/** The column sets each training format accepts; the first that fits wins. */
const FORMATS: Record<DatasetCheck, string[][]> = {
  sft: [["messages"], ["prompt", "completion"], ["text"]],
  dpo: [["prompt", "chosen", "rejected"]],
  classification: [["text", "label"]],
};

export interface CheckResult {
  check: DatasetCheck;
  fits: boolean;
  /** The column set that fits, or the closest one and what it lacks. */
  columns: string[];
  missing: string[];
}

/** Whether a dataset's columns fit a training format (sft, dpo, classification). */
export function checkColumns(check: DatasetCheck, columns: string[]): CheckResult {
  const options = FORMATS[check].map((wanted) => ({
    columns: wanted,
    missing: wanted.filter((name) => !columns.includes(name)),
  }));
  // A set that fits; else the one with the most columns present (then the fewest missing).
  const present = (option: { columns: string[]; missing: string[] }) => option.columns.length - option.missing.length;
  const best = options.find((option) => option.missing.length === 0) ??
    [...options].sort((a, b) => present(b) - present(a) || a.missing.length - b.missing.length)[0] ?? {
      columns: [],
      missing: [],
    };
  return { check, fits: best.missing.length === 0, columns: best.columns, missing: best.missing };
}

function describeCheck(result: CheckResult): string {
  const accepted = FORMATS[result.check].map((set) => set.join("+")).join(" or ");
  if (result.fits) return `Check ${result.check}: fits (columns ${result.columns.join(", ")}).`;
  return `Check ${result.check}: does not fit; missing ${result.missing.join(", ")} (${result.check} needs ${accepted}). Rename or map the columns before training.`;
}

interface SplitsAnswer {
  splits: { dataset: string; config: string; split: string }[];
}

interface FirstRowsAnswer {
  features: { name: string; type: Record<string, unknown> }[];
  rows: { row_idx: number; row: Record<string, unknown> }[];
  truncated?: boolean;
}

/** The dataset viewer's base URL: the public one for the public Hub, `<endpoint>/datasets-server` otherwise. */
const viewerBase = (hub: Hub): string => (hub.isPublic ? DATASETS_SERVER : `${hub.endpoint}/datasets-server`);

function typeName(type: Record<string, unknown>): string {
  if (typeof type.dtype === "string") return type.dtype;
  if (type._type === "Sequence" && type.feature && typeof type.feature === "object") {
    return `list<${typeName(type.feature as Record<string, unknown>)}>`;
  }
  if (type._type === "ClassLabel" && Array.isArray(type.names)) return `class_label(${type.names.join(", ")})`;
  return typeof type._type === "string" ? type._type : "object";
}

const cell = (value: unknown): string => clip(typeof value === "string" ? value : JSON.stringify(value), CELL_CHARS);

export const hfDatasetInspect = defineTool<{ dataset: string; config?: string; split?: string; check?: DatasetCheck }>({
  name: "hf_dataset_inspect",
  description:
    "Inspect a Hugging Face dataset through the dataset viewer: its configs and splits, the columns with their types, and a few sample rows. With check (sft, dpo or classification) it also says whether the columns fit that training format (sft: messages, prompt+completion or text; dpo: prompt+chosen+rejected; classification: text+label).",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      dataset: { type: "string", description: 'The dataset id, owner/name (e.g. "stanfordnlp/imdb").' },
      config: { type: "string", description: "The config (subset) to sample (default: the first)." },
      split: { type: "string", description: 'The split to sample (default: "train" when there is one).' },
      check: {
        type: "string",
        enum: ["sft", "dpo", "classification"],
        description: "Check that the columns fit this training format.",
      },
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
      const first = await hub.json<FirstRowsAnswer>(
        `${base}/first-rows?${new URLSearchParams({ dataset, config, split })}`,
        { what: `The split ${split} of ${dataset}` },
      );
      const features = first.features.map((f) => ({ name: f.name, type: typeName(f.type) }));
      const rows = first.rows.slice(0, SAMPLE_ROWS).map((r) => r.row);
      const lines = [
        `Dataset ${dataset}`,
        `Configs: ${configs.join(", ")}`,
        `Splits (${config}): ${inConfig.map((s) => s.split).join(", ")}`,
        `Columns (${split}): ${features.map((f) => `${f.name}: ${f.type}`).join(", ")}`,
        `Sample rows (${rows.length} of the first ${first.rows.length}${first.truncated ? "+" : ""}):`,
        ...rows.map(
          (row, i) =>
            `  ${i + 1}. ${Object.entries(row)
              .map(([key, value]) => `${key}=${cell(value)}`)
              .join(" | ")}`,
        ),
      ];
      const check = args.check
        ? checkColumns(
            args.check,
            features.map((f) => f.name),
          )
        : undefined;
      if (check) lines.push(describeCheck(check));
      return {
        content: lines.join("\n"),
        details: { dataset, config, split, configs, splits: inConfig.map((s) => s.split), features, rows, check },
      };
    }),
});
