import { defineTool, type PluginToolContext } from "@pincer/sdk";
import { checkSizes, pinRevision, type RemoteFile, selectFiles } from "./download-plan.js";
import { unchanged, writeVerified } from "./download-stream.js";
import {
  checkRepoId,
  encodePath,
  formatBytes,
  gitRepoPath,
  guarded,
  type Hub,
  HubHttpError,
  hubOf,
  REPO_TYPES,
  type RepoType,
} from "./hub.js";

/**
 * hf_download: files of a Hub repo into a workspace folder, byte for byte, through the plugin's fs
 * write grant (so never outside the workspace). Each file is checked against the id the Hub lists
 * for it (sha256 for LFS files, the git blob id for the others), before it is skipped as unchanged
 * and after it arrives. LFS bytes come from the signed URL the LFS batch API hands out, and HF_TOKEN
 * goes only to the endpoint's own origin: the sandbox's fetch follows redirects with the headers it
 * was given, so the tool never lets the Hub redirect a request that carries the token.
 */

/**
 * The most one call downloads, in one file or many. Files never sit whole in the isolate (they are
 * streamed to disk, see download-stream.ts), so the bound is CPU: every byte is hashed in plain
 * JavaScript inside the sandbox, which gives a call 30 s of CPU. Measured on the development machine
 * (2 cores, busy): a 1 GB LFS file took 10.6 s of isolate CPU to download (about 100 MB per
 * CPU-second) and 8.5 s to re-check when unchanged. Even a call that re-hashes 1 GB of same-size
 * files, finds them changed and downloads them all stays near 20 s of the 30.
 */
export const MAX_TOTAL_BYTES = 1024 * 1024 * 1024;

type Ctx = PluginToolContext;

export interface DownloadedFile {
  /** The path in the repo. */
  path: string;
  /** Where it is in the workspace, as shown to the model (`./data/train.csv`). */
  localPath: string;
  size: number;
  lfs: boolean;
  status: "downloaded" | "unchanged";
}

/** Where an LFS file's bytes are: the batch API's signed link, and the headers that go with it. */
async function lfsLocation(
  hub: Hub,
  type: RepoType,
  repo: string,
  file: RemoteFile & { lfs: { oid: string; size: number } },
): Promise<{ href: string; header: Record<string, string> }> {
  const answer = await hub.json<{
    objects?: {
      oid: string;
      error?: { code?: number; message?: string };
      actions?: { download?: { href: string; header?: Record<string, string> } };
    }[];
  }>(`${gitRepoPath(type, repo)}.git/info/lfs/objects/batch`, {
    method: "POST",
    headers: { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
    body: JSON.stringify({
      operation: "download",
      transfers: ["basic"],
      hash_algo: "sha256",
      objects: [{ oid: file.lfs.oid, size: file.lfs.size }],
    }),
    idempotent: true,
    what: `The ${type} repo ${repo}`,
  });
  const object = answer.objects?.find((candidate) => candidate.oid === file.lfs.oid);
  if (object?.error) {
    throw new HubHttpError(
      object.error.code ?? 502,
      `The Hub can't serve ${file.path} (${object.error.message ?? `LFS error ${object.error.code}`}).`,
    );
  }
  const download = object?.actions?.download;
  if (!download?.href) throw new HubHttpError(502, `The LFS batch answer gave no download link for ${file.path}.`);
  return { href: download.href, header: download.header ?? {} };
}

/**
 * Fetches the file into `target`: streamed to disk beside it, and put in its place only once it is
 * exactly `file.size` bytes matching the Hub's id (see download-stream.ts); else an error, with the
 * target as it was.
 */
async function fetchFile(
  ctx: Ctx,
  hub: Hub,
  where: { type: RepoType; repo: string; commit: string },
  file: RemoteFile,
  target: string,
  progress: (done: number) => void,
): Promise<void> {
  const { type, repo, commit } = where;
  const what = `The file ${file.path} in the ${type} repo ${repo}`;
  let res: Response;
  if (file.lfs) {
    const { href, header } = await lfsLocation(hub, type, repo, { ...file, lfs: file.lfs });
    const sameOrigin = new URL(href, hub.endpoint).origin === new URL(hub.endpoint).origin;
    res = await hub.request(new URL(href, hub.endpoint).href, { headers: header, withToken: sameOrigin, what });
  } else {
    res = await hub.request(`${gitRepoPath(type, repo)}/resolve/${commit}/${encodePath(file.path)}`, { what });
  }
  await writeVerified(ctx, res.body, file, target, progress);
}

/** Files listed in the answer at most (details has them all). */
const LISTED = 100;

/**
 * One line per file, then the summary last: the CLI shows a tool that streamed progress by its
 * last line.
 */
function report(source: string, localDir: string, files: DownloadedFile[]): string {
  const fetched = files.filter((file) => file.status === "downloaded");
  const kept = files.length - fetched.length;
  const plural = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
  const listed = files.slice(0, LISTED).map((file) => {
    const notes = [formatBytes(file.size), file.lfs ? "LFS" : "", file.status === "unchanged" ? "unchanged" : ""];
    return `${file.localPath} (${notes.filter(Boolean).join(", ")})`;
  });
  if (files.length > LISTED) listed.push(`… ${files.length - LISTED} more`);
  const bytes = formatBytes(fetched.reduce((sum, file) => sum + file.size, 0));
  const summary =
    fetched.length === 0
      ? `All ${plural(kept)} of ${source} in ${localDir} were already up to date; nothing was downloaded.`
      : `Downloaded ${plural(fetched.length)} (${bytes}) of ${source} into ${localDir}${kept ? `; ${plural(kept)} already up to date were left as they were` : ""}.`;
  return `${listed.join("\n")}\n${summary}`;
}

/** A workspace path as the model knows it: relative to the session folder when inside it. */
function shown(absolute: string, cwd: string): string {
  if (absolute === cwd) return ".";
  return absolute.startsWith(`${cwd.replace(/\/+$/, "")}/`)
    ? `./${absolute.slice(cwd.replace(/\/+$/, "").length + 1)}`
    : absolute;
}

export const hfDownload = defineTool<{
  repo: string;
  type?: RepoType;
  revision?: string;
  path?: string;
  patterns?: string[];
  localDir?: string;
}>({
  name: "hf_download",
  description: `Download files from a Hugging Face repo (model, dataset or space) into a workspace folder, byte for byte (binary and LFS files too), so that scripts can read them: the commands you run have no network. One file or folder (path), or the whole repo, kept by glob patterns (e.g. ["*.csv"], ["data/*.parquet"]); each file lands at <localDir>/<its path in the repo>. Files already there with the same content are skipped. Files of any size are streamed to disk, up to ${formatBytes(MAX_TOTAL_BYTES)} a call; more needs the hf CLI.`,
  kind: "edit",
  parameters: {
    type: "object",
    properties: {
      repo: { type: "string", description: 'The repo id, owner/name (e.g. "stanfordnlp/imdb").' },
      type: {
        type: "string",
        enum: REPO_TYPES,
        description: 'The repo type: "model" (default), "dataset" or "space".',
      },
      revision: { type: "string", description: 'A branch, tag or commit (default "main").' },
      path: { type: "string", description: "A file or folder in the repo to download (default: the whole repo)." },
      patterns: {
        type: "array",
        items: { type: "string" },
        description: 'Keep only files whose repo path matches one of these globs (e.g. ["*.csv"]; * crosses folders).',
      },
      localDir: {
        type: "string",
        description: "The workspace folder to download into (default: ./<repo name>).",
      },
    },
    required: ["repo"],
    additionalProperties: false,
  },
  permissionSubject: (args) => ({
    kind: "path",
    value: args.localDir ?? (args.repo.split("/").pop() || args.repo),
  }),
  execute: (args, ctx) =>
    guarded(async () => {
      const hub = hubOf(ctx);
      const type = args.type ?? "model";
      const repo = checkRepoId(args.repo);
      const localDirArg = (args.localDir ?? repo.split("/")[1] ?? repo).replace(/\/+$/, "") || ".";
      // Outside the workspace is refused here, before anything is fetched (the write grant is the workspace).
      const localDir = await ctx.fs.resolve(localDirArg).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        throw new HubHttpError(
          400,
          `localDir ${localDirArg} can't be used: hf_download writes only inside the workspace (${why})`,
        );
      });
      // The session folder as the fs grant sees it (symlinks resolved), so paths inside it show relative.
      const cwd = await ctx.fs.resolve(".");
      const where = shown(localDir, cwd);
      const revision = args.revision ?? "main";
      const commit = await pinRevision(hub, type, repo, revision);
      // The whole commit id: it is what pins the data (revision=…, a card's dataset.revision); the Hub resolves no abbreviation.
      const source = `the ${type} ${repo} at ${revision === commit ? commit : `${revision} (${commit})`}`;
      const files = await selectFiles(hub, { type, repo, commit, path: args.path, patterns: args.patterns });
      if (files.length === 0) {
        const filter = args.patterns?.length ? ` matching ${JSON.stringify(args.patterns)}` : "";
        throw new HubHttpError(
          404,
          `${repo} has no files${args.path ? ` under ${args.path}` : ""}${filter}: list them with hf_repo_files.`,
        );
      }
      checkSizes(files, MAX_TOTAL_BYTES, { repo, type, localDir: localDirArg });

      const done: DownloadedFile[] = [];
      for (const [index, file] of files.entries()) {
        const step = `[${index + 1}/${files.length}]`;
        const target = `${localDir}/${file.path}`;
        const entry = { path: file.path, localPath: shown(target, cwd), size: file.size, lfs: Boolean(file.lfs) };
        try {
          if (await unchanged(ctx, target, file)) {
            ctx.onUpdate(`${step} ${file.path} is up to date\n`);
            done.push({ ...entry, status: "unchanged" });
            continue;
          }
          ctx.onUpdate(`${step} downloading ${file.path} (${formatBytes(file.size)}${file.lfs ? ", LFS" : ""})\n`);
          await fetchFile(ctx, hub, { type, repo, commit }, file, target, (got) =>
            ctx.onUpdate(`${step} ${file.path}: ${Math.floor((got / file.size) * 100)}%\n`),
          );
          done.push({ ...entry, status: "downloaded" });
        } catch (error) {
          if (error instanceof Error && error.name === "AbortError") throw error;
          const why = error instanceof Error ? error.message : String(error);
          const kept = done.length
            ? ` The ${done.length} file${done.length === 1 ? " before it is" : "s before it are"} in place; running the tool again skips ${done.length === 1 ? "it" : "them"}.`
            : "";
          throw new HubHttpError(
            error instanceof HubHttpError ? error.status : 500,
            `Downloading ${file.path} failed: ${why}${kept}`,
          );
        }
      }
      return {
        content: report(source, where, done),
        details: { repo, type, revision: commit, localDir, files: done },
      };
    }),
});
