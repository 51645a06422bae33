import type { PluginToolContext } from "@pincer/sdk";

/**
 * GitHub's REST API for the intern's reference-code tools: `GITHUB_API_BASE_URL` (default
 * https://api.github.com) and `GITHUB_RAW_BASE_URL` (default https://raw.githubusercontent.com)
 * point them at GitHub Enterprise or a stand-in; `GITHUB_TOKEN`, when set, goes to the API host
 * only (code search needs one; it also lifts the 60-requests-an-hour limit).
 */

export const GITHUB_API = "https://api.github.com";
export const GITHUB_RAW = "https://raw.githubusercontent.com";

/** A GitHub call that failed, with a sentence that says what to do about it. */
export class GitHubError extends Error {}

export interface GitHub {
  api: string;
  raw: string;
  hasToken: boolean;
  json<T>(path: string, what: string, accept?: string): Promise<T>;
  /** A download URL's text, fetched only from the raw host (never with the token). */
  rawText(url: string, what: string): Promise<string>;
}

const base = (value: string | undefined, fallback: string): string => (value || fallback).replace(/\/+$/, "");

async function messageOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    return typeof body.message === "string" ? body.message.slice(0, 300) : "";
  } catch {
    return "";
  }
}

async function failure(res: Response, what: string, hasToken: boolean): Promise<GitHubError> {
  const said = await messageOf(res);
  const detail = said ? ` (GitHub said: ${said})` : "";
  const remaining = res.headers.get("x-ratelimit-remaining");
  if ((res.status === 403 || res.status === 429) && (remaining === "0" || res.headers.has("retry-after"))) {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : "";
    const lift = hasToken ? "" : " Set GITHUB_TOKEN (any token with public read access) for 5,000 requests an hour.";
    return new GitHubError(`GitHub's rate limit is spent${when}: wait before searching again.${lift}${detail}`);
  }
  if (res.status === 401) {
    return new GitHubError(
      hasToken
        ? `GITHUB_TOKEN was refused: set it to a valid token (github.com/settings/tokens).${detail}`
        : `${what} needs a GitHub token: set GITHUB_TOKEN (a fine-grained token with public repository read access is enough).${detail}`,
    );
  }
  if (res.status === 404)
    return new GitHubError(
      `${what} was not found: check the owner/name, the path and the ref (a private repo needs GITHUB_TOKEN).${detail}`,
    );
  if (res.status === 422)
    return new GitHubError(`GitHub could not run ${what.toLowerCase()}: simplify the query.${detail}`);
  return new GitHubError(`HTTP ${res.status} from GitHub for ${what.toLowerCase()}.${detail}`);
}

export function gitHubOf(ctx: Pick<PluginToolContext, "env" | "signal">): GitHub {
  const api = base(ctx.env.get("GITHUB_API_BASE_URL"), GITHUB_API);
  const raw = base(ctx.env.get("GITHUB_RAW_BASE_URL"), GITHUB_RAW);
  const token = ctx.env.get("GITHUB_TOKEN");
  return {
    api,
    raw,
    hasToken: Boolean(token),
    async json<T>(path: string, what: string, accept = "application/vnd.github+json"): Promise<T> {
      const headers: Record<string, string> = { Accept: accept, "X-GitHub-Api-Version": "2022-11-28" };
      if (token) headers.Authorization = `Bearer ${token}`;
      let res: Response;
      try {
        res = await fetch(`${api}${path}`, { headers, signal: ctx.signal });
      } catch (error) {
        throw new GitHubError(`Could not reach ${api}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!res.ok) throw await failure(res, what, Boolean(token));
      return (await res.json()) as T;
    },
    async rawText(url: string, what: string): Promise<string> {
      if (!url.startsWith(`${raw}/`))
        throw new GitHubError(`${what} is served from ${new URL(url).host}, not ${raw}: open it on GitHub.`);
      const res = await fetch(url, { signal: ctx.signal });
      if (!res.ok) throw await failure(res, what, false);
      return await res.text();
    },
  };
}

/** `owner/name`, with a clear refusal of anything else (a URL to the repo is read as its id). */
export function repoIdOf(repo: string): string {
  const id = repo
    .trim()
    .replace(/^https?:\/\/(www\.)?github\.com\//, "")
    .replace(/\.git$/, "")
    .split("/")
    .slice(0, 2)
    .join("/");
  if (!/^[\w.-]+\/[\w.-]+$/.test(id) || id.includes("..")) {
    throw new GitHubError(
      `"${repo}" is not a GitHub repository: write it as owner/name (e.g. "huggingface/transformers").`,
    );
  }
  return id;
}

/** A path inside a repository, each segment URI-encoded; `..` and absolute paths are refused. */
export function repoPath(path: string): string {
  const parts = path
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter(Boolean);
  if (parts.some((part) => part === ".." || part === "."))
    throw new GitHubError(`"${path}" is not a path inside the repository.`);
  return parts.map(encodeURIComponent).join("/");
}
