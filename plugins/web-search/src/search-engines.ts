import type { EnvCapability } from "@pincer/sdk";

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchQuery {
  query: string;
  count: number;
  allowedDomains: string[];
  blockedDomains: string[];
}

/** One search API: where it is, what it needs, how a query goes out and results come back. */
interface Engine {
  id: "brave" | "tavily" | "searxng";
  /** The variable that holds its key (or, for SearXNG, its address). */
  variable: string;
  defaultBase?: string;
  request(base: string, secret: string, query: SearchQuery): { url: string; init: RequestInit };
  results(body: unknown): SearchResult[];
}

const ENGINES: readonly Engine[] = [
  {
    // Brave Search API: https://api.search.brave.com/app/documentation/web-search
    id: "brave",
    variable: "BRAVE_API_KEY",
    defaultBase: "https://api.search.brave.com",
    request: (base, key, query) => ({
      url: `${base}/res/v1/web/search?${new URLSearchParams({ q: query.query, count: String(query.count) })}`,
      init: { headers: { accept: "application/json", "x-subscription-token": key } },
    }),
    results: (body) =>
      list((body as { web?: { results?: unknown } }).web?.results).map((item) => ({
        title: text(item.title),
        url: text(item.url),
        snippet: text(item.description),
      })),
  },
  {
    // Tavily: https://docs.tavily.com/documentation/api-reference/endpoint/search
    id: "tavily",
    variable: "TAVILY_API_KEY",
    defaultBase: "https://api.tavily.com",
    request: (base, key, query) => ({
      url: `${base}/search`,
      init: {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: query.query,
          max_results: query.count,
          ...(query.allowedDomains.length ? { include_domains: query.allowedDomains } : {}),
          ...(query.blockedDomains.length ? { exclude_domains: query.blockedDomains } : {}),
        }),
      },
    }),
    results: (body) =>
      list((body as { results?: unknown }).results).map((item) => ({
        title: text(item.title),
        url: text(item.url),
        snippet: text(item.content),
      })),
  },
  {
    // SearXNG's JSON API (its instance must list `json` under search.formats).
    id: "searxng",
    variable: "SEARXNG_BASE_URL",
    request: (base, _address, query) => ({
      url: `${base}/search?${new URLSearchParams({ q: query.query, format: "json" })}`,
      init: { headers: { accept: "application/json" } },
    }),
    results: (body) =>
      list((body as { results?: unknown }).results).map((item) => ({
        title: text(item.title),
        url: text(item.url),
        snippet: text(item.content),
      })),
  },
];

export const ENGINE_IDS = ENGINES.map((engine) => engine.id);

/** The engine the settings pick, with its base URL and secret; or why there is none. */
export function chooseEngine(
  env: EnvCapability,
): { engine: Engine; base: string; secret: string } | { problem: string } {
  const named = env.get("PINCER_SEARCH_PROVIDER")?.trim().toLowerCase();
  const engine = named
    ? ENGINES.find((candidate) => candidate.id === named)
    : ENGINES.find((candidate) => env.get(candidate.variable));
  if (!engine) {
    return {
      problem: named
        ? `PINCER_SEARCH_PROVIDER is "${named}", which is not one of ${ENGINE_IDS.join(", ")}.`
        : "No search API is set up: set BRAVE_API_KEY, TAVILY_API_KEY or SEARXNG_BASE_URL (and PINCER_SEARCH_PROVIDER to pick one when several are set).",
    };
  }
  const secret = env.get(engine.variable) ?? "";
  const base = (
    env.get("PINCER_SEARCH_BASE_URL") ||
    (engine.id === "searxng" ? secret : engine.defaultBase) ||
    ""
  ).replace(/\/+$/, "");
  if (!secret) return { problem: `The ${engine.id} search API needs ${engine.variable}, which is not set.` };
  if (!/^https?:\/\//.test(base))
    return { problem: `The ${engine.id} search API's address "${base}" is not an http(s) URL.` };
  return { engine, base, secret };
}

/** Keeps what the domain lists allow (a domain covers its subdomains), as many as were asked for. */
export function filterResults(results: SearchResult[], query: SearchQuery): SearchResult[] {
  const hostOf = (url: string) => {
    try {
      return new URL(url).hostname.toLowerCase();
    } catch {
      return "";
    }
  };
  const under = (host: string, domain: string) => {
    const bare = domain.toLowerCase().replace(/^\*?\./, "");
    return host === bare || host.endsWith(`.${bare}`);
  };
  return results
    .filter((result) => /^https?:\/\//.test(result.url))
    .filter((result) => {
      const host = hostOf(result.url);
      if (query.blockedDomains.some((domain) => under(host, domain))) return false;
      return query.allowedDomains.length === 0 || query.allowedDomains.some((domain) => under(host, domain));
    })
    .slice(0, query.count);
}

function list(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item) => typeof item === "object" && item !== null) : [];
}

/** A field as one line of plain text: engines mark matches with <strong> and escape entities. */
function text(value: unknown): string {
  if (typeof value !== "string") return "";
  return value
    .replace(/<[^>]{0,200}>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, name: string) => ENTITIES[name] ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 1000);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'", nbsp: " " };
