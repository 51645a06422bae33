import { defineTool } from "@pincer/sdk";
import {
  apiRepoPath,
  checkRepoId,
  encodePath,
  formatBytes,
  gitRepoPath,
  guarded,
  HubHttpError,
  hubOf,
  REPO_TYPES,
  type RepoType,
} from "./hub.js";
import { repoParam, revisionParam, textSubject, typeParam } from "./params.js";

const MAX_ENTRIES = 500;
/** What hf_read_file returns at most by default; more with maxBytes, up to READ_LIMIT. */
const READ_DEFAULT = 100_000;
const READ_LIMIT = 1_000_000;

interface RepoSummary {
  id: string;
  downloads?: number;
  likes?: number;
  lastModified?: string;
  private?: boolean;
  pipeline_tag?: string | null;
  library_name?: string | null;
}

interface SearchArgs {
  kind?: RepoType;
  query?: string;
  task?: string;
  library?: string;
  author?: string;
  tags?: string[];
  sort?: "downloads" | "likes" | "lastModified" | "createdAt" | "trendingScore";
  limit?: number;
}

export const hfHubSearch = defineTool<SearchArgs>({
  name: "hf_hub_search",
  description:
    "Search the Hugging Face Hub for models, datasets or spaces: by words in the repo id, task (pipeline tag), library, author and tags (all must match), sorted as asked. Returns repo ids with task, library, downloads, likes and last update; use hf_repo_files or hf_read_file to look inside one.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      kind: {
        type: "string",
        enum: REPO_TYPES,
        description: 'What to search: "model" (default), "dataset" or "space".',
      },
      query: { type: "string", description: "Words to find in the repo id (empty lists the latest)." },
      task: { type: "string", description: 'A model task (pipeline tag), e.g. "text-classification".' },
      library: { type: "string", description: 'A library, e.g. "transformers", "sklearn", "peft".' },
      author: { type: "string", description: "A user or organization." },
      tags: {
        type: "array",
        items: { type: "string" },
        description:
          'Tags every result carries, e.g. "license:mit", "arxiv:2106.09685", "task_categories:text-classification".',
      },
      sort: {
        type: "string",
        enum: ["downloads", "likes", "lastModified", "createdAt", "trendingScore"],
        description: "Most first (default: the Hub's relevance order).",
      },
      limit: { type: "integer", minimum: 1, maximum: 100, description: "How many results (default 10)." },
    },
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const kind = args.kind ?? "model";
      const limit = Math.min(Math.max(args.limit ?? 10, 1), 100);
      const params = new URLSearchParams({ limit: String(limit) });
      if (args.query) params.set("search", args.query);
      if (args.task)
        params.set(
          kind === "model" ? "pipeline_tag" : "filter",
          kind === "model" ? args.task : `task_categories:${args.task}`,
        );
      if (args.library) params.set("library", args.library);
      if (args.author) params.set("author", args.author);
      for (const tag of args.tags ?? []) params.append("filter", tag);
      if (args.sort) {
        params.set("sort", args.sort);
        params.set("direction", "-1");
      }
      const items = await hub.json<RepoSummary[]>(`/api/${kind}s?${params}`, { what: `The ${kind} search` });
      if (items.length === 0) {
        const asked = [
          args.query && `"${args.query}"`,
          args.task && `task ${args.task}`,
          args.library && `library ${args.library}`,
          args.author && `author ${args.author}`,
          ...(args.tags ?? []).map((tag) => `tag ${tag}`),
        ].filter(Boolean);
        return { content: `No ${kind}s match${asked.length ? ` ${asked.join(", ")}` : ""}.`, details: { results: [] } };
      }
      const lines = items.map((item) => {
        const facts = [
          item.pipeline_tag,
          item.library_name,
          item.downloads !== undefined ? `${item.downloads} downloads` : undefined,
          item.likes !== undefined ? `${item.likes} likes` : undefined,
          item.lastModified ? `updated ${item.lastModified.slice(0, 10)}` : undefined,
          item.private ? "private" : undefined,
        ].filter(Boolean);
        return `${item.id}${facts.length ? ` (${facts.join(", ")})` : ""}`;
      });
      return {
        content: `${items.length} ${kind}${items.length === 1 ? "" : "s"}:\n${lines.join("\n")}`,
        details: { results: items.map((item) => item.id) },
      };
    }),
});

interface TreeEntry {
  type: "file" | "directory";
  path: string;
  size: number;
  lfs?: unknown;
}

export const hfRepoFiles = defineTool<{ repo: string; type?: RepoType; revision?: string; path?: string }>({
  name: "hf_repo_files",
  description:
    "List the files of a Hugging Face repo (recursively, with sizes), optionally under a folder and at a revision.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      type: typeParam,
      revision: revisionParam,
      path: { type: "string", description: "A folder inside the repo (default: the root)." },
    },
    required: ["repo"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const rev = encodeURIComponent(args.revision ?? "main");
      const folder = args.path ? `/${encodePath(args.path)}` : "";
      const entries = await hub.json<TreeEntry[]>(`${apiRepoPath(type, repo)}/tree/${rev}${folder}?recursive=true`, {
        what: `The ${type} repo ${repo}${args.path ? ` (or its folder ${args.path})` : ""}`,
      });
      const files = entries.filter((entry) => entry.type === "file");
      if (files.length === 0) return { content: `${repo} has no files${args.path ? ` under ${args.path}` : ""}.` };
      const shown = files.slice(0, MAX_ENTRIES).map((f) => `${f.path} (${formatBytes(f.size)}${f.lfs ? ", LFS" : ""})`);
      const more = files.length > MAX_ENTRIES ? `\n[${files.length - MAX_ENTRIES} more files not shown]` : "";
      return {
        content: `${files.length} file${files.length === 1 ? "" : "s"} in ${repo}:\n${shown.join("\n")}${more}`,
        details: { files: files.map((f) => ({ path: f.path, size: f.size })) },
      };
    }),
});

export const hfReadFile = defineTool<{
  repo: string;
  path: string;
  type?: RepoType;
  revision?: string;
  maxBytes?: number;
}>({
  name: "hf_read_file",
  description:
    "Read a text file from a Hugging Face repo (a README, config.json, a script, the head of a CSV). Large files are cut at maxBytes; binary files are only described.",
  kind: "read",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      path: { type: "string", description: 'The file\'s path in the repo (e.g. "config.json").' },
      type: typeParam,
      revision: revisionParam,
      maxBytes: {
        type: "integer",
        minimum: 1,
        maximum: READ_LIMIT,
        description: `Read at most this many bytes (default ${READ_DEFAULT}).`,
      },
    },
    required: ["repo", "path"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const max = Math.min(args.maxBytes ?? READ_DEFAULT, READ_LIMIT);
      const url = `${gitRepoPath(type, repo)}/resolve/${encodeURIComponent(args.revision ?? "main")}/${encodePath(args.path)}`;
      const res = await hub.request(url, {
        headers: { Range: `bytes=0-${max - 1}` },
        what: `The file ${args.path} in the ${type} repo ${repo}`,
      });
      const total = totalSize(res) ?? undefined;
      const bytes = await readAtMost(res, max);
      if (bytes.includes(0)) {
        return {
          content: `${args.path} is a binary file${total !== undefined ? ` of ${formatBytes(total)}` : ""}; it can't be shown as text.`,
          details: { binary: true, size: total },
        };
      }
      const text = new TextDecoder().decode(bytes);
      const size = total ?? bytes.length;
      const note = size > bytes.length ? `\n[cut at ${bytes.length} of ${size} bytes; pass maxBytes to read more]` : "";
      return { content: `${text}${note}`, details: { size, truncated: size > bytes.length } };
    }),
});

/** The whole file's size, from Content-Range on a partial answer or Content-Length on a full one. */
function totalSize(res: Response): number | null {
  const range = res.headers.get("content-range");
  const match = range ? /\/(\d+)$/.exec(range) : null;
  if (match) return Number(match[1]);
  const length = res.headers.get("content-length");
  return res.status === 200 && length ? Number(length) : null;
}

async function readAtMost(res: Response, max: number): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return out.subarray(0, 0);
  while (size < max) {
    const { value, done } = await reader.read();
    if (done) break;
    const take = Math.min(value.length, max - size);
    out.set(value.subarray(0, take), size);
    size += take;
  }
  await reader.cancel().catch(() => undefined);
  return out.subarray(0, size);
}

interface CommitAnswer {
  commitOid?: string;
  commitUrl?: string;
}

async function commit(
  ctx: Parameters<typeof hubOf>[0],
  type: RepoType,
  repo: string,
  revision: string | undefined,
  summary: string,
  operation: Record<string, unknown>,
): Promise<CommitAnswer> {
  const hub = hubOf(ctx);
  const body = [{ key: "header", value: { summary, description: "" } }, operation]
    .map((line) => JSON.stringify(line))
    .join("\n");
  return hub.json<CommitAnswer>(`${apiRepoPath(type, repo)}/commit/${encodeURIComponent(revision ?? "main")}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body,
    what: `The ${type} repo ${repo}${revision ? ` (or its branch ${revision})` : ""}`,
  });
}

export const hfDeleteFile = defineTool<{
  repo: string;
  path: string;
  type?: RepoType;
  revision?: string;
  message?: string;
}>({
  name: "hf_delete_file",
  description:
    "Delete a file from a Hugging Face repo as one commit. This changes a remote repo (history keeps the old version): it asks first.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      path: { type: "string", description: "The file's path in the repo." },
      type: typeParam,
      revision: { type: "string", description: 'The branch to commit to (default "main").' },
      message: { type: "string", description: "The commit message (default: Delete <path>)." },
    },
    required: ["repo", "path"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}/${args.path}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const path = args.path.replace(/^\/+/, "");
      const answer = await commit(ctx, type, repo, args.revision, args.message || `Delete ${path}`, {
        key: "deletedFile",
        value: { path },
      });
      return {
        content: `Deleted ${path} from ${repo}${answer.commitOid ? ` in commit ${answer.commitOid.slice(0, 12)}` : ""}.`,
        details: answer,
      };
    }),
});

export const hfCreateRepo = defineTool<{ name: string; type?: RepoType; private?: boolean }>({
  name: "hf_create_repo",
  description:
    'Create a new repo on the Hugging Face Hub (a model, dataset or space). name is "name" (under your user) or "owner/name". It asks first; creating one that exists fails with 409.',
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      name: { type: "string", description: 'The new repo: "name" under your user, or "org/name".' },
      type: typeParam,
      private: { type: "boolean", description: "Make it private (default false)." },
    },
    required: ["name"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(args.name),
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const parts = args.name.trim().split("/");
      if (parts.length > 2 || parts.some((part) => !/^[\w.-]+$/.test(part))) {
        throw new HubHttpError(400, `"${args.name}" is not a valid repo name: use "name" or "owner/name".`);
      }
      const [organization, name] = parts.length === 2 ? parts : [undefined, parts[0]];
      const answer = await hub.json<{ url?: string; name?: string }>("/api/repos/create", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name, type, private: args.private ?? false, ...(organization ? { organization } : {}) }),
        what: `The ${type} repo ${args.name}`,
      });
      const id = answer.name ?? args.name;
      return {
        content: `Created ${args.private ? "private " : ""}${type} repo ${id}${answer.url ? `: ${answer.url}` : ""}.`,
        details: { id, type, url: answer.url },
      };
    }),
});
