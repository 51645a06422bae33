import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { sendJson } from "./http.js";

/** A paper as `dir/papers/*.json` stores it (one object, or an array of them). */
export interface Paper {
  id: string;
  title: string;
  summary?: string;
  authors?: (string | { name: string })[];
  publishedAt?: string;
  upvotes?: number;
}

function loadPapers(dir: string): Paper[] {
  const folder = join(dir, "papers");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .flatMap((name) => {
      try {
        const data = JSON.parse(readFileSync(join(folder, name), "utf8")) as Paper | Paper[];
        return (Array.isArray(data) ? data : [data]).filter(
          (p) => typeof p?.id === "string" && typeof p.title === "string",
        );
      } catch {
        return [];
      }
    });
}

const authorName = (a: string | { name: string }): string => (typeof a === "string" ? a : a.name);

/** `GET /api/papers/search?q=&limit=`: every query word must appear in the title, summary, authors or id. */
export function papersSearchRoute(res: ServerResponse, url: URL, dir: string): void {
  const words = (url.searchParams.get("q") ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const limit = Math.max(1, Math.min(Number(url.searchParams.get("limit")) || 50, 120));
  const scored = loadPapers(dir)
    .map((paper) => {
      const title = paper.title.toLowerCase();
      const text = [paper.id, title, paper.summary ?? "", ...(paper.authors ?? []).map(authorName)]
        .join(" ")
        .toLowerCase();
      const score = words.every((w) => text.includes(w)) ? words.filter((w) => title.includes(w)).length + 1 : 0;
      return { paper, score };
    })
    .filter(({ score }) => score > 0)
    .sort((a, b) => b.score - a.score || (b.paper.publishedAt ?? "").localeCompare(a.paper.publishedAt ?? ""))
    .slice(0, limit);
  sendJson(
    res,
    200,
    scored.map(({ paper }) => {
      const shaped = {
        id: paper.id,
        title: paper.title,
        summary: paper.summary ?? "",
        authors: (paper.authors ?? []).map((a) => ({ name: authorName(a) })),
        publishedAt: paper.publishedAt ?? null,
        upvotes: paper.upvotes ?? 0,
      };
      return {
        paper: shaped,
        title: shaped.title,
        summary: shaped.summary,
        publishedAt: shaped.publishedAt,
        numComments: 0,
      };
    }),
  );
}
