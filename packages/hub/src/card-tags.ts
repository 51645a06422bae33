import { readFileSync } from "node:fs";
import { asList, parseFrontMatter } from "./front-matter.js";
import type { Commit, RepoStore } from "./repos.js";

/** A card bigger than this is not read for tags (the Hub caps cards too). */
const CARD_LIMIT = 1024 * 1024;

/** arXiv ids a card links to, as the Hub finds them: arxiv.org abs/pdf/html links and hf.co/papers links. */
const ARXIV_LINK =
  /(?:arxiv\.org\/(?:abs|pdf|html)\/|huggingface\.co\/papers\/|\barxiv:\s*)(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})/gi;

/**
 * The tags the Hub derives from a repo's README.md: its metadata's `tags`, `license:…`,
 * `dataset:…`, `base_model:…`, `library_name` and `pipeline_tag`, plus `arxiv:{id}` for every paper
 * the card cites. This is what makes `?filter=arxiv:2106.09685` list the repos citing a paper.
 */
export function cardTags(store: RepoStore, commit: Commit): string[] {
  const entry = commit.files["README.md"];
  if (!entry || entry.size > CARD_LIMIT) return [];
  let text: string;
  try {
    text = readFileSync(store.blobPath(entry.sha256), "utf8");
  } catch {
    return [];
  }
  const { data, body } = parseFrontMatter(text);
  const tags = [
    ...asList(data.library_name),
    ...asList(data.pipeline_tag),
    ...asList(data.tags),
    ...asList(data.datasets).map((d) => `dataset:${d}`),
    ...asList(data.base_model).map((m) => `base_model:${m}`),
    ...asList(data.license).map((l) => `license:${l}`),
    ...[...body.matchAll(ARXIV_LINK)].map((m) => `arxiv:${(m[1] ?? "").replace(/v\d+$/, "")}`),
  ];
  return [...new Set(tags.filter(Boolean))];
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
