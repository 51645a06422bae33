import type { PluginToolContext } from "@pincer/sdk";
import { apiRepoPath, formatBytes, gitRepoPath, HubHttpError, hubOf, type RepoType } from "./hub.js";
import { type BatchObject, hashSource, MAX_SINGLE_PUT_BYTES, sendLfsObject } from "./upload-lfs.js";

/**
 * One commit of many files, the way huggingface_hub makes it: ask `preupload` which files go
 * through LFS (the Hub's rule: binary, or 10 MB and more, or matched by .gitattributes), upload
 * those by sha256 through the LFS batch API (large ones in parts: see upload-lfs.ts), then send
 * one NDJSON commit naming the LFS objects and carrying the other files inline as base64. Nothing
 * is committed until every byte is up, so a failure on the way leaves the repo as it was.
 */

/**
 * A file to upload: where it goes in the repo, and how to get its bytes, whole or a range at a
 * time (read again when needed, so the isolate never holds more of a large file than one piece).
 */
export interface UploadSource {
  pathInRepo: string;
  size: number;
  /** Where it came from, for messages ("README.md" text or a workspace path). */
  origin: string;
  read(range?: { offset: number; length: number }): Promise<Uint8Array>;
}

export interface UploadTarget {
  type: RepoType;
  repo: string;
  revision?: string;
  createPr?: boolean;
  message: string;
  description?: string;
  /** The commit the change was made from: the Hub refuses the commit (412) if the branch moved since. */
  parentCommit?: string;
}

export interface UploadResult {
  commitOid?: string;
  commitUrl?: string;
  pullRequestUrl?: string;
  files: { path: string; size: number; lfs: boolean }[];
  skipped: string[];
}

/** The sample preupload looks at (huggingface_hub sends the first 512 bytes). */
const SAMPLE_BYTES = 512;
/** Files per preupload request, as huggingface_hub sends them. */
const PREUPLOAD_CHUNK = 256;

type Ctx = Pick<PluginToolContext, "env" | "signal" | "onUpdate">;

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

interface PreuploadAnswer {
  files?: { path: string; uploadMode?: string; shouldIgnore?: boolean }[];
}

export async function uploadFiles(ctx: Ctx, target: UploadTarget, sources: UploadSource[]): Promise<UploadResult> {
  const unchanged = `nothing was committed, so ${target.repo} is unchanged`;
  let prepared: { lines: string[]; result: UploadResult };
  try {
    prepared = await prepare(ctx, target, sources, unchanged);
  } catch (error) {
    if (error instanceof HubHttpError && !error.message.includes(unchanged))
      throw new HubHttpError(error.status, `${error.message.replace(/\.?$/, "")}; ${unchanged}.`);
    throw error;
  }
  const { lines, result } = prepared;
  const { type, repo } = target;
  const hub = hubOf(ctx);
  // 3. One commit (never repeated on a 5xx: the first one may have landed).
  ctx.onUpdate(`committing ${result.files.length} file${result.files.length === 1 ? "" : "s"}\n`);
  const header = JSON.stringify({
    key: "header",
    value: {
      summary: target.message,
      description: target.description ?? "",
      ...(target.parentCommit ? { parentCommit: target.parentCommit } : {}),
    },
  });
  try {
    const answer = await hub.json<{ commitOid?: string; commitUrl?: string; pullRequestUrl?: string }>(
      `${apiRepoPath(type, repo)}/commit/${encodeURIComponent(target.revision ?? "main")}${target.createPr ? "?create_pr=1" : ""}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/x-ndjson" },
        body: [header, ...lines].join("\n"),
        what: `The ${type} repo ${repo}${target.revision ? ` (or its revision ${target.revision})` : ""}`,
      },
    );
    return { ...result, ...answer };
  } catch (error) {
    if (error instanceof HubHttpError && (error.status === 0 || error.status >= 500)) {
      throw new HubHttpError(
        error.status,
        `${error.message.replace(/\.?$/, "")}. The files were uploaded but the commit may or may not have landed: check with hf_repo_files before running the tool again.`,
      );
    }
    if (error instanceof HubHttpError)
      throw new HubHttpError(error.status, `${error.message.replace(/\.?$/, "")}; ${unchanged}.`);
    throw error;
  }
}

/** Steps 1 and 2: preupload, then the LFS uploads; returns the commit's file lines. */
async function prepare(
  ctx: Ctx,
  target: UploadTarget,
  sources: UploadSource[],
  unchanged: string,
): Promise<{ lines: string[]; result: UploadResult }> {
  const hub = hubOf(ctx);
  const { type, repo } = target;
  const rev = encodeURIComponent(target.revision ?? "main");
  const prQuery = target.createPr ? "?create_pr=1" : "";
  const what = `The ${type} repo ${repo}${target.revision ? ` (or its revision ${target.revision})` : ""}`;

  // 1. Which files go through LFS.
  const modes = new Map<string, { lfs: boolean; ignore: boolean }>();
  for (let at = 0; at < sources.length; at += PREUPLOAD_CHUNK) {
    const chunk = sources.slice(at, at + PREUPLOAD_CHUNK);
    const files = [];
    for (const source of chunk) {
      const sample = await source.read({ offset: 0, length: SAMPLE_BYTES });
      files.push({ path: source.pathInRepo, size: source.size, sample: bytesToBase64(sample) });
    }
    const answer = await hub.json<PreuploadAnswer>(`${apiRepoPath(type, repo)}/preupload/${rev}${prQuery}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ files }),
      idempotent: true,
      what,
    });
    for (const file of answer.files ?? []) {
      modes.set(file.path, { lfs: file.uploadMode === "lfs", ignore: file.shouldIgnore === true });
    }
  }

  // 2. LFS files: hash, ask where to put them, send them (see upload-lfs.ts).
  const lines: string[] = [];
  const result: UploadResult = { files: [], skipped: [] };
  for (const [index, source] of sources.entries()) {
    const mode = modes.get(source.pathInRepo) ?? { lfs: false, ignore: false };
    if (mode.ignore) {
      result.skipped.push(source.pathInRepo);
      continue;
    }
    const step = `${index + 1}/${sources.length}`;
    if (!mode.lfs) {
      if (source.size > MAX_SINGLE_PUT_BYTES) {
        throw new HubHttpError(
          413,
          `The Hub asked for ${source.pathInRepo} (${formatBytes(source.size)}) inline in the commit, and this tool sends at most ${formatBytes(MAX_SINGLE_PUT_BYTES)} that way; ${unchanged}. Mark it for LFS in .gitattributes, or upload it with the hf CLI.`,
        );
      }
      const bytes = await source.read();
      lines.push(
        JSON.stringify({
          key: "file",
          value: { path: source.pathInRepo, content: bytesToBase64(bytes), encoding: "base64" },
        }),
      );
      result.files.push({ path: source.pathInRepo, size: bytes.length, lfs: false });
      continue;
    }
    const oid = await hashSource(source, (done) =>
      ctx.onUpdate(`[${step}] hashing ${source.pathInRepo}: ${Math.round((done / source.size) * 100)}%\n`),
    );
    const batch = await hub.json<{ objects?: BatchObject[] }>(`${gitRepoPath(type, repo)}.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: { Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({
        operation: "upload",
        transfers: ["basic", "multipart"],
        hash_algo: "sha256",
        objects: [{ oid, size: source.size }],
        ref: { name: target.revision ?? "main" },
      }),
      idempotent: true,
      what,
    });
    const object = batch.objects?.find((o) => o.oid === oid);
    if (!object)
      throw new HubHttpError(502, `The LFS batch answer named no object for ${source.pathInRepo}; ${unchanged}.`);
    if (object.error) {
      throw new HubHttpError(
        object.error.code ?? 422,
        `The Hub refused ${source.pathInRepo} (${object.error.message ?? `LFS error ${object.error.code}`}); ${unchanged}.`,
      );
    }
    await sendLfsObject(ctx, hub, source, object, step, unchanged);
    lines.push(
      JSON.stringify({ key: "lfsFile", value: { path: source.pathInRepo, algo: "sha256", oid, size: source.size } }),
    );
    result.files.push({ path: source.pathInRepo, size: source.size, lfs: true });
  }
  if (lines.length === 0) throw new HubHttpError(400, `Every file was ignored by the repo's .gitignore; ${unchanged}.`);
  return { lines, result };
}
