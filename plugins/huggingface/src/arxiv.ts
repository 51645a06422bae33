import { type Hub, HubHttpError, httpError } from "./hub.js";
import { decodeEntities } from "./paper-text.js";

/** arXiv's Atom API and its HTML papers, for the public Hub. */
export const ARXIV_API = "https://export.arxiv.org/api/query";
export const ARXIV_HTML = "https://arxiv.org/html";

/** A paper as arXiv's Atom API describes it. */
export interface ArxivEntry {
  /** Without its version. */
  id: string;
  version?: string;
  title: string;
  summary: string;
  authors: string[];
  published?: string;
  updated?: string;
  categories: string[];
  pdf?: string;
  comment?: string;
}

/**
 * Where arXiv is: export.arxiv.org and arxiv.org with the public Hub; with any other HF_ENDPOINT
 * (a local Hub), the same endpoint under `/arxiv/…`, so everything works offline.
 */
export const arxivBase = (hub: Hub): { api: string; html: string } =>
  hub.isPublic
    ? { api: ARXIV_API, html: ARXIV_HTML }
    : { api: `${hub.endpoint}/arxiv/api/query`, html: `${hub.endpoint}/arxiv/html` };

/**
 * GET from arXiv. The public arXiv never sees HF_TOKEN (a secret for huggingface.co alone); a local
 * Hub standing in for arXiv gets it, as it asks for it on every route.
 */
export async function arxivGet(hub: Hub, url: string, what: string, signal: AbortSignal): Promise<Response> {
  if (!hub.isPublic) return hub.request(url, { what });
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new HubHttpError(
      0,
      `Could not reach ${new URL(url).origin}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!res.ok) throw await httpError(res, what, false);
  return res;
}

const tag = (xml: string, name: string): string | undefined => {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match
    ? decodeEntities(match[1] ?? "")
        .replace(/\s+/g, " ")
        .trim()
    : undefined;
};

const attribute = (element: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1];

/** `http://arxiv.org/abs/2106.09685v2` → id 2106.09685, version v2 (old style: cs/0112017v1). */
function idOf(url: string): { id: string; version?: string } {
  const raw = url.replace(/^https?:\/\/[^/]+\/abs\//, "");
  const match = /^(.*?)(v\d+)?$/.exec(raw);
  return { id: match?.[1] ?? raw, ...(match?.[2] ? { version: match[2] } : {}) };
}

/**
 * Reads arXiv's Atom feed with string matching: the sandbox has no DOMParser, and the feed's shape
 * is fixed and flat. An error feed (one entry whose id is under /api/errors) is a 400 with arXiv's words.
 */
export function parseArxivFeed(xml: string): { total: number; entries: ArxivEntry[] } {
  const entries: ArxivEntry[] = [];
  for (const match of xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)) {
    const body = match[1] ?? "";
    const url = tag(body, "id") ?? "";
    if (url.includes("/api/errors")) {
      throw new HubHttpError(
        400,
        `arXiv refused the query: ${tag(body, "summary") ?? "no reason given"}. Rewrite the query.`,
      );
    }
    const pdfLink = [...body.matchAll(/<link\s[^>]*>/g)]
      .map((m) => m[0])
      .find((link) => attribute(link, "title") === "pdf");
    const comment = tag(body, "arxiv:comment");
    entries.push({
      ...idOf(url),
      title: tag(body, "title") ?? "",
      summary: tag(body, "summary") ?? "",
      authors: [...body.matchAll(/<author>\s*<name>([\s\S]*?)<\/name>/g)].map((m) => decodeEntities(m[1] ?? "").trim()),
      published: tag(body, "published"),
      updated: tag(body, "updated"),
      categories: [...body.matchAll(/<category\s[^>]*>/g)].map((m) => attribute(m[0], "term") ?? "").filter(Boolean),
      ...(pdfLink ? { pdf: attribute(pdfLink, "href") } : {}),
      ...(comment ? { comment } : {}),
    });
  }
  const total = Number(tag(xml, "opensearch:totalResults"));
  return { total: Number.isFinite(total) ? total : entries.length, entries };
}

/** Query words as arXiv's syntax: every word in any field (`all:lora AND all:adapters`). */
export function arxivQuery(words: string): string {
  return words
    .split(/\s+/)
    .map((word) => word.replace(/[^\p{L}\p{N}.-]/gu, ""))
    .filter(Boolean)
    .map((word) => `all:${word}`)
    .join(" AND ");
}

/** Searches arXiv (or its stand-in), most relevant first. */
export async function searchArxiv(hub: Hub, query: string, limit: number, signal: AbortSignal): Promise<ArxivEntry[]> {
  const searchQuery = arxivQuery(query);
  if (!searchQuery) return [];
  const params = new URLSearchParams({
    search_query: searchQuery,
    start: "0",
    max_results: String(limit),
    sortBy: "relevance",
  });
  const res = await arxivGet(hub, `${arxivBase(hub).api}?${params}`, "The arXiv search", signal);
  return parseArxivFeed(await res.text()).entries;
}

/** One paper from arXiv by id, or undefined when arXiv has none. */
export async function arxivEntry(hub: Hub, id: string, signal: AbortSignal): Promise<ArxivEntry | undefined> {
  const params = new URLSearchParams({ id_list: id, max_results: "1" });
  const res = await arxivGet(hub, `${arxivBase(hub).api}?${params}`, `The arXiv paper ${id}`, signal);
  return parseArxivFeed(await res.text()).entries.find((entry) => entry.id === id);
}
