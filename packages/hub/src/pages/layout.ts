import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The local Hub's pages for a person in a browser: plain HTML, no script at all (the CSP forbids
 * it), every value escaped. A request that asks for HTML (`Accept: text/html`, as a browser's
 * navigation does) gets a page; API clients keep getting JSON from the same URL.
 */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put between tags or inside a quoted attribute. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** A path of segments as a URL path, each segment percent-encoded. */
export const urlPath = (...segments: string[]): string =>
  `/${segments
    .flatMap((segment) => segment.split("/"))
    .filter(Boolean)
    .map(encodeURIComponent)
    .join("/")}`;

/** Whether the client asked for a page: a browser navigating lists text/html in Accept; API clients don't. */
export const wantsHtml = (req: IncomingMessage): boolean => /\btext\/html\b/i.test(req.headers.accept ?? "");

/** No script, no frames, no plugins; styles inline; images from here; forms only back to here. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:10px 24px}
header a{color:#1f2328;text-decoration:none;font-weight:600}
main{max-width:980px;margin:0 auto;padding:16px 24px}
h1{font-size:22px;margin:8px 0}
.muted{color:#59636e}
.badge{display:inline-block;border:1px solid #d0d7de;border-radius:10px;padding:0 8px;font-size:12px;margin-left:6px}
table{border-collapse:collapse;width:100%;margin:12px 0}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:13px;white-space:pre-wrap;word-break:break-word}
code{font-size:13px}
article{border:1px solid #d0d7de;border-radius:6px;padding:4px 20px;margin:16px 0}
a{color:#0969da}
`;

/** A whole page around `body` (already HTML), titled with `title` (text). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · local Hub</title><style>${STYLE}</style></head>
<body><header><a href="/">Pincer local Hub</a></header><main>
${body}
</main></body></html>
`;
}

export function sendPage(res: ServerResponse, status: number, title: string, body: string, headers = {}): void {
  const html = page(title, body);
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : html);
}

/** Bytes as people read them: 812 B, 3.4 KB, 1.2 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
