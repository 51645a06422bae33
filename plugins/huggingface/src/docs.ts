import { defineTool } from "@pincer/sdk";
import { clip, guarded, type Hub, HubHttpError, hubOf } from "./hub.js";

// Hugging Face documentation, read the way huggingface.co serves it (and the local Hub mirrors it):
// a page as markdown at /docs/<library>/<page>.md, a library's table of contents at
// /docs/<library>/llms.txt, search at /api/docs/search?q=&product=, the libraries at /api/docs.
// Where the public site lacks one of those, the tools fall back: the built-in library list below,
// the links of the library's HTML sidebar, a page's HTML reduced to text.

/** The documentation libraries of huggingface.co/docs that matter most to ML work (the fallback list). */
export const KNOWN_LIBRARIES: Readonly<Record<string, string>> = {
  hub: "The Hub: repos, model and dataset cards, Spaces, security, storage",
  huggingface_hub: "The Python client and the hf command line",
  transformers: "Pretrained models, pipelines, Trainer, generation",
  datasets: "Loading, processing, streaming and sharing datasets",
  tokenizers: "Fast tokenizers and training new ones",
  peft: "Parameter-efficient fine-tuning: LoRA and other adapters",
  trl: "Post-training: SFT, DPO, GRPO, reward modelling",
  accelerate: "Distributed training and mixed precision for PyTorch",
  diffusers: "Diffusion models for images, video and audio",
  "sentence-transformers": "Embedding and reranker models",
  evaluate: "Metrics and evaluation",
  optimum: "Hardware-specific optimisation and export",
  safetensors: "The safe tensor file format",
  smolagents: "Small agents that write code",
  "inference-endpoints": "Dedicated, autoscaling model deployments",
  "inference-providers": "Serverless inference through partner providers",
  "text-generation-inference": "The LLM serving toolkit (TGI)",
  "dataset-viewer": "The dataset viewer API: splits, rows, search, statistics",
};

const FETCH_DEFAULT = 20_000;
const FETCH_LIMIT = 100_000;
const TOC_LIMIT = 400;
const SNIPPET_CHARS = 400;

const libraryParam = {
  type: "string",
  description: 'A documentation library id, e.g. "transformers", "datasets", "trl", "peft", "hub".',
};

function checkLibrary(library: string): string {
  const id = library.trim();
  if (!/^[A-Za-z0-9][\w.-]*$/.test(id)) {
    throw new HubHttpError(400, `"${library}" is not a library id: use one hf_docs_browse lists, e.g. "transformers".`);
  }
  return id;
}

/** The page path of a docs URL or path, without version/language prefix, anchor or `.md`. */
export function docsPath(input: string): { library: string; page: string } | undefined {
  const match = /(?:^|\/)docs\/([^?#]+)/.exec(input.trim());
  if (!match?.[1]) return undefined;
  const [library, ...rest] = match[1].split("/").filter(Boolean);
  if (!library) return undefined;
  if (rest.length > 2 && /^(main|v\d[\w.]*)$/.test(rest[0] ?? "") && /^[a-z]{2}(-[a-z]+)?$/.test(rest[1] ?? "")) {
    rest.splice(0, 2);
  }
  return { library, page: rest.join("/").replace(/\.md$/, "") };
}

/** HTML reduced to readable text, for a docs host that answers a page with HTML only. */
function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|nav|header|footer|svg)[\s\S]*?<\/\1>/gi, "")
    .replace(/<h([1-6])[^>]*>/gi, (_, level: string) => `\n\n${"#".repeat(Number(level))} `)
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6]|\/pre|\/tr)[^>]*>/gi, "\n")
    .replace(/<li[^>]*>/gi, "\n- ")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A 404 from a docs route, said the docs' way; other failures as they are. */
async function docsRequest(hub: Hub, path: string, missing: string, accept: string): Promise<Response> {
  try {
    return await hub.request(path, { headers: { Accept: accept }, what: "The documentation" });
  } catch (error) {
    if (error instanceof HubHttpError && error.status === 404) throw new HubHttpError(404, `HTTP 404: ${missing}`);
    throw error;
  }
}

interface TocEntry {
  page: string;
  title: string;
  summary?: string;
}

/** `- [Title](url): summary` lines of an llms.txt, as pages of `library`. */
export function parseLlmsTxt(text: string, library: string): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*[-*]\s*\[([^\]]+)\]\(([^)\s]+)\)(?::\s*(.*))?$/.exec(line);
    if (!match) continue;
    const where = docsPath(match[2] ?? "");
    if (!where || where.library !== library) continue;
    entries.push({ page: where.page || "index", title: match[1] ?? "", ...(match[3] ? { summary: match[3] } : {}) });
  }
  return entries;
}

/** The library's pages as its HTML page links them (the sidebar), when there is no llms.txt. */
export function parseSidebar(html: string, library: string): TocEntry[] {
  const seen = new Map<string, TocEntry>();
  const link = new RegExp(`href="(?:https://huggingface\\.co)?(/docs/${library}/[^"#?]*)"[^>]*>([\\s\\S]*?)</a>`, "g");
  for (const match of html.matchAll(link)) {
    const where = docsPath(match[1] ?? "");
    const title = htmlToText(match[2] ?? "").replace(/\s+/g, " ");
    if (where?.page && title && !seen.has(where.page)) seen.set(where.page, { page: where.page, title });
  }
  return [...seen.values()];
}

async function tableOfContents(hub: Hub, library: string): Promise<{ entries: TocEntry[]; source: string }> {
  const unknown = `No documentation library "${library}" here: call hf_docs_browse without a library for the list.`;
  try {
    const res = await docsRequest(hub, `/docs/${library}/llms.txt`, unknown, "text/plain, text/markdown");
    const entries = parseLlmsTxt(await res.text(), library);
    if (entries.length) return { entries, source: "llms.txt" };
  } catch (error) {
    if (!(error instanceof HubHttpError && error.status === 404)) throw error;
    if (!hub.isPublic) throw error;
  }
  const res = await docsRequest(hub, `/docs/${library}`, unknown, "text/html");
  const entries = parseSidebar(await res.text(), library);
  if (!entries.length) throw new HubHttpError(404, `HTTP 404: ${unknown}`);
  return { entries, source: "the docs sidebar" };
}

export const hfDocsBrowse = defineTool<{ library?: string }>({
  name: "hf_docs_browse",
  description:
    "Browse Hugging Face documentation (transformers, datasets, trl, peft, hub, ...): without a library, list the documentation libraries; with one, list its pages (the table of contents) to read with hf_docs_fetch.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { library: libraryParam },
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      if (!args.library) {
        let libraries: { id: string; about?: string; pages?: number }[] | undefined;
        try {
          const answer = await hub.json<unknown>("/api/docs", { what: "The documentation index" });
          if (Array.isArray(answer)) {
            libraries = answer
              .filter((item): item is { id: string; pages?: number } => typeof item?.id === "string")
              .map((item) => ({ ...item, about: KNOWN_LIBRARIES[item.id] }));
          }
        } catch (error) {
          // The public site may have no index route: the built-in list stands in for it.
          if (!(error instanceof HubHttpError) || !hub.isPublic || error.status === 401) throw error;
        }
        libraries ??= Object.entries(KNOWN_LIBRARIES).map(([id, about]) => ({ id, about }));
        const lines = libraries.map(
          (library) =>
            `${library.id}${library.about ? ` — ${library.about}` : ""}${library.pages !== undefined ? ` (${library.pages} pages)` : ""}`,
        );
        return {
          content: `${libraries.length} documentation libraries:\n${lines.join("\n")}\nList one's pages with hf_docs_browse {library}.`,
          details: { libraries: libraries.map((library) => library.id) },
        };
      }
      const library = checkLibrary(args.library);
      const { entries, source } = await tableOfContents(hub, library);
      const shown = entries
        .slice(0, TOC_LIMIT)
        .map((entry) => `${entry.page} — ${entry.title}${entry.summary ? `: ${clip(entry.summary, 200)}` : ""}`);
      const more = entries.length > TOC_LIMIT ? `\n[${entries.length - TOC_LIMIT} more pages not shown]` : "";
      return {
        content: `The ${library} docs, ${entries.length} pages (from ${source}):\n${shown.join("\n")}${more}\nRead one with hf_docs_fetch {library: "${library}", page}.`,
        details: { library, pages: entries.map((entry) => entry.page), source },
      };
    }),
});

interface SearchHit {
  text: string;
  product: string;
  heading1?: string;
  heading2?: string;
  source_page_url: string;
  source_page_title?: string;
}

export const hfDocsSearch = defineTool<{ query: string; library?: string; limit?: number }>({
  name: "hf_docs_search",
  description:
    'Search the Hugging Face documentation for a topic or API (e.g. "LoRA target_modules", "streaming datasets"), optionally in one library. Returns matching sections with snippets and their page; read a whole page with hf_docs_fetch.',
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", description: "What to look for." },
      library: libraryParam,
      limit: { type: "integer", minimum: 1, maximum: 50, description: "How many sections at most (default 10)." },
    },
    required: ["query"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const query = args.query.trim();
      if (!query) throw new HubHttpError(400, "The search needs words: pass a query.");
      const params = new URLSearchParams({ q: query });
      if (args.library) params.set("product", checkLibrary(args.library));
      const hub = hubOf(ctx);
      let hits: SearchHit[];
      try {
        hits = await hub.json<SearchHit[]>(`/api/docs/search?${params}`, { what: "The documentation search" });
      } catch (error) {
        if (error instanceof HubHttpError && error.status === 404 && args.library) {
          throw new HubHttpError(
            404,
            `HTTP 404: No documentation library "${args.library}" here: call hf_docs_browse for the list, or search without a library.`,
          );
        }
        throw error;
      }
      hits = hits.slice(0, Math.min(Math.max(args.limit ?? 10, 1), 50));
      if (hits.length === 0) {
        return {
          content: `No documentation matches "${query}"${args.library ? ` in ${args.library}` : ""}. Try other words, or browse with hf_docs_browse.`,
          details: { results: [] },
        };
      }
      const lines = hits.map((hit) => {
        const where = docsPath(hit.source_page_url);
        const title = [hit.heading1 ?? hit.source_page_title, hit.heading2].filter(Boolean).join(" › ");
        const page = where ? `${where.library}/${where.page}` : hit.source_page_url;
        const text = clip(
          hit.text
            .replace(/<[^>]*>/g, "")
            .replace(/\s+/g, " ")
            .trim(),
          SNIPPET_CHARS,
        );
        return `[${hit.product}] ${title} (${page})\n  ${text}`;
      });
      return {
        content: `${hits.length} sections match "${query}":\n${lines.join("\n")}\nRead a page with hf_docs_fetch {page: "<library>/<page>"}.`,
        details: { results: hits.map((hit) => hit.source_page_url) },
      };
    }),
});

export const hfDocsFetch = defineTool<{ page: string; library?: string; offset?: number; maxChars?: number }>({
  name: "hf_docs_fetch",
  description:
    'Read one Hugging Face documentation page as markdown: give a docs URL (https://huggingface.co/docs/peft/developer_guides/lora), "library/page", or a page with library. Long pages come in parts: the answer says which offset reads on.',
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      page: {
        type: "string",
        description: 'The page: a docs URL, "transformers/training", or a page path with `library`.',
      },
      library: libraryParam,
      offset: { type: "integer", minimum: 0, description: "Start at this character (default 0), to read on." },
      maxChars: {
        type: "integer",
        minimum: 1000,
        maximum: FETCH_LIMIT,
        description: `How many characters at most (default ${FETCH_DEFAULT}).`,
      },
    },
    required: ["page"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const given = args.page.trim();
      if (!args.library && !given.includes("/")) {
        throw new HubHttpError(400, `"${given}" needs its library: pass library, or write "library/page".`);
      }
      const where = /^https?:\/\/|^\/?docs\//.test(given)
        ? docsPath(given)
        : args.library
          ? { library: args.library, page: given.replace(/^\/+/, "").replace(/\.md$/, "").replace(/#.*$/, "") }
          : docsPath(`docs/${given}`);
      if (!where) {
        throw new HubHttpError(400, `"${given}" names no documentation page: write "library/page" or a docs URL.`);
      }
      const library = checkLibrary(where.library);
      const page = where.page || "index";
      if (!page.split("/").every((part) => /^[\w.-]+$/.test(part) && part !== "..")) {
        throw new HubHttpError(400, `"${page}" is not a documentation page path.`);
      }
      const hub = hubOf(ctx);
      const missing = `No page "${page}" in the ${library} docs: list its pages with hf_docs_browse {library: "${library}"}, or use hf_docs_search.`;
      let res: Response;
      try {
        res = await docsRequest(hub, `/docs/${library}/${page}.md`, missing, "text/markdown, text/plain;q=0.9");
      } catch (error) {
        // The public site may serve a page only at its plain path: ask it for markdown there.
        if (!(error instanceof HubHttpError && error.status === 404 && hub.isPublic)) throw error;
        res = await docsRequest(hub, `/docs/${library}/${page}`, missing, "text/markdown, text/html;q=0.5");
      }
      const raw = await res.text();
      const markdown = (res.headers.get("content-type") ?? "").includes("html") ? htmlToText(raw) : raw;
      const offset = Math.max(args.offset ?? 0, 0);
      if (offset > 0 && offset >= markdown.length) {
        throw new HubHttpError(
          400,
          `Offset ${offset} is past the end of ${library}/${page} (${markdown.length} characters).`,
        );
      }
      const size = Math.min(Math.max(args.maxChars ?? FETCH_DEFAULT, 1000), FETCH_LIMIT);
      const end = Math.min(offset + size, markdown.length);
      const part = markdown.slice(offset, end);
      const note =
        offset > 0 || end < markdown.length
          ? `\n\n[characters ${offset}–${end} of ${markdown.length}${end < markdown.length ? `; call hf_docs_fetch again with offset ${end} to read on` : "; end of page"}]`
          : "";
      return {
        content: `${part}${note}`,
        details: { library, page, offset, end, length: markdown.length },
      };
    }),
});
