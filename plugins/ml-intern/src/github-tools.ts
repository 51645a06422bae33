import { defineTool, type ToolResult } from "@pincer/sdk";
import { GitHubError, gitHubOf, repoIdOf, repoPath } from "./github.js";

const FRAGMENT_CHARS = 300;
/** What github_read_file returns at most; past it, ask for a line range. */
const READ_CHARS = 100_000;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

async function guarded(body: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof GitHubError) return { content: error.message, isError: true };
    if (error instanceof Error && error.name === "AbortError") return { content: "Cancelled.", isError: true };
    throw error;
  }
}

const quoteTerm = (value: string): string => (/\s/.test(value) ? `"${value.replace(/"/g, "")}"` : value);

interface CodeItem {
  path: string;
  html_url: string;
  repository: { full_name: string };
  text_matches?: { fragment?: string }[];
}

export const githubSearchCode = defineTool<{
  query: string;
  repo?: string;
  language?: string;
  path?: string;
  limit?: number;
}>({
  name: "github_search_code",
  description:
    "Search code on GitHub for reference implementations (a training loop, a loss, a paper's official code): returns repo:path with a matching fragment; read a file with github_read_file. Needs GITHUB_TOKEN (GitHub requires a token for code search).",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", minLength: 1, description: 'Words in the code, e.g. "LoraConfig target_modules".' },
      repo: { type: "string", description: "Only this repository (owner/name)." },
      language: { type: "string", description: 'e.g. "python".' },
      path: { type: "string", description: "Only files under this folder." },
      limit: { type: "integer", minimum: 1, maximum: 50, description: "How many results (default 10)." },
    },
    required: ["query"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const github = gitHubOf(ctx);
      const q = [
        args.query,
        args.repo ? `repo:${repoIdOf(args.repo)}` : "",
        args.language ? `language:${quoteTerm(args.language)}` : "",
        args.path ? `path:${quoteTerm(args.path)}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      const limit = Math.min(Math.max(args.limit ?? 10, 1), 50);
      const found = await github.json<{ total_count: number; items: CodeItem[] }>(
        `/search/code?${new URLSearchParams({ q, per_page: String(limit) })}`,
        "Code search",
        "application/vnd.github.text-match+json",
      );
      if (found.items.length === 0) return { content: `No code on GitHub matches ${q}.`, details: { results: [] } };
      const lines = found.items.map((item) => {
        const fragment = item.text_matches?.[0]?.fragment?.trim();
        return `${item.repository.full_name}:${item.path}${fragment ? `\n    ${clip(fragment, FRAGMENT_CHARS).replace(/\n/g, "\n    ")}` : ""}`;
      });
      return {
        content: `${found.total_count} result${found.total_count === 1 ? "" : "s"} for ${q} (first ${found.items.length}):\n${lines.join("\n")}`,
        details: {
          results: found.items.map((item) => ({
            repo: item.repository.full_name,
            path: item.path,
            url: item.html_url,
          })),
        },
      };
    }),
});

interface RepoItem {
  full_name: string;
  description: string | null;
  language: string | null;
  stargazers_count: number;
  updated_at: string;
  html_url: string;
}

export const githubSearchRepos = defineTool<{
  query: string;
  language?: string;
  sort?: "stars" | "updated";
  limit?: number;
}>({
  name: "github_search_repos",
  description:
    "Search GitHub repositories (a paper's official code, a library's examples) by words in their name and description: returns owner/name with stars, language, last update and description.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      query: { type: "string", minLength: 1, description: 'e.g. "LoRA low-rank adaptation".' },
      language: { type: "string", description: 'e.g. "python".' },
      sort: { type: "string", enum: ["stars", "updated"], description: "Default: best match." },
      limit: { type: "integer", minimum: 1, maximum: 50, description: "How many results (default 10)." },
    },
    required: ["query"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const github = gitHubOf(ctx);
      const q = [args.query, args.language ? `language:${quoteTerm(args.language)}` : ""].filter(Boolean).join(" ");
      const params = new URLSearchParams({ q, per_page: String(Math.min(Math.max(args.limit ?? 10, 1), 50)) });
      if (args.sort) params.set("sort", args.sort);
      const found = await github.json<{ total_count: number; items: RepoItem[] }>(
        `/search/repositories?${params}`,
        "Repository search",
      );
      if (found.items.length === 0)
        return { content: `No repositories on GitHub match ${q}.`, details: { results: [] } };
      const lines = found.items.map((repo) => {
        const facts = [`★${repo.stargazers_count}`, repo.language, `updated ${repo.updated_at.slice(0, 10)}`].filter(
          Boolean,
        );
        return `${repo.full_name} (${facts.join(", ")})${repo.description ? `: ${clip(repo.description, 200)}` : ""}`;
      });
      return {
        content: `${found.total_count} repositor${found.total_count === 1 ? "y" : "ies"} for ${q} (first ${found.items.length}):\n${lines.join("\n")}`,
        details: { results: found.items.map((repo) => repo.full_name) },
      };
    }),
});

interface ContentFile {
  type: "file";
  size: number;
  encoding?: string;
  content?: string;
  download_url?: string | null;
  html_url: string;
}
type ContentEntry = { type: string; name: string; path: string; size: number };

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text.replace(/\s/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export const githubReadFile = defineTool<{
  repo: string;
  path?: string;
  ref?: string;
  startLine?: number;
  endLine?: number;
}>({
  name: "github_read_file",
  description:
    "Read a file from a GitHub repository (or list a folder's files): its text, or the lines startLine..endLine of a long one. Without path, lists the repository's top folder.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      repo: { type: "string", description: "owner/name (or its github.com URL)." },
      path: { type: "string", description: "A file or folder in the repository (default: the top folder)." },
      ref: { type: "string", description: "A branch, tag or commit (default: the default branch)." },
      startLine: { type: "integer", minimum: 1 },
      endLine: { type: "integer", minimum: 1 },
    },
    required: ["repo"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const github = gitHubOf(ctx);
      const repo = repoIdOf(args.repo);
      const path = repoPath(args.path ?? "");
      const where = `${repo}:${args.path ?? "/"}${args.ref ? `@${args.ref}` : ""}`;
      const query = args.ref ? `?${new URLSearchParams({ ref: args.ref })}` : "";
      const found = await github.json<ContentFile | ContentEntry[]>(`/repos/${repo}/contents/${path}${query}`, where);
      if (Array.isArray(found)) {
        const lines = found.map((entry) => `${entry.path}${entry.type === "dir" ? "/" : ` (${entry.size} bytes)`}`);
        return {
          content: `${where} holds ${found.length} entries:\n${lines.join("\n")}`,
          details: { entries: found.map((e) => e.path) },
        };
      }
      if (found.type !== "file")
        return { content: `${where} is a ${String((found as { type?: unknown }).type)}, not a file.`, isError: true };
      const bytes =
        found.encoding === "base64" && found.content
          ? decodeBase64(found.content)
          : new TextEncoder().encode(found.download_url ? await github.rawText(found.download_url, where) : "");
      if (bytes.subarray(0, 8000).includes(0)) {
        return {
          content: `${where} is a binary file (${found.size} bytes): ${found.html_url}`,
          details: { size: found.size, binary: true },
        };
      }
      const all = new TextDecoder().decode(bytes).split("\n");
      const start = Math.max(1, args.startLine ?? 1);
      const end = Math.min(all.length, args.endLine ?? all.length);
      if (start > all.length)
        return { content: `${where} has ${all.length} lines; startLine ${start} is past its end.`, isError: true };
      let text = all.slice(start - 1, end).join("\n");
      let shownEnd = end;
      if (text.length > READ_CHARS) {
        text = text.slice(0, READ_CHARS);
        shownEnd = start + text.split("\n").length - 1;
      }
      const whole = start === 1 && shownEnd === all.length;
      const header = whole
        ? `${where} (${all.length} lines)`
        : `${where} (lines ${start}–${shownEnd} of ${all.length}; read on with startLine)`;
      return {
        content: `${header}\n${text}`,
        details: { lines: all.length, start, end: shownEnd, url: found.html_url },
      };
    }),
});
