import type { ServerResponse } from "node:http";
import { authorName, findPaper, loadPapers, type Paper } from "./paper-store.js";

/**
 * A stand-in for arXiv over the stored papers (every one, including those marked `indexed: false`),
 * so the papers tools work offline: `/arxiv/api/query` answers as export.arxiv.org's Atom API does,
 * `/arxiv/html/{id}` as arxiv.org/html does (LaTeXML-shaped HTML rendered from the stored Markdown).
 */

const xml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const versioned = (paper: Paper): string => `${paper.id}v${paper.version ?? 1}`;

/** What a field prefix of arXiv's query syntax searches. */
function fieldText(paper: Paper, field: string): string {
  const authors = (paper.authors ?? []).map(authorName).join(" ");
  const byField: Record<string, string> = {
    ti: paper.title,
    au: authors,
    abs: paper.summary ?? "",
    cat: (paper.categories ?? []).join(" "),
    id: paper.id,
  };
  return (byField[field] ?? [paper.id, paper.title, authors, paper.summary ?? ""].join(" ")).toLowerCase();
}

/** `all:lora AND ti:"low rank" ANDNOT au:smith`, evaluated left to right (parentheses are ignored). */
function queryMatcher(query: string): (paper: Paper) => boolean {
  const tokens = query
    .replace(/[()]/g, " ")
    .trim()
    .split(/\s+(AND|OR|ANDNOT)\s+/);
  const term = (raw: string) => {
    const match = /^(?:(\w+):)?\s*"?(.*?)"?$/.exec(raw.trim());
    const field = match?.[1] ?? "all";
    const words = (match?.[2] ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    return (paper: Paper) => {
      const haystack = fieldText(paper, field);
      return words.length > 0 && words.every((word) => haystack.includes(word));
    };
  };
  return (paper) => {
    let result = term(tokens[0] ?? "")(paper);
    for (let i = 1; i < tokens.length; i += 2) {
      const next = term(tokens[i + 1] ?? "")(paper);
      const op = tokens[i];
      result = op === "OR" ? result || next : op === "ANDNOT" ? result && !next : result && next;
    }
    return result;
  };
}

function entryXml(paper: Paper): string {
  const id = versioned(paper);
  const date = paper.publishedAt ?? "2000-01-01T00:00:00Z";
  const categories = paper.categories?.length ? paper.categories : ["cs.LG"];
  return [
    "  <entry>",
    `    <id>http://arxiv.org/abs/${xml(id)}</id>`,
    `    <title>${xml(paper.title)}</title>`,
    `    <updated>${xml(date)}</updated>`,
    `    <link href="https://arxiv.org/abs/${xml(id)}" rel="alternate" type="text/html"/>`,
    `    <link href="https://arxiv.org/pdf/${xml(id)}" rel="related" type="application/pdf" title="pdf"/>`,
    `    <summary>${xml(paper.summary ?? "")}</summary>`,
    ...categories.map((c) => `    <category term="${xml(c)}" scheme="http://arxiv.org/schemas/atom"/>`),
    `    <published>${xml(date)}</published>`,
    `    <arxiv:primary_category term="${xml(categories[0] ?? "cs.LG")}"/>`,
    ...(paper.authors ?? []).map((a) => `    <author>\n      <name>${xml(authorName(a))}</name>\n    </author>`),
    "  </entry>",
  ].join("\n");
}

function sendAtom(
  res: ServerResponse,
  status: number,
  url: URL,
  total: number,
  start: number,
  entries: string[],
): void {
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">',
    `  <id>https://arxiv.org/api/${xml(url.search)}</id>`,
    `  <title>arXiv Query: ${xml(url.searchParams.toString())}</title>`,
    `  <updated>${new Date().toISOString()}</updated>`,
    `  <opensearch:itemsPerPage>${entries.length}</opensearch:itemsPerPage>`,
    `  <opensearch:totalResults>${total}</opensearch:totalResults>`,
    `  <opensearch:startIndex>${start}</opensearch:startIndex>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
  res.writeHead(status, {
    "Content-Type": "application/atom+xml; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** `GET /arxiv/api/query?search_query=&id_list=&start=&max_results=&sortBy=`. */
export function arxivQueryRoute(res: ServerResponse, url: URL, dir: string): void {
  const query = url.searchParams.get("search_query")?.trim() ?? "";
  const ids = (url.searchParams.get("id_list") ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  const start = Math.max(0, Number(url.searchParams.get("start")) || 0);
  const max = Math.max(0, Math.min(Number(url.searchParams.get("max_results") ?? 10) || 0, 2000));
  if (!query && ids.length === 0) {
    // arXiv answers a request with neither as an error entry in an otherwise normal feed.
    const error = [
      "  <entry>",
      "    <id>http://arxiv.org/api/errors#incorrect_query</id>",
      "    <title>Error</title>",
      "    <summary>either search_query or id_list must be given</summary>",
      "  </entry>",
    ].join("\n");
    sendAtom(res, 400, url, 1, 0, [error]);
    return;
  }
  const papers = loadPapers(dir);
  let found = ids.length ? ids.map((id) => findPaper(papers, id)).filter((p): p is Paper => Boolean(p)) : papers;
  if (query) found = found.filter(queryMatcher(query));
  if (url.searchParams.get("sortBy") === "submittedDate") {
    found = [...found].sort((a, b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? ""));
  }
  sendAtom(res, 200, url, found.length, start, found.slice(start, start + max).map(entryXml));
}

/** Inline Markdown → HTML: math as LaTeXML's `<math alttext>` (with MathML inside), bold, italics, code, links. */
function inline(text: string): string {
  return xml(text)
    .replace(
      /\$([^$]+)\$/g,
      (_, tex: string) =>
        `<math alttext="${tex}" display="inline"><semantics><mi>${tex}</mi><annotation encoding="application/x-tex">${tex}</annotation></semantics></math>`,
    )
    .replace(/\*\*([^*]+)\*\*/g, '<b class="ltx_text ltx_font_bold">$1</b>')
    .replace(/\*([^*]+)\*/g, '<i class="ltx_text ltx_font_italic">$1</i>')
    .replace(/`([^`]+)`/g, '<code class="ltx_verbatim">$1</code>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2" class="ltx_ref">$1</a>');
}

/** The stored Markdown as arXiv's LaTeXML HTML: `<section>` per `##`, `ltx_para` paragraphs, lists, tables. */
export function markdownToArxivHtml(paper: Paper): string {
  const out: string[] = [];
  const lines = (paper.markdown ?? "").split(/\r?\n/);
  let open = false;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<div class="ltx_para"><p class="ltx_p">${inline(paragraph.join(" "))}</p></div>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (line.startsWith("```")) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? "").startsWith("```"); i++) code.push(lines[i] ?? "");
      out.push(`<pre class="ltx_verbatim">${xml(code.join("\n"))}</pre>`);
    } else if (heading) {
      flush();
      const level = heading[1]?.length ?? 2;
      if (level <= 2 && open) out.push("</section>");
      if (level === 2) {
        out.push('<section class="ltx_section">');
        open = true;
      } else if (level === 1) open = false;
      out.push(`<h${level} class="ltx_title">${inline(heading[2] ?? "")}</h${level}>`);
    } else if (/^\s*[-*]\s+/.test(line)) {
      flush();
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i] ?? ""); i++)
        items.push((lines[i] ?? "").replace(/^\s*[-*]\s+/, ""));
      i--;
      out.push(
        `<ul class="ltx_itemize">${items.map((item) => `<li class="ltx_item"><p class="ltx_p">${inline(item)}</p></li>`).join("")}</ul>`,
      );
    } else if (/^\|.*\|\s*$/.test(line)) {
      flush();
      const rows: string[] = [];
      for (; i < lines.length && /^\|.*\|\s*$/.test(lines[i] ?? ""); i++) {
        const cells = (lines[i] ?? "")
          .trim()
          .slice(1, -1)
          .split("|")
          .map((cell) => cell.trim());
        if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
        rows.push(`<tr class="ltx_tr">${cells.map((cell) => `<td class="ltx_td">${inline(cell)}</td>`).join("")}</tr>`);
      }
      i--;
      out.push(`<table class="ltx_tabular"><tbody>${rows.join("")}</tbody></table>`);
    } else if (!line.trim()) {
      flush();
    } else {
      paragraph.push(line.trim());
    }
  }
  flush();
  if (open) out.push("</section>");
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${xml(paper.title)}</title>`,
    "<style>.ltx_page_main { max-width: 50em }</style>",
    '<script>window.banner = "<p>HTML conversions sometimes display errors</p>";</script></head>',
    '<body><header class="desktop_header"><nav><a href="https://arxiv.org/">arXiv</a> Report issue</nav></header>',
    `<div class="ltx_page_main"><article class="ltx_document">`,
    ...out,
    "</article></div>",
    '<footer class="ltx_page_footer">Generated by LaTeXML</footer></body></html>',
    "",
  ].join("\n");
}

/** `GET /arxiv/html/{id}`: 404 (as arXiv answers) for a paper with no full text stored. */
export function arxivHtmlRoute(res: ServerResponse, dir: string, id: string): void {
  const paper = findPaper(loadPapers(dir), id);
  const html = paper?.markdown
    ? markdownToArxivHtml(paper)
    : `<!DOCTYPE html><html><head><title>No HTML</title></head><body><h1>No HTML for '${xml(id)}'</h1></body></html>\n`;
  res.writeHead(paper?.markdown ? 200 : 404, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
  });
  res.end(html);
}
