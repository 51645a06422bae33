import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { arxivBase, arxivGet } from "./arxiv.js";
import { guarded, type Hub, HubHttpError, hubOf } from "./hub.js";
import { parsePaperId } from "./paper-id.js";
import { findSection, htmlToMarkdown, type Section, splitSections, textWindow } from "./paper-text.js";
import { paperParam } from "./papers.js";

const READ_DEFAULT = 6_000;
const READ_MAX = 30_000;
/** The last paper read, kept for the session so reading it section by section fetches it once. */
const CACHE_KEY = "papers:last-read";

interface PaperDocument {
  source: "Hugging Face Papers" | "arXiv HTML";
  markdown: string;
}

const isNotFound = (error: unknown): boolean => error instanceof HubHttpError && error.status === 404;

/**
 * The paper's full text as Markdown: the Hub's paper page (`/papers/{id}.md`), else arXiv's HTML
 * version turned into Markdown. Neither existing is a 404 that says where else to look.
 */
async function paperDocument(hub: Hub, ctx: PluginToolContext, id: string, full: string): Promise<PaperDocument> {
  const key = `${hub.endpoint} ${full}`;
  const cached = ctx.state.get(CACHE_KEY) as { key: string; doc: PaperDocument } | undefined;
  if (cached?.key === key) return cached.doc;
  let doc: PaperDocument | undefined;
  try {
    const res = await hub.request(`/papers/${id}.md`, {
      what: `The paper ${id}`,
      headers: { Accept: "text/markdown" },
    });
    // A page the Hub couldn't render as Markdown comes back as HTML: only Markdown counts.
    if (!/text\/html/i.test(res.headers.get("content-type") ?? ""))
      doc = { source: "Hugging Face Papers", markdown: await res.text() };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!doc) {
    try {
      const res = await arxivGet(hub, `${arxivBase(hub).html}/${full}`, `The HTML version of ${full}`, ctx.signal);
      doc = { source: "arXiv HTML", markdown: htmlToMarkdown(await res.text()) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
      throw new HubHttpError(
        404,
        `HTTP 404: ${full} has no paper page on Hugging Face and no HTML version on arXiv (older papers often lack one): read the abstract with hf_papers_details, or the PDF at https://arxiv.org/pdf/${full}.`,
      );
    }
  }
  ctx.state.set(CACHE_KEY, { key, doc });
  return doc;
}

const size = (chars: number): string => (chars < 1000 ? `${chars} chars` : `${(chars / 1000).toFixed(1)}k chars`);

function listSections(full: string, doc: PaperDocument, sections: Section[]): string {
  const title = /^#\s+(.+)$/m.exec(doc.markdown)?.[1]?.trim() ?? full;
  return [
    `${full}: ${title} (from ${doc.source}, ${size(doc.markdown.length)}), ${sections.length} sections:`,
    ...sections.map((s) => `  ${s.title} (${size(s.text.length)})`),
    'Read one with hf_papers_read and section set to its title, its number (e.g. "3") or a word only its title has.',
  ].join("\n");
}

export const hfPapersRead = defineTool<{ paper: string; section?: string; offset?: number; maxChars?: number }>({
  name: "hf_papers_read",
  description:
    'Read a paper\'s full text by section. Without section: its sections with their sizes. With section (a title, its number like "3", or a word only that title has): that section as Markdown, clipped at maxChars with a note giving the offset to read on from.',
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      paper: paperParam,
      section: { type: "string", description: "The section to read (omit to list the sections)." },
      offset: { type: "integer", minimum: 0, description: "Where in the section to start (default 0)." },
      maxChars: {
        type: "integer",
        minimum: 500,
        maximum: READ_MAX,
        description: `How much to return (default ${READ_DEFAULT}).`,
      },
    },
    required: ["paper"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const { id, full } = parsePaperId(args.paper);
      const doc = await paperDocument(hub, ctx, id, full);
      const sections = splitSections(doc.markdown);
      if (args.section === undefined || !args.section.trim()) {
        return {
          content: listSections(full, doc, sections),
          details: {
            id,
            source: doc.source,
            sections: sections.map((s) => ({ title: s.title, chars: s.text.length })),
          },
        };
      }
      const found = findSection(sections, args.section);
      if (Array.isArray(found)) {
        const candidates = (found.length ? found : sections).map((s) => `"${s.title}"`).join(", ");
        throw new HubHttpError(
          400,
          `${found.length ? `"${args.section}" matches several sections` : `${full} has no section "${args.section}"`}: pick one of ${candidates}.`,
        );
      }
      const offset = args.offset ?? 0;
      if (offset > 0 && offset >= found.text.length) {
        throw new HubHttpError(
          400,
          `offset ${offset} is past the end of "${found.title}" (${found.text.length} characters).`,
        );
      }
      const maxChars = Math.min(Math.max(args.maxChars ?? READ_DEFAULT, 500), READ_MAX);
      const { part, end } = textWindow(found.text, offset, maxChars);
      const range =
        offset > 0 || end < found.text.length ? `, characters ${offset}–${end} of ${found.text.length}` : "";
      const lines = [`## ${found.title}  (${full}, from ${doc.source}${range})`, "", part.trim()];
      if (end < found.text.length) {
        lines.push(
          "",
          `[Clipped at character ${end} of ${found.text.length}: call hf_papers_read with paper "${full}", section "${found.title}" and offset ${end} to read on.]`,
        );
      }
      return {
        content: lines.join("\n"),
        details: { id, source: doc.source, section: found.title, offset, end, total: found.text.length },
      };
    }),
});
