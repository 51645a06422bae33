/**
 * Where a session lives in a Hub dataset repo, and the few Hub calls the uploader and
 * `fetchSessionFromHub` share.
 *
 * Layout: `sessions/YYYY-MM-DD/<id>.jsonl` is the whole session as of the last consolidation (on
 * exit); `sessions/YYYY-MM-DD/<id>/part-000N.jsonl` hold the lines appended after it, in order.
 * The session is the whole file (if any) followed by the parts. A consolidation writes the whole
 * file and deletes the parts in one commit, so a reader never sees a line twice or loses one.
 */
import { createHash } from "node:crypto";
import { createRepo, datasetInfo, HubApiError, type ListFileEntry, listFiles } from "@huggingface/hub";
import { createRedactor, type Redactor, secretsFromEnv } from "@pincer/kernel";

export interface HubAccess {
  /** The Hub's base URL (HF_ENDPOINT or https://huggingface.co), no trailing slash. */
  hubUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/** The parts of one session found on the Hub, in upload order. */
export interface RemoteSession {
  sessionId: string;
  day: string;
  whole?: ListFileEntry;
  parts: ListFileEntry[];
}

const PART_NAME = /^part-(\d+)\.jsonl$/;

export const dayOf = (date: Date): string => date.toISOString().slice(0, 10);
export const wholePath = (day: string, sessionId: string): string => `sessions/${day}/${sessionId}.jsonl`;
export const partPath = (day: string, sessionId: string, index: number): string =>
  `sessions/${day}/${sessionId}/part-${String(index).padStart(4, "0")}.jsonl`;
export const partIndex = (path: string): number => Number(PART_NAME.exec(path.split("/").at(-1) ?? "")?.[1] ?? -1);

/** The Hub's web page for a file of a dataset repo. */
export function webUrl(hubUrl: string, repo: string, path: string): string {
  return `${hubUrl}/datasets/${repo}/blob/main/${path}`;
}

export function credentials(access: HubAccess): { accessToken: string } {
  // The client's types require a token; a local Hub started without one accepts requests without it.
  return (access.token ? { accessToken: access.token } : {}) as { accessToken: string };
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Makes sure `repo` is a private dataset the token can write to: creates it private when missing.
 * Returns why uploads must not go there (an existing public repo), or undefined when they may.
 */
export async function ensurePrivateDataset(access: HubAccess, repo: string): Promise<string | undefined> {
  const common = { hubUrl: access.hubUrl, ...(access.fetch ? { fetch: access.fetch } : {}), ...credentials(access) };
  try {
    await createRepo({ ...common, repo: { type: "dataset", name: repo }, visibility: "private" });
    return undefined;
  } catch (error) {
    if (!(error instanceof HubApiError) || error.statusCode !== 409) throw error;
  }
  const info = await datasetInfo({ ...common, name: repo });
  if (info.private) return undefined;
  return (
    `The dataset ${repo} on ${access.hubUrl} is public, and a session (prompts, tool output, file contents) ` +
    `must not be published. Session upload is off for this run: make the repo private in its settings ` +
    `(${access.hubUrl}/datasets/${repo}/settings) or choose another repo name.`
  );
}

/** Every file under `folder` (recursive); none when the folder does not exist yet. */
export async function listFolder(access: HubAccess, repo: string, folder: string): Promise<ListFileEntry[]> {
  const files: ListFileEntry[] = [];
  try {
    for await (const entry of listFiles({
      repo: { type: "dataset", name: repo },
      path: folder,
      recursive: true,
      hubUrl: access.hubUrl,
      ...(access.fetch ? { fetch: access.fetch } : {}),
      ...credentials(access),
    })) {
      if (entry.type === "file") files.push(entry);
    }
  } catch (error) {
    if (error instanceof HubApiError && error.statusCode === 404) return files;
    throw error;
  }
  return files;
}

/** Groups the files under `sessions/` into sessions, parts in order. */
export function groupSessions(files: readonly ListFileEntry[]): RemoteSession[] {
  const sessions = new Map<string, RemoteSession>();
  const get = (day: string, sessionId: string) => {
    const key = `${day}/${sessionId}`;
    let found = sessions.get(key);
    if (!found) {
      found = { sessionId, day, parts: [] };
      sessions.set(key, found);
    }
    return found;
  };
  for (const file of files) {
    const segments = file.path.split("/");
    if (segments[0] !== "sessions" || !/^\d{4}-\d{2}-\d{2}$/.test(segments[1] ?? "")) continue;
    const day = segments[1]!;
    if (segments.length === 3 && segments[2]!.endsWith(".jsonl")) {
      get(day, segments[2]!.slice(0, -".jsonl".length)).whole = file;
    } else if (segments.length === 4 && PART_NAME.test(segments[3]!)) {
      get(day, segments[2]!).parts.push(file);
    }
  }
  for (const session of sessions.values()) session.parts.sort((a, b) => partIndex(a.path) - partIndex(b.path));
  return [...sessions.values()];
}

/** The git object id the Hub reports for a regular file with this content (LFS files: the sha256). */
export function matchesRemote(content: Buffer, entry: ListFileEntry): boolean {
  if (content.length !== entry.size) return false;
  if (entry.lfs) return createHash("sha256").update(content).digest("hex") === entry.lfs.oid;
  if (!entry.oid) return true;
  const oid = createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
  return oid === entry.oid;
}

/** The redactor for text leaving this machine: the environment's secrets, the Hub token, token shapes. */
export function uploadRedactor(token: string | undefined, env: NodeJS.ProcessEnv = process.env): Redactor {
  return createRedactor({ secrets: [...secretsFromEnv(env), ...(token ? [token] : [])] });
}

/**
 * Redacts JSONL text line by line. The file on disk is redacted when written, so this is a second
 * net; a line it changes is re-serialised from its parsed value when a plain replacement would
 * break the JSON (a match across an escaped quote).
 */
export function redactLines(text: string, redact: Redactor): string {
  if (redact(text) === text) return text;
  return text
    .split("\n")
    .map((line) => {
      const redacted = redact(line);
      if (redacted === line) return line;
      try {
        JSON.parse(redacted);
        return redacted;
      } catch {
        try {
          return JSON.stringify(redactValue(JSON.parse(line), redact));
        } catch {
          // Not JSON at all (cannot happen in a session file): send nothing of it.
          return "";
        }
      }
    })
    .join("\n");
}

function redactValue(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redact));
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) copy[redact(key)] = redactValue(item, redact);
  return copy;
}

/** A short reason for a failed Hub call, without tokens (the client never puts them in messages). */
export function describeError(error: unknown): string {
  if (error instanceof HubApiError) return `HTTP ${error.statusCode}: ${error.message}`;
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
