import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { checkRepoId, formatBytes, guarded, HubHttpError, type RepoType } from "./hub.js";
import { repoParam, textSubject, typeParam } from "./params.js";
import { type UploadResult, type UploadSource, uploadFiles } from "./upload.js";

/**
 * hf_upload_file and hf_upload_folder: text written by the model, or files and folders from the
 * workspace (read through the plugin's fs grant), committed in one commit on a branch or as a new
 * pull request. Binary and large files go through LFS; see upload.ts and upload-lfs.ts.
 */

/**
 * The most one upload call sends, in one file or in all of a folder's. Larger files never sit in
 * memory (they are read, hashed and sent a piece at a time), so the bound is CPU: every byte is
 * hashed in plain JavaScript inside the sandbox, which gives a call 30 s of CPU. Measured on the
 * development machine: the hash alone runs at about 135 MB/s, a whole multipart upload (ranged
 * reads, hash, parts copied out) at about 100 MB per second of isolate CPU (512 MB: 5.0 s). So
 * 1 GB takes about 10 s of the 30, leaving room for a machine three times slower.
 */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const MAX_FILES = 2000;
/** What huggingface_hub's upload_folder leaves out, plus caches nobody means to publish. */
const SKIPPED_NAMES = new Set([".git", ".cache", "__pycache__", ".DS_Store", "node_modules", ".venv"]);

const commitParams = {
  type: typeParam,
  revision: {
    type: "string",
    description: 'The branch to commit to (default "main"), or "refs/pr/N" to add to pull request N.',
  },
  message: { type: "string", description: "The commit message (and the pull request's title with createPr)." },
  createPr: {
    type: "boolean",
    description: "Open a pull request with this commit instead of committing to the branch (default false).",
  },
};

type Ctx = PluginToolContext;

function tooBig(path: string, size: number): HubHttpError {
  return new HubHttpError(
    413,
    `${path} is ${formatBytes(size)}; this tool uploads up to ${formatBytes(MAX_UPLOAD_BYTES)} a call, since the plugin sandbox hashes every byte within its CPU limit. Upload it with the hf CLI (\`hf upload <repo> ${path}\`) instead.`,
  );
}

/** The workspace file or folder at `localPath`, as upload sources under `base` in the repo. */
export async function localSources(
  ctx: Ctx,
  localPath: string,
  base: string,
): Promise<{ sources: UploadSource[]; skipped: string[] }> {
  const stat = await ctx.fs.stat(localPath);
  if (!stat) throw new HubHttpError(400, `${localPath} doesn't exist: give a path inside the workspace.`);
  const source = (path: string, pathInRepo: string, size: number): UploadSource => {
    if (size > MAX_UPLOAD_BYTES) throw tooBig(path, size);
    return { pathInRepo, size, origin: path, read: (range) => ctx.fs.readFile(path, range) };
  };
  if (stat.type === "file") return { sources: [source(localPath, base, stat.size)], skipped: [] };
  if (stat.type !== "directory") throw new HubHttpError(400, `${localPath} is a ${stat.type}, not a file or folder.`);
  const sources: UploadSource[] = [];
  const skipped: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = (await ctx.fs.readdir(dir)).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = `${dir.replace(/\/+$/, "")}/${entry.name}`;
      const inRepo = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (SKIPPED_NAMES.has(entry.name) || entry.type === "symlink" || entry.type === "other") {
        skipped.push(inRepo);
      } else if (entry.type === "directory") {
        await walk(path, inRepo);
      } else {
        if (sources.length >= MAX_FILES)
          throw new HubHttpError(400, `${localPath} holds more than ${MAX_FILES} files: upload a smaller folder.`);
        const size = (await ctx.fs.stat(path))?.size ?? 0;
        sources.push(source(path, inRepo, size));
      }
    }
  };
  await walk(localPath, base.replace(/^\/+|\/+$/g, ""));
  if (sources.length === 0) throw new HubHttpError(400, `${localPath} has no files to upload.`);
  const total = sources.reduce((sum, s) => sum + s.size, 0);
  if (total > MAX_UPLOAD_BYTES) {
    throw new HubHttpError(
      413,
      `The files in ${localPath} total ${formatBytes(total)}; this tool uploads up to ${formatBytes(MAX_UPLOAD_BYTES)} a call, since the plugin sandbox hashes every byte within its CPU limit. Upload its subfolders in separate calls, or the folder with the hf CLI (\`hf upload <repo> ${localPath}\`).`,
    );
  }
  return { sources, skipped };
}

function report(repo: string, result: UploadResult, skipped: string[]): string {
  const total = result.files.reduce((n, f) => n + f.size, 0);
  const lfs = result.files.filter((f) => f.lfs).length;
  const what =
    result.files.length === 1
      ? `${result.files[0]?.path} (${formatBytes(total)}${lfs ? ", through LFS" : ""})`
      : `${result.files.length} files (${formatBytes(total)}${lfs ? `, ${lfs} through LFS` : ""})`;
  const commit = result.commitOid ? ` in commit ${result.commitOid.slice(0, 12)}` : "";
  const where = result.pullRequestUrl
    ? `${commit}, opening pull request ${result.pullRequestUrl}`
    : `${commit}${result.commitUrl ? `: ${result.commitUrl}` : ""}`;
  const left = [...skipped, ...result.skipped];
  const note = left.length ? `\nLeft out: ${left.slice(0, 20).join(", ")}${left.length > 20 ? ", …" : ""}` : "";
  return `Uploaded ${what} to ${repo}${where}.${note}`;
}

const prNumber = (url: string | undefined): number | undefined => {
  const match = url ? /\/discussions\/(\d+)$/.exec(url) : null;
  return match ? Number(match[1]) : undefined;
};

export const hfUploadFile = defineTool<{
  repo: string;
  path: string;
  content?: string;
  localPath?: string;
  type?: RepoType;
  revision?: string;
  message?: string;
  createPr?: boolean;
}>({
  name: "hf_upload_file",
  description:
    "Write one file to a Hugging Face repo as one commit (creates or replaces it): either `content` (text) or `localPath` (a workspace file, binary-safe: model weights, results JSON, a model card). Binary and large files go through LFS (in parts; up to 1 GB a call). createPr opens a pull request instead. This changes a remote repo: it asks first.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      path: { type: "string", description: 'Where the file goes in the repo (e.g. "README.md", "model.safetensors").' },
      content: { type: "string", description: "The file's text (or use localPath)." },
      localPath: { type: "string", description: "A file in the workspace to upload (or use content)." },
      ...commitParams,
    },
    required: ["repo", "path"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}/${args.path}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const repo = checkRepoId(args.repo);
      const path = args.path.replace(/^\/+/, "");
      if ((args.content === undefined) === (args.localPath === undefined)) {
        throw new HubHttpError(400, "Give either content (text) or localPath (a workspace file), not both or neither.");
      }
      let sources: UploadSource[];
      if (args.localPath !== undefined) {
        const stat = await ctx.fs.stat(args.localPath);
        if (stat?.type === "directory")
          throw new HubHttpError(400, `${args.localPath} is a folder: use hf_upload_folder for folders.`);
        sources = (await localSources(ctx, args.localPath, path)).sources;
      } else {
        const bytes = new TextEncoder().encode(args.content);
        sources = [
          {
            pathInRepo: path,
            size: bytes.length,
            origin: path,
            read: async (range) => (range ? bytes.subarray(range.offset, range.offset + range.length) : bytes),
          },
        ];
      }
      const result = await uploadFiles(
        ctx,
        {
          type: args.type ?? "model",
          repo,
          revision: args.revision,
          createPr: args.createPr,
          message: args.message || `Upload ${path}`,
        },
        sources,
      );
      return {
        content: report(repo, result, []),
        details: { ...result, pullRequest: prNumber(result.pullRequestUrl) },
      };
    }),
});

export const hfUploadFolder = defineTool<{
  repo: string;
  localPath: string;
  pathInRepo?: string;
  type?: RepoType;
  revision?: string;
  message?: string;
  createPr?: boolean;
}>({
  name: "hf_upload_folder",
  description:
    "Upload a workspace folder (e.g. a trained model's output directory) to a Hugging Face repo as one commit, binary-safe; .git, caches and symlinks are left out. createPr opens a pull request instead. This changes a remote repo: it asks first.",
  kind: "other",
  parameters: {
    type: "object",
    properties: {
      repo: repoParam,
      localPath: { type: "string", description: "The folder in the workspace." },
      pathInRepo: { type: "string", description: "The folder in the repo to put it under (default: the root)." },
      ...commitParams,
    },
    required: ["repo", "localPath"],
    additionalProperties: false,
  },
  permissionSubject: (args) => textSubject(`${args.repo}/${args.pathInRepo ?? ""}`),
  execute: (args, ctx) =>
    guarded(async () => {
      const repo = checkRepoId(args.repo);
      const { sources, skipped } = await localSources(ctx, args.localPath, args.pathInRepo ?? "");
      const result = await uploadFiles(
        ctx,
        {
          type: args.type ?? "model",
          repo,
          revision: args.revision,
          createPr: args.createPr,
          message:
            args.message || `Upload ${args.pathInRepo || args.localPath.split("/").filter(Boolean).pop() || "folder"}`,
        },
        sources,
      );
      return {
        content: report(repo, result, skipped),
        details: { ...result, skipped: [...skipped, ...result.skipped], pullRequest: prNumber(result.pullRequestUrl) },
      };
    }),
});
