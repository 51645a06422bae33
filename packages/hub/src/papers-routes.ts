import type { ServerResponse } from "node:http";
import { collectionRoute, collectionsRoute } from "./collections.js";
import { dailyPapersRoute, paperMarkdownRoute, paperRoute, papersSearchRoute } from "./papers.js";
import { arxivHtmlRoute, arxivQueryRoute } from "./papers-arxiv.js";
import { scholarRoute } from "./papers-scholar.js";

/**
 * The papers side of the Hub, one place for the server to hand it to: `/api/papers/search`,
 * `/api/papers/{id}`, `/api/daily_papers`, `/api/collections[/{owner}/{slug}]`, `/papers/{id}.md`,
 * the arXiv stand-in `/arxiv/api/query` and `/arxiv/html/{id}`, and the Semantic Scholar stand-in
 * under `/semantic-scholar` (papers-scholar.ts). `parts` are the decoded path
 * segments; an old-style arXiv id (cs/0112017) spans two of them. Returns false for any other path.
 */
export function papersRoutes(res: ServerResponse, url: URL, dir: string, method: string, parts: string[]): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (parts[0] === "semantic-scholar") return scholarRoute(res, url, dir, parts.slice(1));
  const [first, second, ...rest] = parts;
  const tail = rest.join("/");
  let route: (() => void) | undefined;
  if (first === "api" && second === "papers" && tail === "search") route = () => papersSearchRoute(res, url, dir);
  else if (first === "api" && second === "papers" && tail) route = () => paperRoute(res, dir, tail);
  else if (first === "api" && second === "daily_papers" && !tail) route = () => dailyPapersRoute(res, url, dir);
  else if (first === "api" && second === "collections" && !tail) route = () => collectionsRoute(res, url, dir);
  else if (first === "api" && second === "collections" && rest.length === 2)
    route = () => collectionRoute(res, dir, tail);
  else if (first === "papers" && parts.length >= 2 && parts.at(-1)?.endsWith(".md")) {
    const id = parts.slice(1).join("/").replace(/\.md$/, "");
    route = () => paperMarkdownRoute(res, dir, id);
  } else if (first === "arxiv" && second === "api" && tail === "query") route = () => arxivQueryRoute(res, url, dir);
  else if (first === "arxiv" && second === "html" && tail) route = () => arxivHtmlRoute(res, dir, tail);
  route?.();
  return route !== undefined;
}
