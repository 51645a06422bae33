import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { notFound, sendJson } from "./http.js";
import { authorName, findPaper, loadPapers, matchScore, type Paper } from "./paper-store.js";

export type { Paper } from "./paper-store.js";

/** Papers Hugging Face Papers lists: those not marked `indexed: false` (on arXiv only). */
const indexedPapers = (dir: string): Paper[] => loadPapers(dir).filter((paper) => paper.indexed !== false);

const objectId = (seed: string): string => createHash("sha1").update(seed).digest("hex").slice(0, 24);

const dayOf = (paper: Paper): string => (paper.submittedOnDailyAt ?? paper.publishedAt ?? "").slice(0, 10);

/** A paper as `/api/papers/{id}` returns it (and as the `paper` of search and daily hits). */
function paperJson(paper: Paper): Record<string, unknown> {
  return {
    id: paper.id,
    authors: (paper.authors ?? []).map((a) => ({
      _id: objectId(`author:${authorName(a)}`),
      name: authorName(a),
      hidden: false,
    })),
    mediaUrls: [],
    publishedAt: paper.publishedAt ?? null,
    submittedOnDailyAt: paper.submittedOnDailyAt ?? paper.publishedAt ?? null,
    title: paper.title,
    summary: paper.summary ?? "",
    upvotes: paper.upvotes ?? 0,
    discussionId: objectId(`discussion:${paper.id}`),
    ...(paper.githubRepo ? { githubRepo: paper.githubRepo } : {}),
    ...(paper.projectPage ? { projectPage: paper.projectPage } : {}),
  };
}

/** A hit of search and daily_papers: the paper, and the page's own copy of its headline fields. */
const listingJson = (paper: Paper): Record<string, unknown> => ({
  paper: paperJson(paper),
  publishedAt: paper.submittedOnDailyAt ?? paper.publishedAt ?? null,
  title: paper.title,
  summary: paper.summary ?? "",
  thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${paper.id}.png`,
  numComments: paper.numComments ?? 0,
  isAuthorParticipating: false,
});

const limitOf = (url: URL, fallback: number, max: number): number =>
  Math.max(1, Math.min(Number(url.searchParams.get("limit")) || fallback, max));

/** `GET /api/papers/search?q=&limit=`: every query word must appear in the title, summary, authors or id. */
export function papersSearchRoute(res: ServerResponse, url: URL, dir: string): void {
  const words = (url.searchParams.get("q") ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const scored = indexedPapers(dir)
    .map((paper) => ({ paper, score: matchScore(paper, words) }))
    .filter(({ score }) => score > 0)
    .sort((a, b) => b.score - a.score || (b.paper.publishedAt ?? "").localeCompare(a.paper.publishedAt ?? ""))
    .slice(0, limitOf(url, 50, 120));
  sendJson(
    res,
    200,
    scored.map(({ paper }) => listingJson(paper)),
  );
}

/** `GET /api/papers/{id}`. */
export function paperRoute(res: ServerResponse, dir: string, id: string): void {
  const paper = findPaper(indexedPapers(dir), id);
  if (!paper) throw notFound("PaperNotFound", `Paper not found: ${id}`);
  sendJson(res, 200, paperJson(paper));
}

/**
 * `GET /api/daily_papers?date=YYYY-MM-DD&limit=&p=&sort=trending`: the papers of one day (default:
 * the latest day with any), most upvoted first with sort=trending, else newest first.
 */
export function dailyPapersRoute(res: ServerResponse, url: URL, dir: string): void {
  const papers = indexedPapers(dir).filter((paper) => dayOf(paper));
  const date = url.searchParams.get("date") ?? papers.map(dayOf).sort().at(-1);
  const limit = limitOf(url, 50, 100);
  const page = Math.max(0, Number(url.searchParams.get("p")) || 0);
  const trending = url.searchParams.get("sort") === "trending";
  const ofDay = papers
    .filter((paper) => dayOf(paper) === date)
    .sort((a, b) =>
      trending
        ? (b.upvotes ?? 0) - (a.upvotes ?? 0) || a.id.localeCompare(b.id)
        : (b.publishedAt ?? "").localeCompare(a.publishedAt ?? "") || a.id.localeCompare(b.id),
    );
  sendJson(res, 200, ofDay.slice(page * limit, (page + 1) * limit).map(listingJson));
}

/**
 * `GET /papers/{id}.md`: the paper page as Markdown, as the Hub serves it: the stored full text, or
 * (with none) the title, authors and abstract.
 */
export function paperMarkdownRoute(res: ServerResponse, dir: string, id: string): void {
  const paper = findPaper(indexedPapers(dir), id);
  if (!paper) throw notFound("PaperNotFound", `Paper not found: ${id}`);
  const authors = (paper.authors ?? []).map(authorName).join(", ");
  const head = [`# ${paper.title}`, "", ...(authors ? [`Authors: ${authors}`, ""] : [])];
  const body = paper.markdown?.trim() ?? "";
  const hasTitle = /^#\s/.test(body);
  const hasAbstract = /^#{1,2}\s+Abstract\s*$/im.test(body);
  const text = [
    ...(hasTitle ? [] : head),
    ...(hasAbstract || !paper.summary ? [] : ["## Abstract", "", paper.summary, ""]),
    body,
  ]
    .join("\n")
    .trim();
  const bytes = Buffer.from(`${text}\n`);
  res.writeHead(200, { "Content-Type": "text/markdown; charset=utf-8", "Content-Length": bytes.length });
  res.end(bytes);
}
