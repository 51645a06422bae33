import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { clip, guarded, type Hub, HubHttpError, hubOf } from "./hub.js";
import { parsePaperId } from "./paper-id.js";
import { paperParam } from "./papers.js";

/**
 * Citations and recommendations from Semantic Scholar's API (api.semanticscholar.org; its key, when
 * SEMANTIC_SCHOLAR_API_KEY is set, goes there only); with any other HF_ENDPOINT (a local Hub) the
 * same API under `<endpoint>/semantic-scholar`, answered from the Hub's own papers.
 */
export const SEMANTIC_SCHOLAR = "https://api.semanticscholar.org";

interface S2Paper {
  paperId?: string;
  externalIds?: { ArXiv?: string; DOI?: string } | null;
  title?: string | null;
  year?: number | null;
  citationCount?: number | null;
  authors?: { name?: string }[];
}

async function s2Json<T>(hub: Hub, ctx: PluginToolContext, path: string, what: string): Promise<T> {
  if (!hub.isPublic) return hub.json<T>(`${hub.endpoint}/semantic-scholar${path}`, { what });
  const key = ctx.env.get("SEMANTIC_SCHOLAR_API_KEY");
  let res: Response;
  try {
    res = await fetch(`${SEMANTIC_SCHOLAR}${path}`, { headers: key ? { "x-api-key": key } : {}, signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw new HubHttpError(
      0,
      `Could not reach ${SEMANTIC_SCHOLAR}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (res.ok) return (await res.json()) as T;
  const said = await res.text().catch(() => "");
  const detail = said ? ` (Semantic Scholar said: ${clip(said.trim(), 200)})` : "";
  if (res.status === 404)
    throw new HubHttpError(404, `HTTP 404: ${what} is not in Semantic Scholar: check the id.${detail}`);
  if (res.status === 429) {
    const hint = key
      ? ""
      : " Set SEMANTIC_SCHOLAR_API_KEY (free from semanticscholar.org/product/api) for a rate of your own.";
    throw new HubHttpError(
      429,
      `HTTP 429: Semantic Scholar is rate limiting: wait a minute and try again.${hint}${detail}`,
    );
  }
  throw new HubHttpError(res.status, `HTTP ${res.status} from Semantic Scholar for ${what}.${detail}`);
}

function line(paper: S2Paper): string {
  const id = paper.externalIds?.ArXiv
    ? `${paper.externalIds.ArXiv}: `
    : paper.externalIds?.DOI
      ? `doi:${paper.externalIds.DOI}: `
      : "";
  const facts = [
    paper.year ? String(paper.year) : undefined,
    typeof paper.citationCount === "number"
      ? `${paper.citationCount} citation${paper.citationCount === 1 ? "" : "s"}`
      : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  const title = paper.title ? clip(paper.title, 200) : "(title unknown: not in this source's papers)";
  return `${id}${title}${facts ? ` (${facts})` : ""}`;
}

const FIELDS = "title,year,externalIds,citationCount";

export const hfPapersCitations = defineTool<{
  paper: string;
  direction?: "citing" | "cited";
  limit?: number;
  offset?: number;
}>({
  name: "hf_papers_citations",
  description:
    "The citation graph of an arXiv paper (Semantic Scholar): the papers citing it (direction citing, the default: follow-up work, reproductions, better baselines) or the papers it cites (cited). Returns arXiv ids, titles, years and citation counts.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      paper: paperParam,
      direction: { type: "string", enum: ["citing", "cited"], description: "citing (default) or cited." },
      limit: { type: "integer", minimum: 1, maximum: 100, description: "How many (default 20)." },
      offset: { type: "integer", minimum: 0, description: "Skip this many (to read on)." },
    },
    required: ["paper"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const { id } = parsePaperId(args.paper);
      const citing = (args.direction ?? "citing") === "citing";
      const limit = Math.min(Math.max(args.limit ?? 20, 1), 100);
      const offset = Math.max(args.offset ?? 0, 0);
      const params = new URLSearchParams({ fields: FIELDS, limit: String(limit), offset: String(offset) });
      const answer = await s2Json<{ data?: { citingPaper?: S2Paper; citedPaper?: S2Paper }[]; next?: number }>(
        hub,
        ctx,
        `/graph/v1/paper/arXiv:${id}/${citing ? "citations" : "references"}?${params}`,
        `The paper ${id}`,
      );
      const papers = (answer.data ?? [])
        .map((item) => (citing ? item.citingPaper : item.citedPaper))
        .filter((p): p is S2Paper => Boolean(p));
      if (papers.length === 0) {
        return {
          content: citing ? `No papers citing ${id} were found.` : `No references of ${id} were found.`,
          details: { papers: [] },
        };
      }
      const more = answer.next !== undefined ? `\n[more: call again with offset ${answer.next}]` : "";
      return {
        content: `${citing ? `Papers citing ${id}` : `Papers ${id} cites`} (${offset + 1}–${offset + papers.length}):\n${papers.map((p) => `  ${line(p)}`).join("\n")}${more}`,
        details: {
          papers: papers.map((p) => ({
            arxiv: p.externalIds?.ArXiv ?? null,
            title: p.title ?? null,
            year: p.year ?? null,
          })),
        },
      };
    }),
});

export const hfPapersSimilar = defineTool<{ paper: string; limit?: number }>({
  name: "hf_papers_similar",
  description:
    "Papers like an arXiv paper, recommended by Semantic Scholar (on a local Hub: its stored papers that share the most words with it): related methods, baselines and datasets to compare against.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      paper: paperParam,
      limit: { type: "integer", minimum: 1, maximum: 50, description: "How many (default 10)." },
    },
    required: ["paper"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const { id } = parsePaperId(args.paper);
      const params = new URLSearchParams({
        fields: FIELDS,
        limit: String(Math.min(Math.max(args.limit ?? 10, 1), 50)),
      });
      const answer = await s2Json<{ recommendedPapers?: S2Paper[] }>(
        hub,
        ctx,
        `/recommendations/v1/papers/forpaper/arXiv:${id}?${params}`,
        `The paper ${id}`,
      );
      const papers = answer.recommendedPapers ?? [];
      if (papers.length === 0) return { content: `No papers like ${id} were found.`, details: { papers: [] } };
      return {
        content: `Papers like ${id}:\n${papers.map((p) => `  ${line(p)}`).join("\n")}`,
        details: {
          papers: papers.map((p) => ({
            arxiv: p.externalIds?.ArXiv ?? null,
            title: p.title ?? null,
            year: p.year ?? null,
          })),
        },
      };
    }),
});
