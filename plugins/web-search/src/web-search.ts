import { defineTool } from "@pincer/sdk";
import { chooseEngine, filterResults, type SearchQuery } from "./search-engines.js";

const TIMEOUT_MS = 20_000;
const MAX_BODY_CHARS = 2_000_000;

interface Args {
  query: string;
  count?: number;
  allowed_domains?: string[];
  blocked_domains?: string[];
}

/**
 * Claude Code's WebSearch, through the search API the user set up: Brave (`BRAVE_API_KEY`), Tavily
 * (`TAVILY_API_KEY`) or a SearXNG instance (`SEARXNG_BASE_URL`); `PINCER_SEARCH_PROVIDER` picks one
 * when several are set, `PINCER_SEARCH_BASE_URL` points it at another address (a proxy, a
 * compatible service). The query leaves the machine, so each call is asked (`web_search` allows
 * them all). Offered only in sessions where one of those variables is set.
 */
export const webSearch = defineTool<Args>({
  name: "web_search",
  description: "Search the web: titles, URLs and snippets of the top results. Read one with web_fetch.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", minLength: 1 },
      count: { type: "integer", minimum: 1, maximum: 20 },
      allowed_domains: { type: "array", items: { type: "string" } },
      blocked_domains: { type: "array", items: { type: "string" } },
    },
    required: ["query"],
    additionalProperties: false,
  },
  async execute(args, ctx) {
    const chosen = chooseEngine(ctx.env);
    if ("problem" in chosen) return { content: chosen.problem, isError: true };
    const { engine, base, secret } = chosen;
    const query: SearchQuery = {
      query: args.query.slice(0, 400),
      count: args.count ?? 8,
      allowedDomains: (args.allowed_domains ?? []).slice(0, 20),
      blockedDomains: (args.blocked_domains ?? []).slice(0, 20),
    };
    // Filtered here for the engines that cannot filter themselves: ask for room to spare.
    const filtering = engine.id !== "tavily" && (query.allowedDomains.length > 0 || query.blockedDomains.length > 0);
    const { url, init } = engine.request(base, secret, filtering ? { ...query, count: 20 } : query);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]) });
    } catch (error) {
      return {
        content: `The ${engine.id} search API could not be reached (${safeOrigin(base)}): ${(error as Error).message}`,
        isError: true,
      };
    }
    const body = (await response.text()).slice(0, MAX_BODY_CHARS);
    if (!response.ok) return { content: refusal(engine.id, engine.variable, response.status, body), isError: true };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { content: `The ${engine.id} search API answered something that is not JSON.`, isError: true };
    }
    const results = filterResults(engine.results(parsed), query);
    if (results.length === 0)
      return { content: `No results for "${query.query}".`, details: { engine: engine.id, results: [] } };
    const lines = results.map((result, index) => {
      const snippet = result.snippet ? `\n   ${result.snippet}` : "";
      return `${index + 1}. ${result.title || "(no title)"}\n   ${result.url}${snippet}`;
    });
    return { content: lines.join("\n"), details: { engine: engine.id, results } };
  },
});

function refusal(engine: string, variable: string, status: number, body: string): string {
  if (status === 401 || status === 403)
    return `The ${engine} search API refused the key in ${variable} (HTTP ${status}).`;
  if (status === 429) return `The ${engine} search API is rate-limiting (HTTP 429); try again later.`;
  return `The ${engine} search API answered HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ""}`;
}

/** Where the API is, without any user name or password the address may carry. */
function safeOrigin(base: string): string {
  try {
    return new URL(base).origin;
  } catch {
    return "(an unreadable address)";
  }
}
