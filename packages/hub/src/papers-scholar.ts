import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { HubError, sendJson } from "./http.js";
import { authorName, baseId, loadPapers, type Paper } from "./paper-store.js";

/**
 * Semantic Scholar's API over the papers stored here, so the citation and recommendation tools
 * work offline: under `/semantic-scholar`,
 *
 *   GET /graph/v1/paper/{id}                       a paper (`arXiv:{id}` or its paperId)
 *   GET /graph/v1/paper/{id}/citations             the stored papers that cite it
 *   GET /graph/v1/paper/{id}/references            the papers it cites
 *   GET /recommendations/v1/papers/forpaper/{id}   the stored papers most like it
 *
 * in Semantic Scholar's shapes (`data` of `citingPaper`/`citedPaper`, `offset`/`next`,
 * `recommendedPapers`). What differs: a paper cites what its front matter's `references` list and
 * the arXiv ids its text names; a cited paper not stored here has only its id (title null); and
 * recommendations rank by the words papers share (TF-IDF over title and abstract), not by
 * Semantic Scholar's model.
 */

const S2_DOCS = "https://api.semanticscholar.org/api-docs";

export const paperIdOf = (arxivId: string): string =>
  createHash("sha1")
    .update(`arxiv:${baseId(arxivId)}`)
    .digest("hex");

function s2Paper(id: string, paper: Paper | undefined, citedBy: Map<string, string[]>): Record<string, unknown> {
  return {
    paperId: paperIdOf(id),
    externalIds: { ArXiv: id },
    url: `https://www.semanticscholar.org/arxiv/${id}`,
    title: paper?.title ?? null,
    abstract: paper?.summary ?? null,
    year: paper?.publishedAt ? Number(paper.publishedAt.slice(0, 4)) : null,
    publicationDate: paper?.publishedAt?.slice(0, 10) ?? null,
    authors: (paper?.authors ?? []).map((author) => ({ authorId: null, name: authorName(author) })),
    citationCount: citedBy.get(id)?.length ?? 0,
    referenceCount: paper?.references?.length ?? 0,
  };
}

const WORD = /[a-z][a-z0-9-]{2,}/g;
const STOP = new Set([
  "the",
  "and",
  "for",
  "with",
  "that",
  "this",
  "from",
  "are",
  "our",
  "we",
  "its",
  "which",
  "into",
  "than",
  "can",
  "not",
  "but",
  "also",
]);
const words = (paper: Paper): string[] =>
  `${paper.title} ${paper.title} ${paper.summary ?? ""}`
    .toLowerCase()
    .match(WORD)
    ?.filter((w) => !STOP.has(w)) ?? [];

/** Papers ranked by the cosine of their TF-IDF vectors to `paper`'s (over title, twice, and abstract). */
export function similarPapers(paper: Paper, papers: Paper[]): { paper: Paper; score: number }[] {
  const docs = papers.map((p) => ({ paper: p, words: words(p) }));
  const df = new Map<string, number>();
  for (const doc of docs) for (const word of new Set(doc.words)) df.set(word, (df.get(word) ?? 0) + 1);
  const vector = (list: string[]) => {
    const tf = new Map<string, number>();
    for (const word of list) tf.set(word, (tf.get(word) ?? 0) + 1);
    const out = new Map<string, number>();
    // scikit-learn's smoothed idf: a word every stored paper has still counts (a little), so two
    // papers alone that share their subject are still alike.
    for (const [word, count] of tf)
      out.set(word, count * (1 + Math.log((1 + docs.length) / (1 + (df.get(word) ?? 0)))));
    return out;
  };
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((n, x) => n + x * x, 0)) || 1;
  const target = vector(words(paper));
  const targetNorm = norm(target);
  return docs
    .filter((doc) => doc.paper.id !== paper.id)
    .map((doc) => {
      const v = vector(doc.words);
      let dot = 0;
      for (const [word, weight] of target) dot += weight * (v.get(word) ?? 0);
      return { paper: doc.paper, score: dot / (targetNorm * norm(v)) };
    })
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.paper.id.localeCompare(b.paper.id));
}

const limitOf = (url: URL, fallback: number, max: number): number =>
  Math.max(1, Math.min(Number(url.searchParams.get("limit")) || fallback, max));

/** `parts`: the path after `/semantic-scholar`, decoded. False when it is none of the routes. */
export function scholarRoute(res: ServerResponse, url: URL, dir: string, parts: string[]): boolean {
  const graph = parts[0] === "graph" && parts[1] === "v1" && parts[2] === "paper";
  const recommend =
    parts[0] === "recommendations" && parts[1] === "v1" && parts[2] === "papers" && parts[3] === "forpaper";
  if (!graph && !recommend) return false;
  let rest = parts.slice(graph ? 3 : 4);
  const action = graph && (rest.at(-1) === "citations" || rest.at(-1) === "references") ? rest.at(-1) : undefined;
  if (action) rest = rest.slice(0, -1);
  const asked = rest.join("/");
  const papers = loadPapers(dir);
  const byId = new Map(papers.map((paper) => [paper.id, paper]));
  const citedBy = new Map<string, string[]>();
  // Citing papers newest first, as a reader looks for the latest follow-ups.
  const newest = [...papers].sort(
    (a, b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? "") || a.id.localeCompare(b.id),
  );
  for (const paper of newest)
    for (const ref of paper.references ?? []) citedBy.set(ref, [...(citedBy.get(ref) ?? []), paper.id]);
  const arxiv = /^arxiv:(.+)$/i.exec(asked)?.[1];
  const id = arxiv ? baseId(arxiv) : papers.find((paper) => paperIdOf(paper.id) === asked)?.id;
  const paper = id ? byId.get(id) : undefined;
  if (!id || (!paper && !citedBy.has(id))) {
    sendJson(res, 404, { error: `Paper with id ${asked} not found` });
    return true;
  }
  const limit = limitOf(url, recommend ? 100 : 100, recommend ? 500 : 1000);
  const offset = Math.max(0, Number(url.searchParams.get("offset")) || 0);
  const page = (ids: string[], key: "citingPaper" | "citedPaper") => {
    const slice = ids.slice(offset, offset + limit);
    sendJson(res, 200, {
      offset,
      ...(offset + limit < ids.length ? { next: offset + limit } : {}),
      data: slice.map((ref) => ({ [key]: s2Paper(ref, byId.get(ref), citedBy) })),
    });
  };
  if (recommend) {
    if (!paper) throw new HubError(404, `Paper with id ${asked} has no stored text to recommend from (${S2_DOCS})`);
    sendJson(res, 200, {
      recommendedPapers: similarPapers(paper, papers)
        .slice(0, limit)
        .map((hit) => s2Paper(hit.paper.id, hit.paper, citedBy)),
    });
  } else if (action === "citations") page(citedBy.get(id) ?? [], "citingPaper");
  else if (action === "references") page(paper?.references ?? [], "citedPaper");
  else sendJson(res, 200, s2Paper(id, paper, citedBy));
  return true;
}
