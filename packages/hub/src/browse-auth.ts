import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkContentType, HubError, readBody } from "./http.js";
import { escapeHtml, sendPage, wantsHtml } from "./pages/layout.js";
import { bearerToken, secretsMatch } from "./request-gate.js";
import type { ScopedTokens } from "./scoped-tokens.js";

/**
 * Who may do what on the local Hub. The token (`Authorization: Bearer <token>`) may do everything,
 * as an HF token does on huggingface.co. A browser signs in once with it (a link ending in
 * `?token=<token>`, or the form on the sign-in page) and gets a cookie that only reads: GET and
 * HEAD, never a write, never a job. The cookie holds a value derived from the token, not the token,
 * is HttpOnly and SameSite=Strict, and is refused on a request a browser marks as coming from
 * another site.
 */
export class HubAuth {
  readonly #token: string;
  readonly #browse: string;

  constructor(
    token: string,
    /** Tokens minted for jobs, each reaching only its repos (scoped-tokens.ts). */
    private readonly scoped?: ScopedTokens,
  ) {
    if (!token) throw new Error("The local Hub needs a token");
    this.#token = token;
    this.#browse = createHmac("sha256", token).update("pincer-hub: browse").digest("base64url");
  }

  /** Whether the request may go on: the token, or a signed-in browser reading. */
  allows(req: IncomingMessage): boolean {
    if (secretsMatch(bearerToken(req), this.#token)) return true;
    if (this.scoped?.allows(req)) return true;
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const site = req.headers["sec-fetch-site"];
    if (site !== undefined && site !== "same-origin" && site !== "none") return false;
    return secretsMatch(cookie(req, cookieName(req)), this.#browse);
  }

  /**
   * `GET …?token=<token>`: signs this browser in and sends it to the same URL without the token.
   * Returns false when the URL carries no token.
   */
  signInFromLink(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if ((req.method !== "GET" && req.method !== "HEAD") || !url.searchParams.has("token")) return false;
    if (!secretsMatch(url.searchParams.get("token") ?? undefined, this.#token)) {
      signInPage(res, url.pathname, "That token is not this Hub's.");
      return true;
    }
    const next = new URL(url);
    next.searchParams.delete("token");
    // One leading slash: `//host` would send the browser to another site.
    this.#signIn(req, res, `/${next.pathname.replace(/^\/+/, "")}${next.search}`);
    return true;
  }

  /** `POST /login` from the sign-in form: `token` and the page to go back to. */
  async signInFromForm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkContentType(req, [/^application\/x-www-form-urlencoded$/]);
    const form = new URLSearchParams((await readBody(req, 8 * 1024)).toString("utf8"));
    const next = form.get("next") ?? "/";
    const target = next.startsWith("/") && !next.startsWith("//") && !next.includes("\\") ? next : "/";
    if (!secretsMatch(form.get("token") ?? undefined, this.#token)) {
      signInPage(res, target, "That token is not this Hub's.");
      return;
    }
    this.#signIn(req, res, target);
  }

  #signIn(req: IncomingMessage, res: ServerResponse, location: string): void {
    res.writeHead(303, {
      Location: location,
      "Set-Cookie": `${cookieName(req)}=${this.#browse}; HttpOnly; SameSite=Strict; Path=/`,
      "Content-Length": 0,
      "Cache-Control": "no-store",
    });
    res.end();
  }

  /** The refusal of a request without the token: the sign-in page for a browser, the Hub's 401 for a client. */
  refuse(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (wantsHtml(req) && (req.method === "GET" || req.method === "HEAD")) {
      signInPage(res, `${url.pathname}${url.search}`);
      return;
    }
    throw new HubError(
      401,
      req.headers.authorization ? "Invalid credentials in Authorization header" : "Invalid username or password.",
    );
  }
}

/** Cookies are per host, not per port: the port in the name keeps two local Hubs apart. */
function cookieName(req: IncomingMessage): string {
  const port = /:(\d+)$/.exec(req.headers.host ?? "")?.[1] ?? "80";
  return `pincer_hub_${port}`;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function signInPage(res: ServerResponse, next: string, problem?: string): void {
  sendPage(
    res,
    401,
    "Sign in",
    `<h1>This local Hub needs its token</h1>
${problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : ""}
<p>Every request to it carries the token from <code>PINCER_HOME/hub/token</code> (or the one it was started with).
<code>pincer hub serve</code> prints a link that signs this browser in; or paste the token here.
Signed in, this browser can read this Hub; writing still needs the token itself.</p>
<form method="post" action="/login"><input type="hidden" name="next" value="${escapeHtml(next)}">
<input type="password" name="token" autocomplete="off" size="50" aria-label="token"> <button type="submit">Sign in</button></form>`,
  );
}
