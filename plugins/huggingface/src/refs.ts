import { defineTool } from "@pincer/sdk";
import { apiRepoPath, checkRepoId, gitRepoPath, guarded, HubHttpError, hubOf, type RepoType } from "./hub.js";
import { repoParam, textSubject, typeParam } from "./params.js";

/**
 * Branches, tags and pull requests of a Hub repo. On the Hub a pull request is `refs/pr/N`: open
 * one empty here (a draft), or with files through hf_upload_file / hf_upload_folder `createPr`;
 * commit more to it with revision "refs/pr/N".
 */

/** A branch or tag name as the Hub takes it: no spaces, no "..", no leading "refs/". */
function checkRefName(name: string, what: string): string {
  const clean = name.trim();
  if (!clean || /\s|\.\.|^refs\/|^\/|\/$|[~^:?*[\\]/.test(clean)) {
    throw new HubHttpError(400, `"${name}" is not a valid ${what} name: use letters, digits, ".", "-", "_" and "/".`);
  }
  return clean;
}

interface GitRef {
  name: string;
  ref: string;
  targetCommit: string;
}

interface DiscussionSummary {
  num: number;
  title: string;
  status: string;
  isPullRequest: boolean;
  author?: { name?: string };
  createdAt?: string;
}

export const hfListRefs = defineTool<{ repo: string; type?: RepoType }>({
  name: "hf_list_refs",
  description:
    "List a Hugging Face repo's branches and tags (with the commit each points to) and its open pull requests.",
  kind: "read",
  parameters: {
    type: "object",
    properties: { repo: repoParam, type: typeParam },
    required: ["repo"],
    additionalProperties: false,
  },
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const what = `The ${type} repo ${repo}`;
      const refs = await hub.json<{ branches?: GitRef[]; tags?: GitRef[] }>(`${apiRepoPath(type, repo)}/refs`, {
        what,
      });
      const prs = await hub.json<{ discussions?: DiscussionSummary[]; count?: number }>(
        `${apiRepoPath(type, repo)}/discussions?type=pull_request&status=open`,
        { what },
      );
      const line = (ref: GitRef) => `${ref.name} (${ref.targetCommit.slice(0, 12)})`;
      const pulls = (prs.discussions ?? []).filter((d) => d.isPullRequest);
      const text = [
        `Branches: ${(refs.branches ?? []).map(line).join(", ") || "none"}`,
        `Tags: ${(refs.tags ?? []).map(line).join(", ") || "none"}`,
        pulls.length
          ? `Open pull requests:\n${pulls.map((d) => `#${d.num} ${d.title} (refs/pr/${d.num}${d.author?.name ? `, by ${d.author.name}` : ""}${d.status === "draft" ? ", draft" : ""})`).join("\n")}`
          : "Open pull requests: none",
      ];
      return {
        content: text.join("\n"),
        details: {
          branches: refs.branches ?? [],
          tags: refs.tags ?? [],
          pullRequests: pulls.map((d) => ({ num: d.num, title: d.title, status: d.status, ref: `refs/pr/${d.num}` })),
        },
      };
    }),
});

export const hfCreateBranch = defineTool<{ repo: string; branch: string; from?: string; type?: RepoType }>({
  name: "hf_create_branch",
  description:
    "Create a branch in a Hugging Face repo, from main or another branch, tag or commit. It asks first; a branch that exists fails with 409.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      branch: { type: "string", description: 'The new branch (e.g. "experiment-lr3e-4").' },
      from: { type: "string", description: 'Where it starts: a branch, tag or commit (default "main").' },
      type: typeParam,
    },
    required: ["repo", "branch"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}@${args.branch}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const branch = checkRefName(args.branch, "branch");
      await hubOf(ctx).request(`${apiRepoPath(type, repo)}/branch/${encodeURIComponent(branch)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(args.from ? { startingPoint: args.from } : {}),
        what: `The branch ${branch} (or the ${type} repo ${repo}${args.from ? `, or its revision ${args.from}` : ""})`,
      });
      return {
        content: `Created branch ${branch} in ${repo} from ${args.from ?? "main"}. Upload to it with revision "${branch}".`,
        details: { repo, branch, from: args.from ?? "main" },
      };
    }),
});

export const hfDeleteBranch = defineTool<{ repo: string; branch: string; type?: RepoType }>({
  name: "hf_delete_branch",
  description: "Delete a branch of a Hugging Face repo (not the default one). It asks first.",
  kind: "other",
  parameters: {
    type: "object",
    properties: { repo: repoParam, branch: { type: "string", description: "The branch to delete." }, type: typeParam },
    required: ["repo", "branch"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}@${args.branch}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const branch = checkRefName(args.branch, "branch");
      await hubOf(ctx).request(`${apiRepoPath(type, repo)}/branch/${encodeURIComponent(branch)}`, {
        method: "DELETE",
        what: `The branch ${branch} of the ${type} repo ${repo}`,
      });
      return { content: `Deleted branch ${branch} of ${repo}.`, details: { repo, branch } };
    }),
});

export const hfCreateTag = defineTool<{
  repo: string;
  tag: string;
  revision?: string;
  message?: string;
  type?: RepoType;
}>({
  name: "hf_create_tag",
  description:
    'Tag a revision of a Hugging Face repo (e.g. "v1.0" on the commit that holds a trained model). It asks first; a tag that exists fails with 409.',
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      tag: { type: "string", description: 'The tag (e.g. "v1.0").' },
      revision: { type: "string", description: 'The branch or commit to tag (default "main").' },
      message: { type: "string", description: "The tag's message." },
      type: typeParam,
    },
    required: ["repo", "tag"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}@${args.tag}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const tag = checkRefName(args.tag, "tag");
      const revision = args.revision ?? "main";
      await hubOf(ctx).request(`${apiRepoPath(type, repo)}/tag/${encodeURIComponent(revision)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tag, ...(args.message ? { message: args.message } : {}) }),
        what: `The tag ${tag} (or the ${type} repo ${repo}, or its revision ${revision})`,
      });
      return { content: `Tagged ${revision} of ${repo} as ${tag}.`, details: { repo, tag, revision } };
    }),
});

export const hfCreatePr = defineTool<{ repo: string; title: string; description?: string; type?: RepoType }>({
  name: "hf_create_pr",
  description:
    'Open a pull request on a Hugging Face repo (a draft, with no changes yet), then commit to it with hf_upload_file or hf_upload_folder revision "refs/pr/N". To open one with files at once, use their createPr instead. It asks first.',
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      title: { type: "string", description: "The pull request's title." },
      description: { type: "string", description: "What it changes and why (Markdown)." },
      type: typeParam,
    },
    required: ["repo", "title"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(args.repo),
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      if (args.title.trim().length < 3) throw new HubHttpError(400, "The title must be at least 3 characters long.");
      const answer = await hub.json<{ num: number }>(`${apiRepoPath(type, repo)}/discussions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: args.title.trim(), description: args.description ?? "", pullRequest: true }),
        what: `The ${type} repo ${repo}`,
      });
      const url = `${hub.endpoint}${gitRepoPath(type, repo)}/discussions/${answer.num}`;
      return {
        content: `Opened draft pull request #${answer.num} on ${repo}: ${url}. Commit to it with revision "refs/pr/${answer.num}".`,
        details: { repo, num: answer.num, ref: `refs/pr/${answer.num}`, url },
      };
    }),
});
