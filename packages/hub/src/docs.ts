// Documentation the way huggingface.co serves it, from `<dir>/docs/<library>/**/*.md` plus a few
// built-in pages (docs-seed.ts; a stored file at the same path replaces one):
//
//   GET /api/docs                          the libraries: [{id, title, pages}]
//   GET /api/docs/search?q=&product=&limit= matching sections, in the shape of huggingface.co's
//                                          docs search: [{text, product, heading1, heading2,
//                                          source_page_url, source_page_title}]
//   GET /docs/<library>/llms.txt           the library's table of contents (llms.txt format)
//   GET /docs/<library>/<page>[.md]        one page as markdown (a version/language prefix such as
//                                          `main/en/` is accepted and ignored)
//
// Search is term matching, not semantic: a section matches when it holds any query word, ranked by
// how many distinct words it holds, then by how often.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { join, relative, sep } from "node:path";
import { SEED_DOCS } from "./docs-seed.js";
import { HubError, sendJson } from "./http.js";

export interface DocPage {
  /** The path under the library, without `.md` (e.g. `developer_guides/lora`). */
  path: string;
  title: string;
  markdown: string;
}

const LIBRARY = /^[A-Za-z0-9][\w.-]*$/;
const PAGE_PART = /^[\w.-]+$/;
const SNIPPET_CHARS = 280;
const SEARCH_LIMIT = 50;

const titleOf = (markdown: string, path: string): string =>
  /^#\s+(.+)$/m.exec(markdown)?.[1]?.trim() ?? path.split("/").at(-1) ?? path;

function markdownFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const full = join(root, name);
    if (statSync(full).isDirectory()) out.push(...markdownFiles(full));
    else if (name.endsWith(".md")) out.push(full);
  }
  return out;
}

/** The libraries and their pages: the seed, with what is stored under `<dir>/docs` on top. Read per request, so a file dropped in shows at once. */
export class DocsStore {
  constructor(private readonly dir: string) {}

  libraries(): string[] {
    const stored = existsSync(join(this.dir, "docs"))
      ? readdirSync(join(this.dir, "docs")).filter(
          (name) => LIBRARY.test(name) && statSync(join(this.dir, "docs", name)).isDirectory(),
        )
      : [];
    return [...new Set([...Object.keys(SEED_DOCS), ...stored])].sort();
  }

  /** The library's pages, `index` first, then by path; a 404 naming the libraries there are when it is unknown. */
  pages(library: string): DocPage[] {
    const pages = new Map<string, string>(Object.entries(SEED_DOCS[library] ?? {}));
    const root = join(this.dir, "docs", library);
    if (LIBRARY.test(library)) {
      for (const file of markdownFiles(root)) {
        const path = relative(root, file).split(sep).join("/").replace(/\.md$/, "");
        pages.set(path, readFileSync(file, "utf8"));
      }
    }
    if (pages.size === 0) {
      throw new HubError(
        404,
        `No documentation library "${library}" on this Hub; it has ${this.libraries().join(", ")}. Add pages under docs/${library}/ in the hub directory.`,
        "DocsLibraryNotFound",
      );
    }
    return [...pages]
      .map(([path, markdown]) => ({ path, title: titleOf(markdown, path), markdown }))
      .sort((a, b) => (a.path === "index" ? -1 : b.path === "index" ? 1 : a.path.localeCompare(b.path)));
  }

  page(library: string, path: string): DocPage {
    const found = this.pages(library).find((page) => page.path === path);
    if (!found) {
      throw new HubError(
        404,
        `No page "${path}" in the ${library} docs; its pages are listed at /docs/${library}/llms.txt.`,
        "DocsPageNotFound",
      );
    }
    return found;
  }
}

/** The first paragraph of prose after the title, for the table of contents. */
function summaryOf(markdown: string): string {
  const body = markdown.replace(/^#\s+.+$/m, "").replace(/```[\s\S]*?```/g, "");
  const paragraph = body.split(/\n\s*\n/).find((block) => block.trim() && !block.trim().startsWith("#")) ?? "";
  const text = paragraph.replace(/\s+/g, " ").trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.length > 200 ? `${sentence.slice(0, 199)}…` : sentence;
}

export function llmsTxt(library: string, pages: DocPage[], baseUrl: string): string {
  const lines = [`# ${library}`, "", `> The ${library} documentation on this Hub: ${pages.length} pages.`, ""];
  for (const page of pages) {
    const summary = summaryOf(page.markdown);
    lines.push(`- [${page.title}](${baseUrl}/docs/${library}/${page.path}.md)${summary ? `: ${summary}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

interface Section {
  heading: string | undefined;
  text: string;
}

function sectionsOf(markdown: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { heading: undefined, text: "" };
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = !fenced ? /^#{2,3}\s+(.+)$/.exec(line) : null;
    if (heading) {
      if (current.text.trim()) sections.push(current);
      current = { heading: heading[1]?.trim(), text: "" };
    } else if (!/^#\s/.test(line) || fenced) {
      current.text += `${line}\n`;
    }
  }
  if (current.text.trim()) sections.push(current);
  return sections;
}

const slug = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\w\s-]/g, "")
    .trim()
    .replace(/\s+/g, "-");

function snippet(text: string, words: string[]): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const lower = flat.toLowerCase();
  const at = Math.min(...words.map((word) => lower.indexOf(word)).filter((index) => index >= 0));
  const start = Math.max(0, at - SNIPPET_CHARS / 3);
  const cut = flat.slice(start, start + SNIPPET_CHARS);
  return `${start > 0 ? "…" : ""}${cut}${start + SNIPPET_CHARS < flat.length ? "…" : ""}`;
}

const countOf = (haystack: string, word: string): number => haystack.split(word).length - 1;

export function searchDocs(
  store: DocsStore,
  query: string,
  options: { library?: string; limit?: number; baseUrl: string },
): Record<string, unknown>[] {
  const words = [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}_.-]+/u))].filter((word) => word.length >= 2);
  if (words.length === 0) throw new HubError(400, "The search needs a query: pass q with at least one word.");
  const libraries = options.library ? [options.library] : store.libraries();
  const hits: { score: [number, number]; result: Record<string, unknown> }[] = [];
  for (const library of libraries) {
    for (const page of store.pages(library)) {
      for (const section of sectionsOf(page.markdown)) {
        const haystack = `${page.title} ${section.heading ?? ""} ${section.text}`.toLowerCase();
        const counts = words.map((word) => countOf(haystack, word));
        const distinct = counts.filter((count) => count > 0).length;
        if (distinct === 0) continue;
        const anchor = section.heading ? `#${slug(section.heading)}` : "";
        hits.push({
          score: [distinct, counts.reduce((a, b) => a + b, 0)],
          result: {
            text: snippet(`${section.heading ?? ""} ${section.text}`, words),
            product: library,
            heading1: page.title,
            ...(section.heading ? { heading2: section.heading } : {}),
            source_page_url: `${options.baseUrl}/docs/${library}/${page.path}${anchor}`,
            source_page_title: page.title,
          },
        });
      }
    }
  }
  const limit = Math.max(1, Math.min(options.limit ?? SEARCH_LIMIT, SEARCH_LIMIT));
  return hits
    .sort((a, b) => b.score[0] - a.score[0] || b.score[1] - a.score[1])
    .slice(0, limit)
    .map((hit) => hit.result);
}

/** `/api/docs` and `/api/docs/search` (parts after `docs`). */
export function docsApiRoute(res: ServerResponse, url: URL, store: DocsStore, baseUrl: string, parts: string[]): void {
  if (parts.length === 0) {
    sendJson(
      res,
      200,
      store.libraries().map((id) => ({ id, url: `${baseUrl}/docs/${id}`, pages: store.pages(id).length })),
    );
    return;
  }
  if (parts.length === 1 && parts[0] === "search") {
    const library = url.searchParams.get("product") || undefined;
    const limit = Number(url.searchParams.get("limit")) || undefined;
    sendJson(res, 200, searchDocs(store, url.searchParams.get("q") ?? "", { library, limit, baseUrl }));
    return;
  }
  throw new HubError(404, "Not found");
}

/** `GET /docs/<library>[/<page>[.md] | /llms.txt]` (parts after `docs`). */
export function docsPageRoute(res: ServerResponse, store: DocsStore, baseUrl: string, parts: string[]): void {
  const [library, ...rest] = parts;
  if (!library || !LIBRARY.test(library)) throw new HubError(404, "Name a documentation library: /docs/<library>.");
  // huggingface.co also serves pages under a version and a language: /docs/transformers/main/en/training.
  if (rest.length > 2 && /^(main|v\d[\w.]*)$/.test(rest[0] ?? "") && /^[a-z]{2}(-[a-z]+)?$/.test(rest[1] ?? "")) {
    rest.splice(0, 2);
  }
  const send = (type: string, body: string) => {
    res.writeHead(200, { "Content-Type": `${type}; charset=utf-8`, "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };
  if (rest.length === 0 || (rest.length === 1 && rest[0] === "llms.txt")) {
    send("text/plain", llmsTxt(library, store.pages(library), baseUrl));
    return;
  }
  const path = rest.join("/").replace(/\.md$/, "");
  if (!path.split("/").every((part) => PAGE_PART.test(part) && part !== ".." && part !== ".")) {
    throw new HubError(400, `"${rest.join("/")}" is not a documentation page path.`);
  }
  send("text/markdown", store.page(library, path).markdown);
}
