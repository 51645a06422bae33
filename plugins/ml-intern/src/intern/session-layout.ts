/**
 * Where a session lives in a Hub dataset repo.
 *
 * `sessions/YYYY-MM-DD/<id>.jsonl` is the whole session as of the last consolidation (on exit);
 * `sessions/YYYY-MM-DD/<id>/part-000N.jsonl` hold the lines appended after it, in order. The
 * session is the whole file (if any) followed by the parts. A consolidation writes the whole file
 * and deletes the parts in one commit, so a reader never sees a line twice or loses one.
 */
import type { HubFile } from "./hub-client.js";

/** The parts of one session found on the Hub, in upload order. */
export interface RemoteSession {
  sessionId: string;
  day: string;
  whole?: HubFile;
  parts: HubFile[];
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

/** Groups the files under `sessions/` into sessions, parts in order. */
export function groupSessions(files: readonly HubFile[]): RemoteSession[] {
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
    const day = segments[1] as string;
    const name = segments[2] ?? "";
    if (segments.length === 3 && name.endsWith(".jsonl")) {
      get(day, name.slice(0, -".jsonl".length)).whole = file;
    } else if (segments.length === 4 && PART_NAME.test(segments[3] ?? "")) {
      get(day, name).parts.push(file);
    }
  }
  for (const session of sessions.values()) session.parts.sort((a, b) => partIndex(a.path) - partIndex(b.path));
  return [...sessions.values()];
}
