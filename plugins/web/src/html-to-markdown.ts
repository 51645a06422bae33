import TurndownService from "turndown";

type Element = { getAttribute(name: string): string | null };

/** Elements that are never content: code, styling, embedded documents, forms' machinery. */
const DROPPED = [
  "script",
  "style",
  "noscript",
  "template",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "head",
  "form",
] as const;

/**
 * A page's HTML as Markdown, with its title. linkedom builds the DOM (no browser, no Node: it runs
 * in the plugin's isolate) and turndown writes the Markdown: headings as `#`, code as fenced
 * blocks, links kept. Scripts, styles and other non-content elements are dropped first.
 */
export async function htmlToMarkdown(html: string): Promise<{ title: string; markdown: string }> {
  const { parseHTML } = await dom();
  const { document } = parseHTML(html.includes("<html") ? html : `<!doctype html><html><body>${html}</body></html>`);
  const title = (document.querySelector("title")?.textContent ?? "").replace(/\s+/g, " ").trim();
  for (const element of document.querySelectorAll(DROPPED.join(","))) element.remove();
  const service = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
  // Images become their alt text: their bytes are not fetched, and a data: URL is noise.
  service.addRule("images", {
    filter: "img",
    replacement: (_content, node) => {
      const alt = ((node as unknown as Element).getAttribute("alt") ?? "").trim();
      return alt ? `[image: ${alt}]` : "";
    },
  });
  // A page that marks its main content is read from there: no menus, no footer.
  const root = document.querySelector("main") ?? document.body;
  // linkedom's element is a DOM element as turndown expects one (its types name the browser's).
  const markdown = root ? service.turndown(root as unknown as Parameters<TurndownService["turndown"]>[0]) : "";
  return { title, markdown: markdown.replace(/\n{3,}/g, "\n\n").trim() };
}

/**
 * linkedom, loaded on first use: its CSS code makes an Intl.NumberFormat when it is evaluated, and
 * a V8 heap snapshot cannot hold one (built-in plugins start from snapshots of their evaluated
 * bundle). Imported here, it is evaluated at the first page, never in the snapshot.
 */
let loading: Promise<typeof import("linkedom")> | undefined;
function dom(): Promise<typeof import("linkedom")> {
  loading ??= import("linkedom");
  return loading;
}
