import { defineTool } from "@pincer/sdk";
import { arxivEntry, searchArxiv } from "./arxiv.js";
import { clip, guarded, HubHttpError, hubOf } from "./hub.js";
import { parsePaperId } from "./paper-id.js";

/** The papers tools: search (HF Papers and arXiv), details, trending, and the repos citing a paper. Reading is hf_papers_read (papers-read.ts). */

export const paperParam = {
  type: "string",
  description:
    'The arXiv id: "2106.09685", "2106.09685v2", "arXiv:2106.09685", an arxiv.org or huggingface.co/papers URL, or "cs/0112017".',
};

interface HubPaper {
  id?: string;
  title?: string;
  summary?: string;
  authors?: { name?: string }[];
  publishedAt?: string | null;
  upvotes?: number;
  githubRepo?: string;
  projectPage?: string;
}

interface PaperListing {
  paper?: HubPaper;
  title?: string;
  summary?: string;
  publishedAt?: string | null;
  numComments?: number;
}

/** One paper of a search or listing, whichever source it came from. */
export interface PaperSummary {
  id: string;
  title: string;
  summary: string;
  published: string | null;
  upvotes?: number;
  authors: string[];
  sources: ("hf" | "arxiv")[];
}

const fromHub = (hit: PaperListing): PaperSummary => ({
  id: hit.paper?.id ?? "",
  title: hit.paper?.title ?? hit.title ?? "",
  summary: hit.paper?.summary ?? hit.summary ?? "",
  published: hit.paper?.publishedAt ?? hit.publishedAt ?? null,
  upvotes: hit.paper?.upvotes ?? 0,
  authors: (hit.paper?.authors ?? []).map((a) => a.name ?? "").filter(Boolean),
  sources: ["hf"],
});

const oneLine = (text: string, max: number): string => clip(text.replace(/\s+/g, " ").trim(), max);
const day = (date: string | null | undefined): string => (date ? ` (${date.slice(0, 10)})` : "");
const pageOf = (p: PaperSummary): string =>
  p.sources.includes("hf") ? `https://huggingface.co/papers/${p.id}` : `https://arxiv.org/abs/${p.id}`;

function describe(p: PaperSummary): string {
  const where = p.sources.map((s) => (s === "hf" ? "HF Papers" : "arXiv")).join(", ");
  const votes = p.upvotes ? `; ${p.upvotes} upvotes` : "";
  return `${p.id}: ${p.title}${day(p.published)}, ${pageOf(p)} [${where}${votes}]\n  ${oneLine(p.summary, 300)}`;
}

type Source = "all" | "hf" | "arxiv";

export const hfPapersSearch = defineTool<{ query: string; source?: Source; limit?: number }>({
  name: "hf_papers_search",
  description:
    "Search papers on Hugging Face Papers and arXiv by words in the title, abstract or authors (source: all (default, merged by arXiv id), hf or arxiv). Returns arXiv ids, titles, dates and short abstracts; then hf_papers_details, hf_papers_read or hf_papers_linked.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "What to search for." },
      source: { type: "string", enum: ["all", "hf", "arxiv"], description: "Where to search (default all)." },
      limit: { type: "integer", minimum: 1, maximum: 50, description: "How many papers (default 10)." },
    },
    required: ["query"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const source = args.source ?? "all";
      const limit = Math.min(Math.max(args.limit ?? 10, 1), 50);
      const searchHub = async () =>
        (
          await hub.json<PaperListing[]>(`/api/papers/search?${new URLSearchParams({ q: args.query })}`, {
            what: "The papers search",
          })
        ).map(fromHub);
      const searchArxivPapers = async () =>
        (await searchArxiv(hub, args.query, limit, ctx.signal)).map(
          (e): PaperSummary => ({ ...e, published: e.published ?? null, sources: ["arxiv"] }),
        );
      const [hf, arxiv] = await Promise.allSettled([
        source === "arxiv" ? Promise.resolve([]) : searchHub(),
        source === "hf" ? Promise.resolve([]) : searchArxivPapers(),
      ]);
      // One source failing still answers with the other; both failing is the error.
      if (hf.status === "rejected" && (arxiv.status === "rejected" || source === "hf")) throw hf.reason;
      if (arxiv.status === "rejected" && (hf.status === "rejected" || source === "arxiv")) throw arxiv.reason;
      const notes: string[] = [];
      const failed = (r: PromiseSettledResult<unknown>, name: string) => {
        if (r.status === "rejected")
          notes.push(`(${name} search failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)})`);
      };
      failed(hf, "Hugging Face Papers");
      failed(arxiv, "arXiv");
      const merged = new Map<string, PaperSummary>();
      for (const paper of [
        ...(hf.status === "fulfilled" ? hf.value : []),
        ...(arxiv.status === "fulfilled" ? arxiv.value : []),
      ]) {
        const known = merged.get(paper.id);
        if (known) known.sources = [...new Set([...known.sources, ...paper.sources])];
        else if (paper.id) merged.set(paper.id, { ...paper });
      }
      const papers = [...merged.values()].slice(0, limit);
      if (papers.length === 0) {
        return { content: [`No papers match "${args.query}".`, ...notes].join("\n"), details: { papers } };
      }
      return { content: [...papers.map(describe), ...notes].join("\n"), details: { papers } };
    }),
});

export const hfPapersDetails = defineTool<{ paper: string }>({
  name: "hf_papers_details",
  description:
    "Details of one paper: title, authors, date, upvotes, GitHub repo, project page, links and the abstract (from Hugging Face Papers, or arXiv when HF hasn't indexed it).",
  kind: "read",
  parameters: { type: "object", properties: { paper: paperParam }, required: ["paper"], additionalProperties: false },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const { id, full } = parsePaperId(args.paper);
      let paper: HubPaper | undefined;
      try {
        paper = await hub.json<HubPaper>(`/api/papers/${id}`, { what: `The paper ${id}` });
      } catch (error) {
        if (!(error instanceof HubHttpError && error.status === 404)) throw error;
      }
      const links = [`https://arxiv.org/abs/${full}`, `https://arxiv.org/pdf/${full}`];
      if (paper) {
        const authors = (paper.authors ?? []).map((a) => a.name ?? "").filter(Boolean);
        const lines = [
          `${id}: ${paper.title ?? ""}`,
          `Authors: ${authors.slice(0, 12).join(", ")}${authors.length > 12 ? ` and ${authors.length - 12} more` : ""}`,
          `Published: ${paper.publishedAt?.slice(0, 10) ?? "unknown"}; ${paper.upvotes ?? 0} upvotes on Hugging Face Papers`,
          ...(paper.githubRepo ? [`GitHub: ${paper.githubRepo}`] : []),
          ...(paper.projectPage ? [`Project page: ${paper.projectPage}`] : []),
          `Links: https://huggingface.co/papers/${id} · ${links.join(" · ")}`,
          "",
          "Abstract:",
          (paper.summary ?? "").trim(),
        ];
        return { content: lines.join("\n"), details: { id, source: "hf", paper } };
      }
      const entry = await arxivEntry(hub, id, ctx.signal);
      if (!entry) {
        throw new HubHttpError(
          404,
          `HTTP 404: no paper ${id} on Hugging Face Papers or arXiv: check the id (hf_papers_search finds papers by words).`,
        );
      }
      const lines = [
        `${id}: ${entry.title}`,
        `Authors: ${entry.authors.join(", ")}`,
        `Published: ${entry.published?.slice(0, 10) ?? "unknown"}${entry.categories.length ? `; ${entry.categories.join(", ")}` : ""}`,
        ...(entry.comment ? [`Comment: ${entry.comment}`] : []),
        `Links: ${links.join(" · ")}`,
        "Not on Hugging Face Papers yet (details from arXiv).",
        "",
        "Abstract:",
        entry.summary,
      ];
      return { content: lines.join("\n"), details: { id, source: "arxiv", paper: entry } };
    }),
});

export const hfPapersTrending = defineTool<{ date?: string; sort?: "trending" | "new"; limit?: number }>({
  name: "hf_papers_trending",
  description:
    "Hugging Face Daily Papers: the papers picked for a day (default: the latest), most upvoted first (sort trending, the default) or newest first.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      date: { type: "string", description: "The day, YYYY-MM-DD (default: the latest)." },
      sort: { type: "string", enum: ["trending", "new"], description: "trending (default) or new." },
      limit: { type: "integer", minimum: 1, maximum: 100, description: "How many papers (default 10)." },
    },
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      if (args.date && !/^\d{4}-\d{2}-\d{2}$/.test(args.date)) {
        throw new HubHttpError(400, `"${args.date}" is not a date: write it as YYYY-MM-DD (e.g. 2025-01-31).`);
      }
      const hub = hubOf(ctx);
      const limit = Math.min(Math.max(args.limit ?? 10, 1), 100);
      const params = new URLSearchParams({ limit: String(limit) });
      if (args.date) params.set("date", args.date);
      if ((args.sort ?? "trending") === "trending") params.set("sort", "trending");
      const hits = await hub.json<PaperListing[]>(`/api/daily_papers?${params}`, { what: "Daily Papers" });
      const papers = hits.slice(0, limit).map(fromHub);
      const when = args.date ? ` on ${args.date}` : "";
      if (papers.length === 0) return { content: `No Daily Papers${when}.`, details: { papers } };
      const lines = papers.map(
        (p, i) =>
          `${i + 1}. ${p.id}: ${p.title}${day(p.published)}; ${p.upvotes ?? 0} upvotes\n   ${oneLine(p.summary, 200)}`,
      );
      return {
        content: [`Daily Papers${when} (${args.sort ?? "trending"}):`, ...lines].join("\n"),
        details: { papers },
      };
    }),
});

type Linked = "models" | "datasets" | "spaces" | "collections";
const LINKED: Linked[] = ["models", "datasets", "spaces", "collections"];

interface LinkedRepo {
  id: string;
  downloads?: number;
  likes?: number;
  pipeline_tag?: string;
}

interface Collection {
  slug: string;
  title: string;
  owner?: { name?: string };
  upvotes?: number;
  items?: unknown[];
}

export const hfPapersLinked = defineTool<{ paper: string; kinds?: Linked[]; limit?: number }>({
  name: "hf_papers_linked",
  description:
    "The models, datasets, Spaces and collections on the Hub that cite a paper (repos tagged arxiv:<id> by their card, collections holding it).",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      paper: paperParam,
      kinds: {
        type: "array",
        items: { type: "string", enum: LINKED },
        description: "Which to list (default all four).",
      },
      limit: { type: "integer", minimum: 1, maximum: 100, description: "How many of each (default 10)." },
    },
    required: ["paper"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const { id } = parsePaperId(args.paper);
      const limit = String(Math.min(Math.max(args.limit ?? 10, 1), 100));
      const kinds = args.kinds?.length ? LINKED.filter((k) => args.kinds?.includes(k)) : LINKED;
      const found = await Promise.all(
        kinds.map(async (kind) => {
          if (kind === "collections") {
            const params = new URLSearchParams({ item: `papers/${id}`, limit });
            const list = await hub.json<Collection[]>(`/api/collections?${params}`, { what: "The collections search" });
            return {
              kind,
              ids: list.map((c) => c.slug),
              lines: list.map(
                (c) => `${c.title} (${hub.endpoint}/collections/${c.slug}${c.upvotes ? `, ${c.upvotes} upvotes` : ""})`,
              ),
            };
          }
          const params = new URLSearchParams({ filter: `arxiv:${id}`, limit });
          const list = await hub.json<LinkedRepo[]>(`/api/${kind}?${params}`, { what: `The ${kind} search` });
          return {
            kind,
            ids: list.map((r) => r.id),
            lines: list.map((r) => {
              const facts = [
                r.pipeline_tag,
                r.downloads !== undefined ? `${r.downloads} downloads` : "",
                r.likes ? `${r.likes} likes` : "",
              ].filter(Boolean);
              return `${r.id}${facts.length ? ` (${facts.join(", ")})` : ""}`;
            }),
          };
        }),
      );
      const sections = found.map(
        ({ kind, lines }) =>
          `${kind[0]?.toUpperCase()}${kind.slice(1)} (${lines.length}):${lines.length ? `\n  ${lines.join("\n  ")}` : " none"}`,
      );
      return {
        content: [`Citing ${id} on the Hub:`, ...sections].join("\n"),
        details: { id, ...Object.fromEntries(found.map(({ kind, ids }) => [kind, ids])) },
      };
    }),
});
