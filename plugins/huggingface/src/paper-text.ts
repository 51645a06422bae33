/**
 * A paper's text: arXiv's HTML (LaTeXML) as Markdown, and Markdown split into sections. String
 * passes only: the sandbox has no DOM, and these must not throw on whatever HTML comes back.
 */

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  times: "×",
  minus: "−",
  middot: "·",
  copy: "©",
  thinsp: " ",
  ensp: " ",
  emsp: " ",
  ZeroWidthSpace: "",
  shy: "",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name] ?? whole;
  });
}

/** Elements whose content is never text: page chrome, scripts, LaTeXML's footnotes (mark and body, mid-sentence). */
const SKIPPED = new Set([
  "script",
  "style",
  "head",
  "nav",
  "header",
  "footer",
  "button",
  "svg",
  "noscript",
  "template",
  "form",
  "title",
]);
const SKIPPED_CLASS = /\b(?:ltx_note|ltx_page_header|ltx_page_footer|ltx_TOC)\b/;
const BLOCKS = new Set([
  "p",
  "div",
  "section",
  "article",
  "figure",
  "figcaption",
  "table",
  "ul",
  "ol",
  "blockquote",
  "dl",
  "dt",
  "dd",
  "main",
  "body",
]);
const VOID = new Set(["br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area", "base"]);

const attr = (attributes: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(attributes);
  return match ? decodeEntities(match[1] ?? match[2] ?? "") : undefined;
};

/**
 * arXiv's HTML as Markdown: headings as `#`…, paragraphs, lists, table rows, math as `$alttext$`.
 * Only the `<article>` when there is one (the rest is the page's chrome). A heading reading
 * "Abstract" becomes `##`, so the abstract is a section of its own.
 */
export function htmlToMarkdown(html: string): string {
  const start = html.search(/<article\b/i);
  const end = html.search(/<\/article\s*>/i);
  const source = (start >= 0 ? html.slice(start, end > start ? end : undefined) : html).replace(/<!--[\s\S]*?-->/g, "");
  let out = "";
  let skip: { name: string; depth: number } | undefined;
  let heading: { level: number; text: string } | undefined;
  let pre = 0;
  const emit = (text: string) => {
    if (heading) heading.text += text;
    else out += text;
  };
  for (const token of source.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|([^<]+)|</g)) {
    const [, closing, rawName, attributes = "", text] = token;
    if (rawName === undefined) {
      if (skip) continue;
      const decoded = decodeEntities(text ?? "<");
      emit(pre ? decoded : decoded.replace(/\s+/g, " "));
      continue;
    }
    const name = rawName.toLowerCase();
    const selfClosing = VOID.has(name) || attributes.trim().endsWith("/");
    if (skip) {
      if (name === skip.name && !selfClosing) skip.depth += closing ? -1 : 1;
      if (skip.depth === 0) skip = undefined;
      continue;
    }
    if (closing) {
      if (/^h[1-6]$/.test(name) && heading) {
        const title = heading.text.replace(/\s+/g, " ").trim();
        const level = /^abstract$/i.test(title) ? 2 : heading.level;
        heading = undefined;
        if (title) out += `\n\n${"#".repeat(level)} ${title}\n\n`;
      } else if (name === "pre") {
        pre = Math.max(0, pre - 1);
        out += "\n```\n\n";
      } else if (name === "td" || name === "th") emit(" |");
      else if (BLOCKS.has(name) || name === "li" || name === "tr") emit("\n\n");
      continue;
    }
    if (name === "math") {
      // LaTeXML keeps the TeX in alttext; the MathML inside would read as letter soup.
      const tex = attr(attributes, "alttext");
      if (tex) emit(attr(attributes, "display") === "block" ? `\n\n$$${tex}$$\n\n` : ` $${tex}$ `);
      if (!selfClosing) skip = { name, depth: 1 };
      continue;
    }
    if (SKIPPED.has(name) || SKIPPED_CLASS.test(attr(attributes, "class") ?? "")) {
      if (!selfClosing) skip = { name, depth: 1 };
      continue;
    }
    if (/^h[1-6]$/.test(name)) heading = { level: Number(name[1]), text: "" };
    else if (name === "br") emit("\n");
    else if (name === "li") emit("\n- ");
    else if (name === "tr") emit("\n|");
    else if (name === "td" || name === "th") emit(" ");
    else if (name === "pre") {
      pre++;
      out += "\n\n```\n";
    } else if (BLOCKS.has(name)) emit("\n\n");
  }
  return tidy(out);
}

/** Trailing spaces off, spaces after line starts collapsed (outside code), at most one blank line. */
function tidy(markdown: string): string {
  let inCode = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (line.startsWith("```")) inCode = !inCode;
      return inCode ? line.trimEnd() : line.replace(/[ \t]+/g, " ").trim();
    })
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/ +([,.;:)])/g, "$1")
    .trim();
}

export interface Section {
  title: string;
  level: number;
  text: string;
}

/**
 * Markdown split at its `#` and `##` headings (deeper headings stay in their section's text);
 * fenced code can't start one. Text before the first heading is a section "(start)"; empty
 * sections (a title right before the first `##`) are left out.
 */
export function splitSections(markdown: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { title: "(start)", level: 0, text: "" };
  let inCode = false;
  const lines: string[] = [];
  const close = () => {
    current.text = lines.join("\n").trim();
    if (current.text) sections.push(current);
    lines.length = 0;
  };
  for (const line of markdown.split(/\r?\n/)) {
    if (line.startsWith("```")) inCode = !inCode;
    const heading = inCode ? null : /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      close();
      current = { title: heading[2] ?? "", level: heading[1]?.length ?? 1, text: "" };
    } else {
      lines.push(line);
    }
  }
  close();
  return sections;
}

/**
 * The section a reader means: the exact title, else the paper's own number ("2" or "2." for
 * "2 Method"), else the only title containing the words. Case is ignored.
 */
export function findSection(sections: Section[], wanted: string): Section | Section[] {
  const key = wanted.trim().toLowerCase();
  const exact = sections.find((s) => s.title.toLowerCase() === key);
  if (exact) return exact;
  const numbered = sections.find((s) =>
    new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.?\\s`).test(s.title.toLowerCase()),
  );
  if (numbered) return numbered;
  const containing = sections.filter((s) => s.title.toLowerCase().includes(key));
  return containing.length === 1 ? (containing[0] as Section) : containing;
}

/** A window of `text` from `offset`, ending at a paragraph or line break near the limit when there is one. */
export function textWindow(text: string, offset: number, maxChars: number): { part: string; end: number } {
  if (offset + maxChars >= text.length) return { part: text.slice(offset), end: text.length };
  const hard = offset + maxChars;
  const slice = text.slice(offset, hard);
  const floor = Math.floor(maxChars * 0.7);
  const cut = [slice.lastIndexOf("\n\n"), slice.lastIndexOf("\n"), slice.lastIndexOf(". ") + 1].find(
    (at) => at >= floor,
  );
  const end = cut !== undefined ? offset + cut : hard;
  return { part: text.slice(offset, end), end };
}
