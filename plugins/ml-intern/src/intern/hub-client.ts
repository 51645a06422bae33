/**
 * The few Hub calls an intern run makes itself (who am I, a private dataset for its sessions, list,
 * read and commit files in it), with `fetch` under the plugin's net grant: the Hub's host is the
 * one HF_ENDPOINT names (granted with the variable) or huggingface.co. The token is HF_TOKEN,
 * read through the env grant; it is sent to that Hub only.
 */
export interface HubAccess {
  /** The Hub's base URL, no trailing slash. */
  url: string;
  token?: string;
  signal?: AbortSignal;
}

export interface HubFile {
  path: string;
  size: number;
}

export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 60_000;

async function call(access: HubAccess, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (access.token) headers.set("Authorization", `Bearer ${access.token}`);
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = access.signal ? AbortSignal.any([access.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(`${access.url}${path}`, { ...init, headers, signal });
  } catch (error) {
    throw new HubError(0, `${access.url} did not answer (${(error as Error).message})`);
  }
  return res;
}

/** The most of an unwanted answer read to keep its connection (a longer one is cut off instead). */
const MAX_DRAINED_BYTES = 1024 * 1024;

/**
 * Lets go of a response whose body is not wanted. Left unread, it holds its connection (the next
 * call opens another) and its request stays alive until the 60 s timeout: a run committing every
 * few seconds opened a connection per commit. Read to its end when short, so the connection
 * serves the next call; cut off past MAX_DRAINED_BYTES, since a Hub's answer may be of any size.
 */
async function release(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (!reader) return;
  try {
    for (let read = 0; read <= MAX_DRAINED_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // Closed or failed already: nothing is held.
  }
}

async function failure(res: Response, what: string): Promise<HubError> {
  let detail = "";
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === "string") detail = `: ${body.error.slice(0, 300)}`;
  } catch {
    // No JSON body: the status says enough.
  }
  return new HubError(res.status, `${what} failed (HTTP ${res.status}${detail})`);
}

const repoPath = (repo: string) => repo.split("/").map(encodeURIComponent).join("/");
const filePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** The signed-in user (the namespace new repos go under), or undefined when the Hub won't say. */
export async function whoami(access: HubAccess): Promise<string | undefined> {
  try {
    const res = await call(access, "/api/whoami-v2");
    if (!res.ok) {
      await release(res);
      return undefined;
    }
    const body = (await res.json()) as { name?: unknown };
    return typeof body.name === "string" ? body.name : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the dataset private when missing; answers whether it is private. */
export async function ensureDataset(access: HubAccess, repo: string): Promise<{ private: boolean; created: boolean }> {
  const [organization, name] = repo.split("/");
  const created = await call(access, "/api/repos/create", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "dataset", name, organization, private: true }),
  });
  if (created.ok) {
    await release(created);
    return { private: true, created: true };
  }
  if (created.status !== 409) throw await failure(created, `Creating the dataset ${repo}`);
  await release(created);
  const info = await call(access, `/api/datasets/${repoPath(repo)}`);
  if (!info.ok) throw await failure(info, `Reading the dataset ${repo}`);
  const body = (await info.json()) as { private?: unknown };
  return { private: body.private === true, created: false };
}

/** Every file under `folder` (recursive); none when the folder does not exist yet. */
export async function listFiles(
  access: HubAccess,
  repo: string,
  folder: string,
  revision = "main",
): Promise<HubFile[]> {
  const res = await call(
    access,
    `/api/datasets/${repoPath(repo)}/tree/${encodeURIComponent(revision)}/${filePath(folder)}?recursive=true`,
  );
  if (res.status === 404) return [];
  if (!res.ok) throw await failure(res, `Listing ${folder} of ${repo}`);
  const entries = (await res.json()) as Array<{ type?: unknown; path?: unknown; size?: unknown }>;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) =>
    entry.type === "file" && typeof entry.path === "string"
      ? [{ path: entry.path, size: typeof entry.size === "number" ? entry.size : 0 }]
      : [],
  );
}

/** A file's text, or undefined when it is gone (404). */
export async function readFile(
  access: HubAccess,
  repo: string,
  path: string,
  revision = "main",
): Promise<string | undefined> {
  const res = await call(
    access,
    `/datasets/${repoPath(repo)}/resolve/${encodeURIComponent(revision)}/${filePath(path)}`,
  );
  if (res.status === 404) {
    await release(res);
    return undefined;
  }
  if (!res.ok) throw await failure(res, `Downloading ${path} of ${repo}`);
  return res.text();
}

export type CommitOperation = { op: "put"; path: string; text: string } | { op: "delete"; path: string };

/**
 * One commit to `main`: text files inline (the Hub's commit API, as huggingface_hub sends small
 * files), deletions beside them, all or nothing. A file the Hub wants through LFS (over its
 * inline limit) is refused before anything is committed.
 */
export async function commit(access: HubAccess, repo: string, title: string, operations: CommitOperation[]) {
  const puts = operations.filter((operation) => operation.op === "put");
  const encoder = new TextEncoder();
  const bytes = new Map(puts.map((put) => [put.path, encoder.encode(put.text)]));
  if (puts.length > 0) {
    const files = puts.map((put) => {
      const data = bytes.get(put.path) as Uint8Array;
      return { path: put.path, size: data.length, sample: toBase64(data.subarray(0, 512)) };
    });
    const pre = await call(access, `/api/datasets/${repoPath(repo)}/preupload/main`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ files }),
    });
    if (!pre.ok) throw await failure(pre, `Preparing the commit to ${repo}`);
    const answer = (await pre.json()) as { files?: Array<{ path?: unknown; uploadMode?: unknown }> };
    const lfs = (answer.files ?? []).find((file) => file.uploadMode === "lfs");
    if (lfs)
      throw new HubError(413, `the Hub wants ${String(lfs.path)} through LFS, which session upload does not send`);
  }
  const lines = [
    JSON.stringify({ key: "header", value: { summary: title, description: "" } }),
    ...operations.map((operation) =>
      operation.op === "put"
        ? JSON.stringify({
            key: "file",
            value: {
              path: operation.path,
              content: toBase64(bytes.get(operation.path) as Uint8Array),
              encoding: "base64",
            },
          })
        : JSON.stringify({ key: "deletedFile", value: { path: operation.path } }),
    ),
  ];
  const res = await call(access, `/api/datasets/${repoPath(repo)}/commit/main`, {
    method: "POST",
    headers: { "Content-Type": "application/x-ndjson" },
    body: lines.join("\n"),
  });
  if (!res.ok) throw await failure(res, `Committing to ${repo}`);
  await release(res);
}

/** Bytes as base64 (btoa takes one byte per character). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** A short reason for a failed Hub call (tokens are never in it). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
