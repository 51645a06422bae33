import { matchesGlob } from "node:path";
import { listOf, readCard } from "../card-data.js";
import type { Commit, RepoStore } from "../repos.js";

/**
 * Which files of a dataset repo make which config and split, as the `datasets` library and the
 * dataset viewer decide it: the card's `configs:` (`config_name`, `data_files` with `split` and
 * `path` globs) when it has them, else the conventions: a split named by the file or a folder on
 * its path (`train`, `test`/`eval`, `validation`/`valid`/`val`/`dev`), anything else `train`; the
 * tabular formats first, and only when there are none, image files as an image folder (the
 * folder holding an image, when it is not a split, is its label).
 */

export type DataFormat = "csv" | "tsv" | "jsonl" | "json" | "parquet" | "image";

export interface DataFile {
  path: string;
  format: DataFormat;
  size: number;
  sha256: string;
}

export interface SplitFiles {
  config: string;
  split: string;
  files: DataFile[];
}

export const DEFAULT_CONFIG = "default";
const SPLIT_ORDER = ["train", "validation", "test"];

const FORMAT_OF: [RegExp, DataFormat][] = [
  [/\.parquet$/i, "parquet"],
  [/\.csv$/i, "csv"],
  [/\.tsv$/i, "tsv"],
  [/\.(jsonl|ndjson)$/i, "jsonl"],
  [/\.json$/i, "json"],
  [/\.(png|jpe?g|gif|webp|bmp)$/i, "image"],
];

/** A path the viewer never reads as data: hidden files and folders, and the card. */
const ignored = (path: string): boolean =>
  path.split("/").some((part) => part.startsWith(".") || part.startsWith("_")) || path === "README.md";

export function formatOf(path: string): DataFormat | undefined {
  return FORMAT_OF.find(([pattern]) => pattern.test(path))?.[1];
}

const SPLIT_WORDS: [RegExp, string][] = [
  [/^(test|testing|eval|evaluation)$/, "test"],
  [/^(validation|valid|val|dev)$/, "validation"],
  [/^(train|training)$/, "train"],
];

/** The split a word names (`dev` → validation), if any. */
function splitWord(word: string): string | undefined {
  return SPLIT_WORDS.find(([pattern]) => pattern.test(word.toLowerCase()))?.[1];
}

/** train / validation / test from a data file's name, then its folders (nearest first); anything else is train. */
export function splitOf(path: string): string {
  const parts = path.split("/");
  const name = (parts.pop() ?? "").replace(/\.[^.]*$/, "");
  for (const word of name.split(/[-_.]/)) {
    const split = splitWord(word);
    if (split) return split;
  }
  for (const folder of parts.reverse()) {
    const split = splitWord(folder);
    if (split) return split;
  }
  return "train";
}

const dataFile = (commit: Commit, path: string, format: DataFormat): DataFile => {
  const entry = commit.files[path];
  return { path, format, size: entry?.size ?? 0, sha256: entry?.sha256 ?? "" };
};

/** The card's `configs:` as split → path globs per config; undefined when the card has none. */
function cardConfigs(store: RepoStore, commit: Commit): { config: string; splits: [string, string[]][] }[] | undefined {
  const configs = readCard(store, commit).data.configs;
  if (!Array.isArray(configs) || configs.length === 0) return undefined;
  const out: { config: string; splits: [string, string[]][] }[] = [];
  for (const raw of configs) {
    if (!raw || typeof raw !== "object") continue;
    const { config_name, data_files } = raw as { config_name?: unknown; data_files?: unknown };
    const config = typeof config_name === "string" && config_name ? config_name : DEFAULT_CONFIG;
    const splits: [string, string[]][] = [];
    if (
      typeof data_files === "string" ||
      (Array.isArray(data_files) && data_files.every((f) => typeof f === "string"))
    ) {
      splits.push(["train", listOf(data_files)]);
    } else if (Array.isArray(data_files)) {
      for (const item of data_files) {
        if (!item || typeof item !== "object") continue;
        const { split, path } = item as { split?: unknown; path?: unknown };
        splits.push([typeof split === "string" && split ? split : "train", listOf(path)]);
      }
    }
    out.push({ config, splits });
  }
  return out;
}

/** Every config and split of a dataset at `commit`, with their files, in the viewer's order. */
export function splitsOf(store: RepoStore, commit: Commit): SplitFiles[] {
  const paths = Object.keys(commit.files)
    .filter((path) => !ignored(path) && formatOf(path))
    .sort();
  const fromCard = cardConfigs(store, commit);
  if (fromCard) {
    return fromCard.flatMap(({ config, splits }) =>
      splits
        .map(([split, globs]) => ({
          config,
          split,
          files: paths
            .filter((path) => globs.some((glob) => path === glob || matchesGlob(path, glob)))
            .map((path) => dataFile(commit, path, formatOf(path) as DataFormat)),
        }))
        .filter((split) => split.files.length > 0),
    );
  }
  const tabular = paths.filter((path) => formatOf(path) !== "image");
  const chosen = tabular.length ? tabular : paths;
  const bySplit = new Map<string, DataFile[]>();
  for (const path of chosen) {
    const split = splitOf(path);
    bySplit.set(split, [...(bySplit.get(split) ?? []), dataFile(commit, path, formatOf(path) as DataFormat)]);
  }
  const rank = (split: string) => (SPLIT_ORDER.includes(split) ? SPLIT_ORDER.indexOf(split) : SPLIT_ORDER.length);
  return [...bySplit.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([split, files]) => ({ config: DEFAULT_CONFIG, split, files }));
}

/** An image's label in an image folder: the folder holding it, unless that folder names a split or is the root. */
export function imageLabel(path: string): string | undefined {
  const folders = path.split("/").slice(0, -1);
  const holder = folders.at(-1);
  return holder && !splitWord(holder) ? holder : undefined;
}
