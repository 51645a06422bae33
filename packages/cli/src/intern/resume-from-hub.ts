/**
 * Brings a session uploaded by `startSessionUploader` back from the Hub into PINCER_HOME/sessions,
 * so `prepareSession({ resume: id })` continues it on this machine.
 *
 * The session is the whole file (if any) followed by the parts, in order. Lines are merged by
 * entry id (a retried part may repeat lines), and reading stops at the first line that is not a
 * complete entry linked to the ones before it: what follows depends on it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { downloadFile, HubApiError } from "@huggingface/hub";
import { sessionsDir } from "@pincer/runtime";
import {
  credentials,
  describeError,
  groupSessions,
  type HubAccess,
  listFolder,
  type RemoteSession,
  trimSlash,
} from "./session-hub.js";

export interface FetchSessionOptions {
  /** "owner/name" (the newest session), "owner/name:<sessionId or prefix>", or a Hub URL to the session. */
  ref: string;
  endpoint: string;
  token?: string;
  /** PINCER_HOME. */
  home: string;
  /** The directory the run continues in; written into the session header so `--continue` finds it here. */
  cwd: string;
  /** For tests: the fetch the Hub client uses. */
  fetch?: typeof fetch;
}

export interface FetchedSession {
  sessionId: string;
  /** The local JSONL, ready for `prepareSession({ resume: sessionId })`. */
  file: string;
  /** Entries in it (the header not counted). */
  entries: number;
  /** What was repaired or kept, in words for the user. */
  warnings: string[];
}

interface ParsedRef {
  repo: string;
  hubUrl: string;
  /** Sent only to the configured endpoint (or huggingface.co), never to another host named in a URL. */
  token?: string;
  revision?: string;
  day?: string;
  sessionId?: string;
  /** The id came from `repo:<prefix>`: a prefix is enough. */
  prefix: boolean;
}

const REPO_NAME = /^[\w.-]+\/[\w.-]+$/;

export async function fetchSessionFromHub(options: FetchSessionOptions): Promise<FetchedSession> {
  const ref = parseRef(options.ref, trimSlash(options.endpoint), options.token);
  const access: HubAccess = {
    hubUrl: ref.hubUrl,
    ...(ref.token ? { token: ref.token } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const warnings: string[] = [];
  const pieces = await downloadSession(access, ref);
  const merged = mergePieces(pieces, warnings);
  const header: Record<string, unknown> = { ...merged.header, cwd: resolve(options.cwd) };
  const sessionId = String(header.id);
  const dir = sessionsDir(options.home);
  const file = join(dir, `${sessionId}.jsonl`);

  if (existsSync(file)) {
    const local = entryIds(readFileSync(file, "utf8"));
    const remoteIds = new Set(merged.ids);
    if (merged.ids.every((id) => local.has(id))) {
      warnings.push(`kept the local copy of session ${sessionId}: it already holds everything the Hub has`);
      return { sessionId, file, entries: local.size, warnings };
    }
    if (![...local].every((id) => remoteIds.has(id))) {
      throw new Error(
        `${file} and the Hub's copy of session ${sessionId} have each entries the other lacks: they diverged. ` +
          `Move the local file aside to take the Hub's copy, or continue the local one with --resume ${sessionId}.`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const text = [JSON.stringify(header), ...merged.lines].map((line) => `${line}\n`).join("");
  // Written whole and then renamed: a crash here never leaves half a session under the real name.
  const temporary = `${file}.download-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
  return { sessionId, file, entries: merged.lines.length, warnings };
}

function parseRef(text: string, endpoint: string, token: string | undefined): ParsedRef {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new Error(`"${text}" is not a valid URL.`);
    }
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== "datasets" || !segments[1] || !segments[2]) {
      throw new Error(
        `${text} is not a dataset URL: give one like ${endpoint}/datasets/<owner>/<repo>/blob/main/sessions/<day>/<id>.jsonl, or "<owner>/<repo>".`,
      );
    }
    const trusted = url.origin === new URL(endpoint).origin || url.origin === "https://huggingface.co";
    const [, owner, name, kind, revision, ...path] = segments;
    const parsed: ParsedRef = {
      repo: `${owner}/${name}`,
      hubUrl: url.origin,
      ...(trusted && token ? { token } : {}),
      prefix: false,
    };
    if (kind && ["blob", "resolve", "tree"].includes(kind) && revision) parsed.revision = revision;
    const match = /^sessions\/(\d{4}-\d{2}-\d{2})(?:\/([^/]+?)(?:\.jsonl|\/part-\d+\.jsonl|\/)?)?$/.exec(
      path.join("/"),
    );
    if (match?.[1]) parsed.day = match[1];
    if (match?.[2]) parsed.sessionId = match[2];
    return parsed;
  }
  const [repo, sessionId] = trimmed.replace(/^datasets\//, "").split(":");
  if (!repo || !REPO_NAME.test(repo)) {
    throw new Error(
      `"${text}" names no dataset repo: give "<owner>/<repo>", "<owner>/<repo>:<session id>" or a Hub URL.`,
    );
  }
  return {
    repo,
    hubUrl: endpoint,
    ...(token ? { token } : {}),
    ...(sessionId ? { sessionId } : {}),
    prefix: true,
  };
}

async function findSession(access: HubAccess, ref: ParsedRef): Promise<RemoteSession> {
  let files: Awaited<ReturnType<typeof listFolder>>;
  try {
    files = await listFolder(access, ref.repo, ref.day ? `sessions/${ref.day}` : "sessions");
  } catch (error) {
    throw new Error(
      `Could not list the sessions of dataset ${ref.repo} on ${access.hubUrl} (${describeError(error)}). ` +
        "Check the repo name, and that HF_TOKEN can read it (session repos are private).",
    );
  }
  const wanted = ref.sessionId;
  const candidates = groupSessions(files).filter(
    (session) =>
      wanted === undefined || session.sessionId === wanted || (ref.prefix && session.sessionId.startsWith(wanted)),
  );
  const ids = [...new Set(candidates.map((session) => session.sessionId))].sort();
  if (ids.length === 0) {
    const what = wanted ? `session "${wanted}"` : "session";
    throw new Error(
      `No ${what} in dataset ${ref.repo} on ${access.hubUrl} (looked under sessions/${ref.day ?? ""}). ` +
        "Check the repo and id: sessions are uploaded as sessions/YYYY-MM-DD/<id>.jsonl.",
    );
  }
  if (wanted !== undefined && ids.length > 1 && !ids.includes(wanted)) {
    throw new Error(
      `"${wanted}" matches ${ids.length} sessions in ${ref.repo}: ${ids.join(", ")}. Give more of the id.`,
    );
  }
  // Ids start with their creation time, so the greatest is the newest session (and, for one id
  // found under two days, the later day holds the newer copy).
  const id = wanted !== undefined && ids.includes(wanted) ? wanted : ids.at(-1)!;
  return candidates
    .filter((session) => session.sessionId === id)
    .sort((a, b) => a.day.localeCompare(b.day))
    .at(-1)!;
}

/**
 * The session's files, whole file first. A run that consolidates while we read deletes the parts
 * we listed (their lines are in the new whole file then): list again and start over.
 */
async function downloadSession(access: HubAccess, ref: ParsedRef): Promise<Array<{ path: string; text: string }>> {
  for (let attempt = 1; ; attempt++) {
    const remote = await findSession(access, ref);
    const pieces: Array<{ path: string; text: string }> = [];
    try {
      for (const piece of [...(remote.whole ? [remote.whole] : []), ...remote.parts]) {
        pieces.push({ path: piece.path, text: await download(access, ref, piece.path) });
      }
      return pieces;
    } catch (error) {
      if (!(error instanceof Vanished) || attempt >= 3) throw error;
    }
  }
}

class Vanished extends Error {}

async function download(access: HubAccess, ref: ParsedRef, path: string): Promise<string> {
  try {
    const blob = await downloadFile({
      repo: { type: "dataset", name: ref.repo },
      path,
      hubUrl: access.hubUrl,
      ...(ref.revision ? { revision: ref.revision } : {}),
      ...(access.fetch ? { fetch: access.fetch } : {}),
      ...credentials(access),
    });
    if (!blob) throw new Vanished(`${path} disappeared from dataset ${ref.repo} while it was read; try again.`);
    return await blob.text();
  } catch (error) {
    if (error instanceof Vanished) throw error;
    if (error instanceof HubApiError && error.statusCode === 404) {
      throw new Vanished(`${path} disappeared from dataset ${ref.repo} while it was read; try again.`);
    }
    throw new Error(`Could not download ${path} from dataset ${ref.repo}: ${describeError(error)}`);
  }
}

/** The header and the entry lines, each once, up to the last one that links to those before it. */
function mergePieces(
  pieces: ReadonlyArray<{ path: string; text: string }>,
  warnings: string[],
): { header: Record<string, unknown>; lines: string[]; ids: string[] } {
  let header: Record<string, unknown> | undefined;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const piece of pieces) {
    const complete = piece.text.endsWith("\n") ? piece.text : piece.text.slice(0, piece.text.lastIndexOf("\n") + 1);
    if (complete.length < piece.text.length) {
      warnings.push(`dropped an incomplete last line in ${piece.path}`);
    }
    for (const line of complete.split("\n")) {
      if (line.trim() === "") continue;
      const value = parseObject(line);
      if (value?.type === "session") {
        header ??= value;
        continue;
      }
      const id = value?.id;
      const parentId = value?.parentId;
      const linked = parentId === null || (typeof parentId === "string" && seen.has(parentId));
      if (typeof id !== "string" || !linked) {
        warnings.push(
          `stopped at ${piece.path}: a line there is not an entry that follows the ones before it; the session continues from the last good entry`,
        );
        return finish(header, lines, seen);
      }
      if (seen.has(id)) continue;
      seen.add(id);
      lines.push(line);
    }
  }
  return finish(header, lines, seen);
}

function finish(
  header: Record<string, unknown> | undefined,
  lines: string[],
  seen: Set<string>,
): { header: Record<string, unknown>; lines: string[]; ids: string[] } {
  if (!header || typeof header.id !== "string") {
    throw new Error("The files on the Hub hold no Pincer session header: this is not a session uploaded by Pincer.");
  }
  return { header, lines, ids: [...seen] };
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function entryIds(text: string): Set<string> {
  const ids = new Set<string>();
  for (const line of text.split("\n")) {
    const value = line.trim() ? parseObject(line) : undefined;
    if (value && value.type !== "session" && typeof value.id === "string") ids.add(value.id);
  }
  return ids;
}
