/**
 * Brings a session uploaded by the session uploader back from the Hub, into this machine's sessions
 * (through ctx.sessions.import, which checks it line by line and keeps a local copy that already
 * holds everything), so the run continues it here.
 *
 * The session is the whole file (if any) followed by the parts, in order. Lines are merged by
 * entry id (a retried part may repeat lines), and reading stops at the first line that is not a
 * complete entry linked to the ones before it: what follows depends on it.
 */
import { describeError, type HubAccess, listFiles, readFile } from "./hub-client.js";
import { groupSessions, type RemoteSession } from "./session-layout.js";

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

/** Whether a `resume` reference names a session on the Hub (`owner/name[:id]` or a URL), not a local id. */
export const isHubReference = (ref: string): boolean => ref.includes("/");

/** The session's JSONL as the Hub holds it, merged; `warnings` say what was repaired. */
export async function fetchSession(
  ref: string,
  hub: { url: string; token?: string; signal?: AbortSignal },
): Promise<{ jsonl: string; sessionId: string; warnings: string[]; repo: string; hubUrl: string }> {
  const parsed = parseRef(ref, hub.url.replace(/\/+$/, ""), hub.token);
  const access: HubAccess = {
    url: parsed.hubUrl,
    ...(parsed.token ? { token: parsed.token } : {}),
    ...(hub.signal ? { signal: hub.signal } : {}),
  };
  const warnings: string[] = [];
  const pieces = await downloadSession(access, parsed);
  const merged = mergePieces(pieces, warnings);
  const jsonl = [JSON.stringify(merged.header), ...merged.lines].map((line) => `${line}\n`).join("");
  return { jsonl, sessionId: String(merged.header.id), warnings, repo: parsed.repo, hubUrl: parsed.hubUrl };
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
  let files: Awaited<ReturnType<typeof listFiles>>;
  try {
    files = await listFiles(access, ref.repo, ref.day ? `sessions/${ref.day}` : "sessions", ref.revision);
  } catch (error) {
    throw new Error(
      `Could not list the sessions of dataset ${ref.repo} on ${access.url} (${describeError(error)}). ` +
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
      `No ${what} in dataset ${ref.repo} on ${access.url} (looked under sessions/${ref.day ?? ""}). ` +
        "Check the repo and id: sessions are uploaded as sessions/YYYY-MM-DD/<id>.jsonl.",
    );
  }
  if (wanted !== undefined && ids.length > 1 && !ids.includes(wanted)) {
    throw new Error(
      `"${wanted}" matches ${ids.length} sessions in ${ref.repo}: ${ids.join(", ")}. Give more of the id.`,
    );
  }
  const id = wanted !== undefined && ids.includes(wanted) ? wanted : (ids.at(-1) as string);
  return candidates
    .filter((session) => session.sessionId === id)
    .sort((a, b) => a.day.localeCompare(b.day))
    .at(-1) as RemoteSession;
}

/**
 * The session's files, whole file first. A run that consolidates while we read deletes the parts
 * we listed (their lines are in the new whole file then): list again and start over.
 */
async function downloadSession(access: HubAccess, ref: ParsedRef): Promise<Array<{ path: string; text: string }>> {
  for (let attempt = 1; ; attempt++) {
    const remote = await findSession(access, ref);
    const pieces: Array<{ path: string; text: string }> = [];
    let vanished = false;
    for (const piece of [...(remote.whole ? [remote.whole] : []), ...remote.parts]) {
      let text: string | undefined;
      try {
        text = await readFile(access, ref.repo, piece.path, ref.revision);
      } catch (error) {
        throw new Error(`Could not download ${piece.path} from dataset ${ref.repo}: ${describeError(error)}`);
      }
      if (text === undefined) {
        vanished = true;
        break;
      }
      pieces.push({ path: piece.path, text });
    }
    if (!vanished) return pieces;
    if (attempt >= 3)
      throw new Error(`the session's files in dataset ${ref.repo} kept changing while they were read; try again.`);
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
