import type { IncomingMessage, ServerResponse } from "node:http";
import { listenLoopback, sendJson } from "./loopback-http.js";

/** A repository the stand-in serves: its files by path (text), and what its search lists. */
export interface GitHubRepo {
  fullName: string;
  description?: string;
  language?: string;
  stars?: number;
  defaultBranch?: string;
  /** Private: only a request with the token sees it. */
  private?: boolean;
  files: Record<string, string>;
}

export interface GitHubRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface GitHubServer {
  /** The REST API's base URL (as `https://api.github.com`). */
  apiUrl: string;
  /** The raw content base URL (as `https://raw.githubusercontent.com`). */
  rawUrl: string;
  requests: GitHubRequestRecord[];
  /** The next request is answered as GitHub answers when the rate limit is spent (403, remaining 0). */
  rateLimitNext(resetEpochSeconds: number): void;
  /** Where the contents API's `download_url`s point from now on (a hostile API answer; default: this server's raw files). */
  setDownloadOrigin(origin: string | undefined): void;
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";

const matchesQualifier = (repo: GitHubRepo, path: string, qualifiers: Map<string, string>): boolean => {
  const repoWanted = qualifiers.get("repo");
  if (repoWanted && repoWanted.toLowerCase() !== repo.fullName.toLowerCase()) return false;
  const user = qualifiers.get("user") ?? qualifiers.get("org");
  if (user && !repo.fullName.toLowerCase().startsWith(`${user.toLowerCase()}/`)) return false;
  const language = qualifiers.get("language")?.toLowerCase();
  const extension =
    qualifiers.get("extension") ?? (language === "python" ? "py" : language === "markdown" ? "md" : undefined);
  if (extension && !path.endsWith(`.${extension}`)) return false;
  const pathWanted = qualifiers.get("path");
  if (pathWanted && !path.startsWith(pathWanted.replace(/^\//, ""))) return false;
  const filename = qualifiers.get("filename");
  if (filename && path.split("/").pop() !== filename) return false;
  return true;
};

/** `words qualifier:value "a phrase"` as GitHub's search reads it. */
function parseQuery(q: string): { terms: string[]; qualifiers: Map<string, string> } {
  const terms: string[] = [];
  const qualifiers = new Map<string, string>();
  for (const match of q.matchAll(/(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/g)) {
    if (match[1]) qualifiers.set(match[1].toLowerCase(), (match[2] as string).replace(/^"|"$/g, ""));
    else terms.push((match[3] ?? match[4] ?? "").toLowerCase());
  }
  return { terms: terms.filter(Boolean), qualifiers };
}

/**
 * A loopback stand-in for GitHub's REST API and raw content host, for the GitHub tools' tests:
 * `GET /search/code` (a token is required, as on GitHub; `text-match` fragments when asked),
 * `GET /search/repositories`, `GET /repos/{owner}/{repo}`, `GET /repos/{owner}/{repo}/contents/{path}`
 * (a file as base64, a folder as a list; `?ref=`), and raw files under `/raw/{owner}/{repo}/{ref}/{path}`.
 * Errors in GitHub's words: 401 "Requires authentication", 404 "Not Found", 403 rate limited.
 */
export async function startGitHubServer(options: { repos: GitHubRepo[]; token?: string }): Promise<GitHubServer> {
  const requests: GitHubRequestRecord[] = [];
  let rateLimitReset: number | undefined;
  let downloadOrigin: string | undefined;
  const authed = (req: IncomingMessage) =>
    options.token !== undefined && req.headers.authorization === `Bearer ${options.token}`;
  const visible = (req: IncomingMessage) => options.repos.filter((repo) => !repo.private || authed(req));
  const findRepo = (req: IncomingMessage, owner: string, name: string) =>
    visible(req).find((repo) => repo.fullName.toLowerCase() === `${owner}/${name}`.toLowerCase());
  let origin = "";
  const repoJson = (repo: GitHubRepo) => ({
    full_name: repo.fullName,
    name: repo.fullName.split("/")[1],
    owner: { login: repo.fullName.split("/")[0] },
    private: repo.private ?? false,
    html_url: `https://github.com/${repo.fullName}`,
    description: repo.description ?? null,
    language: repo.language ?? null,
    stargazers_count: repo.stars ?? 0,
    default_branch: repo.defaultBranch ?? "main",
    updated_at: "2025-01-01T00:00:00Z",
  });
  const notFound = (res: ServerResponse) =>
    sendJson(res, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://loopback");
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    });
    if (rateLimitReset !== undefined) {
      const reset = rateLimitReset;
      rateLimitReset = undefined;
      return sendJson(
        res,
        403,
        { message: "API rate limit exceeded for 127.0.0.1.", documentation_url: DOCS },
        { "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      );
    }
    if (req.headers.authorization && !authed(req)) {
      return sendJson(res, 401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
    }
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "raw" && parts.length >= 5) {
      const [, owner = "", name = "", , ...path] = parts;
      const repo = findRepo(req, owner, name);
      const content = repo?.files[path.join("/")];
      if (content === undefined) {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("404: Not Found");
      }
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return res.end(content);
    }
    const perPage = Math.min(Number(url.searchParams.get("per_page")) || 30, 100);
    if (url.pathname === "/search/code") {
      if (!authed(req))
        return sendJson(res, 401, { message: "Requires authentication", documentation_url: DOCS, status: "401" });
      const { terms, qualifiers } = parseQuery(url.searchParams.get("q") ?? "");
      const items = [];
      for (const repo of visible(req)) {
        for (const [path, content] of Object.entries(repo.files)) {
          const lower = content.toLowerCase();
          if (!matchesQualifier(repo, path, qualifiers) || !terms.every((term) => lower.includes(term))) continue;
          const at = terms.length ? lower.indexOf(terms[0] as string) : 0;
          const start = Math.max(0, content.lastIndexOf("\n", Math.max(0, at - 80)) + 1);
          items.push({
            name: path.split("/").pop(),
            path,
            sha: "0".repeat(40),
            html_url: `https://github.com/${repo.fullName}/blob/${repo.defaultBranch ?? "main"}/${path}`,
            repository: repoJson(repo),
            score: 1,
            ...(/text-match/.test(String(req.headers.accept))
              ? { text_matches: [{ property: "content", fragment: content.slice(start, start + 200), matches: [] }] }
              : {}),
          });
        }
      }
      return sendJson(res, 200, {
        total_count: items.length,
        incomplete_results: false,
        items: items.slice(0, perPage),
      });
    }
    if (url.pathname === "/search/repositories") {
      const { terms, qualifiers } = parseQuery(url.searchParams.get("q") ?? "");
      const language = qualifiers.get("language")?.toLowerCase();
      const items = visible(req)
        .filter((repo) => {
          const text = `${repo.fullName} ${repo.description ?? ""}`.toLowerCase();
          return terms.every((term) => text.includes(term)) && (!language || repo.language?.toLowerCase() === language);
        })
        .sort((a, b) => (url.searchParams.get("sort") === "stars" ? (b.stars ?? 0) - (a.stars ?? 0) : 0))
        .map(repoJson);
      return sendJson(res, 200, {
        total_count: items.length,
        incomplete_results: false,
        items: items.slice(0, perPage),
      });
    }
    if (parts[0] === "repos" && parts.length >= 3) {
      const [, owner = "", name = "", action, ...rest] = parts;
      const repo = findRepo(req, owner, name);
      if (!repo) return notFound(res);
      if (!action) return sendJson(res, 200, repoJson(repo));
      if (action !== "contents") return notFound(res);
      const ref = url.searchParams.get("ref") ?? repo.defaultBranch ?? "main";
      if (ref !== (repo.defaultBranch ?? "main"))
        return sendJson(res, 404, { message: `No commit found for the ref ${ref}`, documentation_url: DOCS });
      const path = rest.join("/");
      const content = repo.files[path];
      if (content !== undefined) {
        const size = Buffer.byteLength(content);
        return sendJson(res, 200, {
          type: "file",
          name: path.split("/").pop(),
          path,
          sha: "0".repeat(40),
          size,
          html_url: `https://github.com/${repo.fullName}/blob/${ref}/${path}`,
          download_url: `${downloadOrigin ?? `${origin}/raw`}/${repo.fullName}/${ref}/${path}`,
          // Files over 1 MB come without their content, as on GitHub: read them from download_url.
          ...(size <= 1024 * 1024
            ? { encoding: "base64", content: Buffer.from(content).toString("base64") }
            : { encoding: "none", content: "" }),
        });
      }
      const prefix = path ? `${path}/` : "";
      const entries = new Map<string, { type: string; size: number }>();
      for (const [file, text] of Object.entries(repo.files)) {
        if (!file.startsWith(prefix)) continue;
        const [head = "", ...tail] = file.slice(prefix.length).split("/");
        entries.set(head, tail.length ? { type: "dir", size: 0 } : { type: "file", size: Buffer.byteLength(text) });
      }
      if (entries.size === 0) return notFound(res);
      return sendJson(
        res,
        200,
        [...entries.entries()].sort().map(([entry, info]) => ({ name: entry, path: `${prefix}${entry}`, ...info })),
      );
    }
    return notFound(res);
  };
  const server = await listenLoopback((req, res) => {
    handle(req, res);
  });
  origin = server.origin;
  return {
    apiUrl: server.origin,
    rawUrl: `${server.origin}/raw`,
    requests,
    rateLimitNext(reset) {
      rateLimitReset = reset;
    },
    setDownloadOrigin(value) {
      downloadOrigin = value;
    },
    close: server.close,
  };
}
