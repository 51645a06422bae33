import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { asList, parseFrontMatter } from "./front-matter.js";

/**
 * A paper the local Hub serves, from `<dir>/papers/`:
 * - `<name>.json`: one paper object, or an array of them (no full text);
 * - `<name>.md`: front matter (id, title, authors, publishedAt, upvotes, github, projectPage,
 *   submittedOnDailyAt, indexed, …) over the paper's full text in Markdown, `##` per section.
 */
export interface Paper {
  id: string;
  title: string;
  summary?: string;
  authors?: (string | { name: string })[];
  publishedAt?: string;
  upvotes?: number;
  githubRepo?: string;
  projectPage?: string;
  /** The day it was on Daily Papers (default: its publishedAt). */
  submittedOnDailyAt?: string;
  numComments?: number;
  /** The arXiv version the mirror reports (default 1). */
  version?: number;
  categories?: string[];
  /** false: on arXiv only, not (yet) on Hugging Face Papers; the HF routes don't list it. */
  indexed?: boolean;
  /** The full text as Markdown. */
  markdown?: string;
  /** arXiv ids it cites: its front matter's `references`, and the arXiv ids its text names. */
  references?: string[];
}

/** arXiv ids a text names: arxiv.org abs/pdf/html links, hf.co/papers links and `arXiv:` mentions. */
const ARXIV_MENTION =
  /(?:arxiv\.org\/(?:abs|pdf|html)\/|huggingface\.co\/papers\/|\barxiv:\s*)(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})/gi;

export function arxivIdsIn(text: string): string[] {
  return [...new Set([...text.matchAll(ARXIV_MENTION)].map((m) => (m[1] ?? "").replace(/v\d+$/, "")))];
}

export const authorName = (a: string | { name: string }): string => (typeof a === "string" ? a : a.name);

/** `2106.09685v2` → `2106.09685`: papers are stored and looked up without their version. */
export const baseId = (id: string): string => id.replace(/v\d+$/, "");

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

/** The text under a `## Abstract` heading, when the front matter gives no summary. */
function abstractOf(markdown: string): string | undefined {
  const match = /^#{1,2}\s+Abstract\s*$([\s\S]*?)(?=^#{1,2}\s|(?![\s\S]))/im.exec(markdown);
  const abstract = match?.[1]?.trim();
  return abstract || undefined;
}

function paperFromMarkdown(name: string, source: string): Paper | undefined {
  const { data, body } = parseFrontMatter(source);
  const title = text(data.title) ?? /^#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const id = text(data.id) ?? name.replace(/\.md$/, "");
  if (!title) return undefined;
  const version = Number(data.version);
  return {
    id,
    title,
    summary: text(data.summary) ?? text(data.abstract) ?? abstractOf(body),
    authors: asList(data.authors),
    publishedAt: text(data.publishedAt) ?? text(data.published),
    upvotes: Number(data.upvotes) || 0,
    githubRepo: text(data.github) ?? text(data.githubRepo),
    projectPage: text(data.projectPage),
    submittedOnDailyAt: text(data.submittedOnDailyAt),
    numComments: Number(data.numComments) || 0,
    version: Number.isInteger(version) && version > 0 ? version : 1,
    categories: asList(data.categories),
    indexed: data.indexed !== false,
    markdown: body.trim() ? body : undefined,
    references: [...new Set([...asList(data.references).map(baseId), ...arxivIdsIn(body)])].filter(
      (ref) => ref !== baseId(id),
    ),
  };
}

/** Every stored paper; a file that doesn't parse is skipped rather than failing the listing. */
export function loadPapers(dir: string): Paper[] {
  const folder = join(dir, "papers");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .sort()
    .flatMap((name): Paper[] => {
      try {
        const source = readFileSync(join(folder, name), "utf8");
        if (name.endsWith(".md")) return [paperFromMarkdown(name, source)].filter((p): p is Paper => Boolean(p));
        if (!name.endsWith(".json")) return [];
        const data = JSON.parse(source) as Paper | Paper[];
        return (Array.isArray(data) ? data : [data]).filter(
          (p) => typeof p?.id === "string" && typeof p.title === "string",
        );
      } catch {
        return [];
      }
    })
    .map((paper) => ({
      ...paper,
      id: baseId(paper.id),
      references: (Array.isArray(paper.references) ? paper.references : [])
        .filter((ref): ref is string => typeof ref === "string")
        .map(baseId)
        .filter((ref) => ref !== baseId(paper.id)),
    }));
}

/** Whether every word of a query appears in the paper; scored higher when the title has them. */
export function matchScore(paper: Paper, words: string[]): number {
  const title = paper.title.toLowerCase();
  const all = [paper.id, title, paper.summary ?? "", ...(paper.authors ?? []).map(authorName)].join(" ").toLowerCase();
  return words.every((w) => all.includes(w)) ? words.filter((w) => title.includes(w)).length + 1 : 0;
}

export const findPaper = (papers: Paper[], id: string): Paper | undefined =>
  papers.find((paper) => paper.id === baseId(id));
