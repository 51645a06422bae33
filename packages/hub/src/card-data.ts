import { closeSync, openSync, readSync } from "node:fs";
import YAML from "yaml";
import type { Commit, RepoStore, RepoType } from "./repos.js";

/** A card bigger than this is not read for metadata (the Hub caps cards too). */
const CARD_LIMIT = 1024 * 1024;
/** Parsed cards by blob sha256: content-addressed, so an entry is never stale. */
const CACHE_SIZE = 256;
const cache = new Map<string, Card>();

export interface Card {
  /** The YAML front matter as the Hub returns it in `cardData` (`{}` when there is none or it is not a mapping). */
  data: Record<string, unknown>;
  body: string;
}

const EMPTY: Card = { data: {}, body: "" };

/** A card split into its YAML metadata and its Markdown body; YAML that does not parse is no metadata. */
export function splitCard(text: string): Card {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { data: {}, body: text };
  let data: unknown;
  try {
    // Aliases capped: a "billion laughs" card must not blow up the Hub.
    data = YAML.parse(match[1] ?? "", { maxAliasCount: 50 });
  } catch {
    data = undefined;
  }
  return {
    data: data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
    body: text.slice(match[0].length),
  };
}

/** The README.md of a commit, parsed once per content. */
export function readCard(store: RepoStore, commit: Commit): Card {
  const entry = commit.files["README.md"];
  if (!entry || entry.size > CARD_LIMIT) return EMPTY;
  const cached = cache.get(entry.sha256);
  if (cached) return cached;
  let card: Card;
  try {
    const fd = openSync(store.blobPath(entry.sha256), "r");
    try {
      const buffer = Buffer.alloc(entry.size);
      const read = readSync(fd, buffer, 0, entry.size, 0);
      card = splitCard(buffer.subarray(0, read).toString("utf8"));
    } finally {
      closeSync(fd);
    }
  } catch {
    return EMPTY;
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(entry.sha256, card);
  return card;
}

/** A metadata value as a list of non-empty strings (a scalar is a one-item list; objects are skipped). */
export function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items
    .filter((item) => typeof item === "string" || typeof item === "number" || typeof item === "boolean")
    .map((item) => String(item).trim())
    .filter(Boolean);
}

const firstString = (value: unknown): string | undefined => listOf(value)[0];

/** arXiv ids a card links to, as the Hub finds them: arxiv.org abs/pdf/html links and hf.co/papers links. */
const ARXIV_LINK =
  /(?:arxiv\.org\/(?:abs|pdf|html)\/|huggingface\.co\/papers\/|\barxiv:\s*)(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})/gi;

/** Data file formats a dataset repo holds, as the Hub's `format:` tags name them. */
const FORMATS: [RegExp, string][] = [
  [/\.parquet$/i, "parquet"],
  [/\.csv$/i, "csv"],
  [/\.tsv$/i, "csv"],
  [/\.(jsonl|ndjson|json)$/i, "json"],
  [/\.(png|jpe?g|webp|gif|bmp)$/i, "imagefolder"],
  [/\.txt$/i, "text"],
];

/**
 * The library a model uses: the card's `library_name`, else what its files show (a transformers
 * `config.json` with `model_type` or `architectures`, scikit-learn's joblib/skops files). Nothing
 * when neither says: the Hub shows no library rather than a wrong one.
 */
export function libraryOf(store: RepoStore, commit: Commit, card: Card): string | undefined {
  const named = firstString(card.data.library_name);
  if (named) return named;
  const paths = Object.keys(commit.files);
  if (paths.some((path) => /\.skops$/.test(path) || /(^|\/)(model|sklearn[\w-]*)\.(joblib|pkl)$/.test(path)))
    return "sklearn";
  if (commit.files["adapter_config.json"]) return "peft";
  const config = commit.files["config.json"];
  if (config && config.size <= CARD_LIMIT) {
    try {
      const fd = openSync(store.blobPath(config.sha256), "r");
      const buffer = Buffer.alloc(config.size);
      try {
        readSync(fd, buffer, 0, config.size, 0);
      } finally {
        closeSync(fd);
      }
      const parsed = JSON.parse(buffer.toString("utf8")) as { model_type?: unknown; architectures?: unknown };
      if (typeof parsed.model_type === "string" || Array.isArray(parsed.architectures)) return "transformers";
    } catch {
      // Not JSON: no library to infer.
    }
  }
  return undefined;
}

/**
 * The tags the Hub derives for a repo: its card's `tags`, `license:…`, and for a model `dataset:…`,
 * `base_model:…`, its library and `pipeline_tag`; for a dataset its `task_categories:…`,
 * `task_ids:…`, `language:…`, `size_categories:…` and `format:…` of its data files; plus
 * `arxiv:{id}` for every paper the card cites (what makes `?filter=arxiv:2106.09685` list the
 * repos citing a paper).
 */
export function repoTags(store: RepoStore, type: RepoType, commit: Commit): string[] {
  const card = readCard(store, commit);
  const data = card.data;
  const tags: string[] = [];
  if (type === "model") {
    const library = libraryOf(store, commit, card);
    if (library) tags.push(library);
    tags.push(...listOf(data.pipeline_tag));
  }
  tags.push(...listOf(data.tags));
  if (type === "dataset") {
    for (const key of ["task_categories", "task_ids", "language", "size_categories", "modality"]) {
      tags.push(...listOf(data[key]).map((value) => `${key}:${value}`));
    }
    const formats = new Set<string>();
    for (const path of Object.keys(commit.files)) {
      const format = FORMATS.find(([pattern]) => pattern.test(path))?.[1];
      if (format && !path.startsWith(".")) formats.add(format);
    }
    tags.push(...[...formats].sort().map((format) => `format:${format}`));
  } else {
    tags.push(...listOf(data.datasets).map((d) => `dataset:${d}`));
    tags.push(...listOf(data.base_model).map((m) => `base_model:${m}`));
  }
  tags.push(...listOf(data.license).map((l) => `license:${l}`));
  tags.push(...[...card.body.matchAll(ARXIV_LINK)].map((m) => `arxiv:${(m[1] ?? "").replace(/v\d+$/, "")}`));
  return [...new Set(tags)];
}

/** `filter=a,b&filter=c`: a repo must carry every tag named (case-insensitive, as the Hub matches). */
export function tagFilter(url: URL): (tags: string[]) => boolean {
  const wanted = url.searchParams
    .getAll("filter")
    .flatMap((value) => value.split(","))
    .map((tag) => tag.trim().toLowerCase())
    .filter(Boolean);
  return (tags) => {
    const have = new Set(tags.map((tag) => tag.toLowerCase()));
    return wanted.every((tag) => have.has(tag));
  };
}

/** The card's pipeline tag (a model's task), when it names one. */
export const pipelineTagOf = (card: Card): string | undefined => firstString(card.data.pipeline_tag);
