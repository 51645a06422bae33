import { listenLoopback, readBody, sendJson } from "./loopback-http.js";

/** A page the stand-in search engine knows. */
export interface SearchDocument {
  title: string;
  url: string;
  snippet: string;
}

export interface SearchRequestRecord {
  engine: "brave" | "tavily" | "searxng";
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The query as the engine received it; for Tavily, the whole JSON body too. */
  query: string;
  body?: unknown;
}

export interface SearchServer {
  url: string;
  requests: SearchRequestRecord[];
  /** The next request is answered with this HTTP status (and a JSON error body). */
  failNext(status: number): void;
  close(): Promise<void>;
}

const DEFAULT_DOCUMENTS: SearchDocument[] = [
  {
    title: "Tide tables explained",
    url: "https://tides.example.org/explained",
    snippet: "How the <strong>moon</strong> moves the tides &amp; why there are two a day.",
  },
  {
    title: "Moon phases",
    url: "https://astro.example.com/moon/phases",
    snippet: "New, full and the quarters of the moon.",
  },
  {
    title: "Harbour times",
    url: "https://www.harbour.example.net/times",
    snippet: "High and low water for the harbour, by the moon.",
  },
  { title: "Unrelated", url: "https://other.example.com/", snippet: "Nothing about it." },
];

/**
 * One loopback server that answers as three search APIs do, for web_search's tests: Brave's
 * `GET /res/v1/web/search` (key in `X-Subscription-Token`), Tavily's `POST /search` (key as a
 * Bearer token; `include_domains`/`exclude_domains`) and SearXNG's `GET /search?format=json` (no
 * key). A document matches when its title or snippet holds any word of the query. A wrong key is
 * a 401, as the real services answer.
 */
export async function startSearchServer(
  options: { braveKey?: string; tavilyKey?: string; documents?: SearchDocument[] } = {},
): Promise<SearchServer> {
  const documents = options.documents ?? DEFAULT_DOCUMENTS;
  const requests: SearchRequestRecord[] = [];
  let failure: number | undefined;
  const matching = (query: string, count: number) => {
    const words = query.toLowerCase().split(/\W+/).filter(Boolean);
    return documents
      .filter((doc) => words.some((word) => `${doc.title} ${doc.snippet}`.toLowerCase().includes(word)))
      .slice(0, count);
  };
  const server = await listenLoopback(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://loopback");
    const body = await readBody(req);
    const record = (engine: SearchRequestRecord["engine"], query: string, json?: unknown) =>
      requests.push({
        engine,
        method: req.method ?? "GET",
        path: url.pathname,
        headers: req.headers,
        query,
        ...(json ? { body: json } : {}),
      });
    if (failure !== undefined) {
      const status = failure;
      failure = undefined;
      return sendJson(res, status, { error: `failing on purpose with ${status}` });
    }
    if (req.method === "GET" && url.pathname === "/res/v1/web/search") {
      const query = url.searchParams.get("q") ?? "";
      record("brave", query);
      if (req.headers["x-subscription-token"] !== (options.braveKey ?? "brave-test-key")) {
        return sendJson(res, 401, {
          type: "ErrorResponse",
          error: { code: "SUBSCRIPTION_TOKEN_INVALID", status: 401 },
        });
      }
      const count = Number(url.searchParams.get("count") ?? 20);
      const results = matching(query, count).map((doc) => ({
        title: doc.title,
        url: doc.url,
        description: doc.snippet,
      }));
      return sendJson(res, 200, { type: "search", query: { original: query }, web: { type: "search", results } });
    }
    if (req.method === "POST" && url.pathname === "/search") {
      const json = JSON.parse(body.toString("utf8") || "{}") as {
        query?: string;
        max_results?: number;
        include_domains?: string[];
        exclude_domains?: string[];
      };
      record("tavily", json.query ?? "", json);
      if (req.headers.authorization !== `Bearer ${options.tavilyKey ?? "tvly-test-key"}`) {
        return sendJson(res, 401, { detail: { error: "Unauthorized: missing or invalid API key." } });
      }
      const within = (target: string, domains: string[]) =>
        domains.some(
          (domain) => new URL(target).hostname === domain || new URL(target).hostname.endsWith(`.${domain}`),
        );
      const results = matching(json.query ?? "", 100)
        .filter((doc) => !json.include_domains?.length || within(doc.url, json.include_domains))
        .filter((doc) => !json.exclude_domains?.length || !within(doc.url, json.exclude_domains))
        .slice(0, json.max_results ?? 5)
        .map((doc) => ({ title: doc.title, url: doc.url, content: doc.snippet, score: 0.9 }));
      return sendJson(res, 200, { query: json.query, results, response_time: 0.01 });
    }
    if (req.method === "GET" && url.pathname === "/search") {
      const query = url.searchParams.get("q") ?? "";
      record("searxng", query);
      if (url.searchParams.get("format") !== "json") return sendJson(res, 403, { error: "format not allowed" });
      const results = matching(query, 100).map((doc) => ({
        title: doc.title,
        url: doc.url,
        content: doc.snippet,
        engine: "stand-in",
      }));
      return sendJson(res, 200, { query, number_of_results: results.length, results });
    }
    sendJson(res, 404, { error: "not found" });
  });
  return {
    url: server.origin,
    requests,
    failNext: (status) => {
      failure = status;
    },
    close: () => server.close(),
  };
}
