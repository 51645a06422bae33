/**
 * Uploads a running session to the user's private Hub dataset, so a multi-day run survives the
 * machine it runs on (`fetchSession` brings it back anywhere).
 *
 * - Incremental: each upload commits only the complete lines written since the last successful
 *   one, as `sessions/YYYY-MM-DD/<id>/part-000N.jsonl`. `close()` consolidates: one commit writes
 *   the whole `sessions/YYYY-MM-DD/<id>.jsonl` and deletes the parts.
 * - Never blocks the run: `kick()` only schedules. One upload is in flight at a time; kicks during
 *   it, or within `minGapMs` of its start, coalesce into one follow-up. A timer uploads every
 *   `intervalMs` too.
 * - Failures are warned about once per streak and retried at the next tick, skipping ticks
 *   exponentially (up to 16) while the Hub stays down. After a failure the uploader reads again
 *   what the Hub holds, so a commit that landed but whose answer was lost is neither repeated nor lost.
 * - What leaves is the session's transcript as Pincer hands it to the plugin: secrets redacted.
 * - A repo that exists and is public is refused (warned once, with what to do).
 */
import type { DrivenSession } from "@pincer/sdk";
import {
  type CommitOperation,
  commit,
  describeError,
  ensureDataset,
  type HubAccess,
  listFiles,
  readFile,
} from "./hub-client.js";
import { dayOf, groupSessions, partIndex, partPath, webUrl, wholePath } from "./session-layout.js";
import { sessionsDatasetCard } from "./sessions-card.js";

export interface SessionUploadOptions {
  hub: HubAccess;
  /** "owner/name" of the user's PRIVATE dataset repo (created private if missing). */
  repo: string;
  session: Pick<DrivenSession, "id" | "createdAt" | "file" | "transcript">;
  /** Default 60_000: every minute while working. */
  intervalMs?: number;
  /** Kicks closer than this to the last upload's start wait for it (default 10_000). */
  minGapMs?: number;
  warn(message: string): void;
  /** How long `close()` waits for the final upload; default 30_000. */
  closeTimeoutMs?: number;
}

export interface SessionUploader {
  readonly url: string;
  /** After a tool call or a turn: upload soon, never blocks the caller. */
  kick(): void;
  /** At the end: the final upload (bounded wait); `bytes` it sent. */
  close(): Promise<{ uploaded: boolean; bytes: number; error?: string }>;
  /** Commits made, failed tries, and bytes sent so far (the benchmark reads them). */
  stats(): { uploads: number; failures: number; bytesSent: number };
}

interface RemoteState {
  /** Bytes of the transcript the Hub has. */
  offset: number;
  nextPart: number;
  parts: string[];
  hasWhole: boolean;
  /** The Hub's copy does not match the session's start: the next upload writes the whole file. */
  rewrite: boolean;
}

type Attempt = { ok: true; bytes: number } | { ok: false; error: string };
const MAX_SKIPPED_TICKS = 15;

export function startSessionUploader(options: SessionUploadOptions): SessionUploader {
  const { session, repo } = options;
  const day = dayOf(new Date(session.createdAt));
  const url = webUrl(options.hub.url, repo, wholePath(day, session.id));
  let inFlight: Promise<Attempt> | undefined;
  let kickedDuring = false;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let delayed: ReturnType<typeof setTimeout> | undefined;
  let closing: Promise<{ uploaded: boolean; bytes: number; error?: string }> | undefined;
  const counters = { uploads: 0, failures: 0, bytesSent: 0 };
  const sent = (text: string): number => {
    const bytes = new TextEncoder().encode(text).length;
    counters.uploads++;
    counters.bytesSent += bytes;
    return bytes;
  };
  let refusal: string | undefined;
  let repoReady = false;
  let remote: RemoteState | undefined;
  let streak = 0;
  let skip = 0;

  /** The transcript from `offset`: what the session holds on disk now, complete lines only. */
  const readFrom = async (offset: number): Promise<{ text: string; next: number }> => {
    let text = "";
    let at = offset;
    for (;;) {
      const piece = await session.transcript(at);
      text += piece.text;
      if (piece.next === at || piece.text === "") return { text, next: piece.next };
      at = piece.next;
    }
  };

  const discover = async (): Promise<RemoteState> => {
    const files = await listFiles(options.hub, repo, `sessions/${day}`);
    const found = groupSessions(files).find((entry) => entry.sessionId === session.id);
    if (!found) return { offset: 0, nextPart: 1, parts: [], hasWhole: false, rewrite: false };
    // A resumed run goes on with what is there when it is the start of this session.
    const local = (await readFrom(0)).text;
    let remoteText = "";
    for (const piece of [...(found.whole ? [found.whole] : []), ...found.parts]) {
      remoteText += (await readFile(options.hub, repo, piece.path)) ?? "";
    }
    const matches = local.startsWith(remoteText);
    const lastPart = found.parts.length > 0 ? partIndex(found.parts.at(-1)?.path ?? "") : 0;
    return {
      offset: matches ? new TextEncoder().encode(remoteText).length : 0,
      nextPart: lastPart + 1,
      parts: found.parts.map((part) => part.path),
      hasWhole: found.whole !== undefined,
      rewrite: !matches,
    };
  };

  /** One upload: the new lines as a part, or (final, or after a mismatch) the whole session. Returns bytes sent. */
  const upload = async (final: boolean): Promise<number> => {
    if (!repoReady) {
      const { private: isPrivate, created } = await ensureDataset(options.hub, repo);
      // A new repo gets its card first: what the files are and how to resume from them.
      if (created) {
        await commit(options.hub, repo, "Dataset card", [
          { op: "put", path: "README.md", text: sessionsDatasetCard({ repo, hubUrl: options.hub.url }) },
        ]);
      }
      if (!isPrivate) {
        refusal =
          `The dataset ${repo} on ${options.hub.url} is public, and a session (prompts, tool output, file contents) ` +
          "must not be published. Session upload is off for this run: make the repo private in its settings " +
          `(${options.hub.url}/datasets/${repo}/settings) or choose another repo name.`;
        clearInterval(timer);
        options.warn(refusal);
        return 0;
      }
      repoReady = true;
    }
    remote ??= await discover();
    const state = remote;
    if (final || state.rewrite) {
      const whole = await readFrom(0);
      const upToDate = !state.rewrite && state.hasWhole && state.parts.length === 0 && whole.next === state.offset;
      if (upToDate || whole.text === "") return 0;
      const operations: CommitOperation[] = [
        { op: "put", path: wholePath(day, session.id), text: whole.text },
        ...state.parts.map((path): CommitOperation => ({ op: "delete", path })),
      ];
      await commit(options.hub, repo, `Session ${session.id}: whole session`, operations);
      remote = { offset: whole.next, nextPart: state.nextPart, parts: [], hasWhole: true, rewrite: false };
      return sent(whole.text);
    }
    const slice = await readFrom(state.offset);
    if (slice.text === "") return 0;
    const path = partPath(day, session.id, state.nextPart);
    await commit(options.hub, repo, `Session ${session.id}: part ${state.nextPart}`, [
      { op: "put", path, text: slice.text },
    ]);
    state.offset = slice.next;
    state.nextPart++;
    state.parts.push(path);
    return sent(slice.text);
  };

  const attempt = async (final: boolean): Promise<Attempt> => {
    try {
      const bytes = await upload(final);
      if (streak > 0) options.warn(`Session upload to ${repo} works again (after ${streak} failed tries).`);
      streak = 0;
      return { ok: true, bytes };
    } catch (error) {
      counters.failures++;
      streak++;
      skip = Math.min(2 ** (streak - 1) - 1, MAX_SKIPPED_TICKS);
      remote = undefined;
      const reason = describeError(error);
      if (streak === 1 && !final) {
        options.warn(
          `Session upload to ${repo} failed (${reason}); the run goes on and the upload is retried later. ` +
            `The session is safe on disk at ${session.file}.`,
        );
      }
      return { ok: false, error: `Session upload to ${repo} failed (${reason})` };
    }
  };

  const start = (final: boolean): Promise<Attempt> => {
    lastStartedAt = performance.now();
    const running = attempt(final).finally(() => {
      inFlight = undefined;
      if (kickedDuring && !closing) {
        kickedDuring = false;
        kick();
      }
    });
    inFlight = running;
    return running;
  };

  const kick = (): void => {
    if (closing || refusal) return;
    if (inFlight) {
      kickedDuring = true;
      return;
    }
    if (streak > 0 || delayed) return;
    const wait = lastStartedAt + (options.minGapMs ?? 10_000) - performance.now();
    if (wait <= 0) {
      void start(false);
      return;
    }
    delayed = setTimeout(() => {
      delayed = undefined;
      kick();
    }, wait);
  };

  const timer = setInterval(() => {
    if (closing || refusal || inFlight) return;
    if (skip > 0) {
      skip--;
      return;
    }
    void start(false);
  }, options.intervalMs ?? 60_000);

  const finish = async (): Promise<{ uploaded: boolean; bytes: number; error?: string }> => {
    clearInterval(timer);
    if (delayed) clearTimeout(delayed);
    const limitMs = options.closeTimeoutMs ?? 30_000;
    let expiry: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<Attempt>((resolve) => {
      expiry = setTimeout(
        () => resolve({ ok: false, error: `the Hub did not answer within ${limitMs / 1000} s` }),
        limitMs,
      );
    });
    const final = (async (): Promise<Attempt> => {
      if (inFlight) await inFlight;
      if (refusal) return { ok: false, error: refusal };
      const result = await start(true);
      return refusal ? { ok: false, error: refusal } : result;
    })();
    const result = await Promise.race([final, expired]);
    clearTimeout(expiry);
    if (result.ok) return { uploaded: true, bytes: result.bytes };
    return {
      uploaded: false,
      bytes: 0,
      error: `${result.error}. The session is complete on disk at ${session.file}; the parts uploaded so far are on the Hub.`,
    };
  };

  return {
    url,
    kick,
    close: () => {
      closing ??= finish();
      return closing;
    },
    stats: () => ({ ...counters }),
  };
}
