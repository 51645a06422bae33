import { defineTool } from "@pincer/sdk";
import { type Fetched, fetchPage } from "./fetch-page.js";
import { htmlToMarkdown } from "./html-to-markdown.js";

/** What one call returns at most; `offset` reads on. */
export const MAX_CHARS = 40_000;
const LIMITS = { maxBytes: 5 * 1024 * 1024, timeoutMs: 30_000, maxRedirects: 5 };
/** Pages kept for paging with `offset` (and repeated reads), for 15 minutes, as Claude Code does. */
const CACHE_ENTRIES = 8;
const CACHE_MS = 15 * 60_000;

interface Page {
  url: string;
  text: string;
  at: number;
  note: string;
}

/**
 * Claude Code's WebFetch: a page as Markdown (HTML through linkedom and turndown; text, Markdown
 * and JSON as they are), up to MAX_CHARS a call. Each call is asked by domain: its permission
 * subject is `domain:<host>`, so a rule `web_fetch(domain:docs.python.org)` allows that host (and
 * `domain:*.python.org` its subdomains). A redirect to another host is handed back rather than
 * followed, so that host is asked about too. The plugin's net grant is `*`: any public host, never
 * this machine or the local network unless the user grants such a host by name.
 */
export const webFetch = defineTool<{ url: string; offset?: number }>({
  name: "web_fetch",
  description: "Fetch a web page (http/https) as Markdown. Long pages come in parts: offset reads on.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      url: { type: "string" },
      offset: { type: "integer", minimum: 0 },
    },
    required: ["url"],
    additionalProperties: false,
  },
  permissionSubject: (args) => {
    const url = parse(args.url);
    return { kind: "text", value: `domain:${url instanceof URL ? url.hostname : "(not a URL)"}` };
  },
  async execute(args, ctx) {
    const url = parse(args.url);
    if (!(url instanceof URL)) return { content: url, isError: true };
    const offset = args.offset ?? 0;
    const cache = (ctx.state.get("pages") as Map<string, Page> | undefined) ?? new Map<string, Page>();
    ctx.state.set("pages", cache);
    let page = cache.get(url.href);
    if (!page || Date.now() - page.at > CACHE_MS) {
      let fetched: Fetched;
      try {
        fetched = await fetchPage(url, LIMITS, ctx.signal);
      } catch (error) {
        return { content: `Fetching ${url.href} failed: ${(error as Error).message}`, isError: true };
      }
      if (fetched.kind !== "page") return answerWithout(fetched);
      page = await toPage(fetched);
      cache.delete(url.href);
      cache.set(url.href, page);
      while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    }
    if (offset > 0 && offset >= page.text.length) {
      return {
        content: `Offset ${offset} is past the end of ${page.url} (${page.text.length} characters).`,
        isError: true,
      };
    }
    const end = Math.min(page.text.length, offset + MAX_CHARS);
    const more =
      end < page.text.length
        ? `\n\n[characters ${offset}-${end} of ${page.text.length}; call web_fetch with offset ${end} for more]`
        : "";
    return {
      content: `${page.note}${page.text.slice(offset, end)}${more}`,
      details: { url: page.url, chars: page.text.length, from: offset, to: end },
    };
  },
});

function parse(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text.slice(0, 200)}" is not a URL; give a full http:// or https:// URL.`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `Only http and https URLs are fetched, not ${url.protocol}`;
  if (url.username || url.password) return "URLs with a user name or password are not fetched.";
  url.hash = "";
  return url;
}

async function toPage(fetched: Extract<Fetched, { kind: "page" }>): Promise<Page> {
  const html = /html/.test(fetched.contentType) || (!fetched.contentType && /^\s*<(!doctype|html)/i.test(fetched.text));
  const converted = html ? await htmlToMarkdown(fetched.text) : undefined;
  const title = converted?.title ? `# ${converted.title}\n` : "";
  const cut = fetched.truncatedBytes > 0 ? `[the page is larger than 5 MB: its first 5 MB were read]\n` : "";
  return {
    url: fetched.url,
    text: converted ? converted.markdown : fetched.text,
    at: Date.now(),
    note: `${title}URL: ${fetched.url}\n${cut}\n`,
  };
}

function answerWithout(fetched: Exclude<Fetched, { kind: "page" }>) {
  switch (fetched.kind) {
    case "redirect":
      return {
        content: `${fetched.from} redirects (${fetched.status}) to ${fetched.to}, another host. To read it, call web_fetch with that URL.`,
        details: { redirect: fetched.to },
      };
    case "binary":
      return {
        content: `${fetched.url} is ${fetched.contentType} (${fetched.bytes} bytes), not a text page; web_fetch shows text only.`,
        details: { url: fetched.url, contentType: fetched.contentType },
      };
    case "http-error":
      return {
        content: `${fetched.url} answered ${fetched.status} ${fetched.statusText}.${fetched.text ? `\n${fetched.text}` : ""}`,
        isError: true,
        details: { url: fetched.url, status: fetched.status },
      };
  }
}
