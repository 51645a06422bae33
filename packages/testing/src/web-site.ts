import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The article page web_fetch tests read: a title, a menu, main content, scripts, a form, a footer. */
export const ARTICLE_HTML = `<!doctype html>
<html><head><title>  Tide tables
 explained </title><style>body { color: red }</style><script>stealCookies()</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<main>
<h1>Tide tables</h1>
<p>The moon pulls the <strong>sea</strong>; see <a href="https://example.org/moon">the moon page</a>.</p>
<ul><li>high water</li><li>low water</li></ul>
<pre><code class="language-python">print("tide")</code></pre>
<img src="data:image/png;base64,AAAA" alt="a tide chart">
<script>alert("x")</script>
<form><input name="q"><button>Search</button></form>
</main>
<footer>© the harbour</footer>
</body></html>`;

export interface WebSite {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests each path got. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A small web site on loopback for web_fetch's tests: an article, text, JSON, a long page, a page
 * over the size cap, redirects within and out of the host, a 404, an image, Latin-1 text. It
 * counts the requests each path gets.
 */
export async function startWebSite(): Promise<WebSite> {
  const hits = new Map<string, number>();
  let port = 0;
  const server: Server = createServer((request, response) => {
    const path = request.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": type, ...headers });
      response.end(body);
    };
    switch (path) {
      case "/article":
        return send(200, "text/html; charset=utf-8", ARTICLE_HTML);
      case "/notes.txt":
        return send(200, "text/plain", "plain notes\n");
      case "/data.json":
        return send(200, "application/json", '{"tide":"high"}');
      case "/long":
        return send(200, "text/plain", `${"0123456789".repeat(5000)}END`);
      case "/huge": {
        // 6 MB, written in pieces: the reader stops at 5 MB.
        response.writeHead(200, { "content-type": "text/plain" });
        const piece = "x".repeat(1024 * 1024);
        for (let i = 0; i < 6; i++) response.write(piece);
        return response.end();
      }
      case "/moved":
        return send(301, "text/plain", "", { location: "/article" });
      case "/elsewhere":
        return send(302, "text/plain", "", { location: `http://localhost:${port}/article` });
      case "/image.png":
        return send(200, "image/png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
      case "/latin1":
        return send(200, "text/plain; charset=iso-8859-1", Buffer.from([0x63, 0x61, 0x66, 0xe9]));
      default:
        return send(404, "text/html", "<h1>Not here</h1>");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
