// What a local job reaches beyond its script (Pincer's additions to the Jobs API request):
//   `inputs`: { "<relative path>": "<base64>" }   files written read-only under the job's inputs/
//   `tokenScope`: { repos: [{ type, id, write }] } HF_TOKEN for the job: minted here, reaching only
//                                                  those repos, revoked when the job ends
// and what it leaves: its outputs/ folder, listed and read back over
//   GET /api/jobs/{namespace}/{id}/outputs          { files: [{path, size}], skipped: [{path, reason}], totalBytes }
//   GET /api/jobs/{namespace}/{id}/outputs/{path}   one file's bytes (a regular file, reached through no link)
import type { ServerResponse } from "node:http";
import { checkRelativePath, listOutputs, readOutput } from "@pincer/jobs";
import { HubError, sendJson } from "./http.js";
import { parseRepoGrants, type RepoGrant } from "./scoped-tokens.js";

/** A request with inputs may be this large (base64 inflates them by a third). */
export const JOB_WITH_INPUTS_LIMIT = 64 * 1024 * 1024;
const MAX_INPUT_FILES = 1000;

const badRequest = (message: string) => new HubError(400, message, "BadRequest");

/** The request's `inputs`, decoded: relative paths to bytes. */
export function parseInputs(value: unknown): Record<string, Uint8Array> | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("`inputs` must be an object of relative paths to base64 contents");
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_INPUT_FILES) throw badRequest(`\`inputs\` holds at most ${MAX_INPUT_FILES} files`);
  const files: Record<string, Uint8Array> = {};
  for (const [path, data] of entries) {
    const parts = checkRelativePath(path);
    if (!Array.isArray(parts)) throw badRequest(`inputs: ${parts.refused}`);
    if (typeof data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      throw badRequest(`inputs["${path}"] must be base64`);
    }
    files[parts.join("/")] = Buffer.from(data, "base64");
  }
  return files;
}

/** The request's `tokenScope`: the repos the job's token may reach. */
export function parseTokenScope(value: unknown): RepoGrant[] | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw badRequest("`tokenScope` must be { repos: [...] }");
  try {
    return parseRepoGrants((value as { repos?: unknown }).repos);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/** `GET …/outputs[/path]`: the listing, or one file. */
export function sendOutputs(res: ServerResponse, jobDir: string, path: string[]): void {
  if (path.length === 0) {
    sendJson(res, 200, listOutputs(jobDir));
    return;
  }
  let data: Buffer;
  try {
    data = readOutput(jobDir, path.join("/"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new HubError(404, `No output ${path.join("/")}`);
    if (code === "ELOOP")
      throw new HubError(403, `Output ${path.join("/")} is a symbolic link; links are never followed`);
    throw new HubError(403, (error as Error).message);
  }
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": data.length });
  res.end(data);
}
