/**
 * Uploads a running session to the user's private Hub dataset, so a multi-day run survives the
 * machine it runs on (`fetchSessionFromHub` brings it back anywhere).
 *
 * - Incremental: each upload commits only the complete lines appended since the last successful
 *   one, as `sessions/YYYY-MM-DD/<id>/part-000N.jsonl`. On exit `close()` consolidates: one commit
 *   writes the whole `sessions/YYYY-MM-DD/<id>.jsonl` and deletes the parts.
 * - Never blocks the caller: `kick()` only schedules. One upload is in flight at a time; kicks
 *   during it, or within `minGapMs` of its start, coalesce into one follow-up. A timer uploads
 *   every `intervalMs` too.
 * - Failures are counted, warned about once per streak, and retried at the next tick, skipping
 *   ticks exponentially (1, 2, 4 … up to 16) while the Hub stays down. After a failure the
 *   uploader re-reads what the Hub holds, so a commit that landed but whose answer was lost is
 *   neither repeated nor lost.
 * - Only the session file is read, and its text goes through the redactor before it leaves.
 * - A repo that exists and is public is refused (warned once, with what to do).
 */
import { open, readFile, stat } from "node:fs/promises";
import { type CommitOperation, commit } from "@huggingface/hub";
import type { Redactor } from "@pincer/kernel";
import {
  credentials,
  dayOf,
  describeError,
  ensurePrivateDataset,
  groupSessions,
  type HubAccess,
  listFolder,
  matchesRemote,
  partIndex,
  partPath,
  redactLines,
  trimSlash,
  uploadRedactor,
  webUrl,
  wholePath,
} from "./session-hub.js";

export interface SessionUploadOptions {
  /** HF_ENDPOINT or https://huggingface.co. */
  endpoint: string;
  token?: string;
  /** "owner/name" of the user's PRIVATE dataset repo (created private if missing). */
  repo: string;
  /** The local JSONL. */
  sessionFile: string;
  sessionId: string;
  /** The session's start (its header's createdAt), for `sessions/YYYY-MM-DD/`: a resumed run keeps its folder. */
  startedAt: Date;
  /** Default 60_000: every minute while working. */
  intervalMs?: number;
  /**
   * Kicks closer than this to the last upload's start wait for it (default 10_000): a fast loop
   * makes one commit per ten seconds, not one per turn, which the Hub's commit rate limits welcome.
   */
  minGapMs?: number;
  warn(message: string): void;
  /** How long `close()` waits for the final upload; default 30_000. */
  closeTimeoutMs?: number;
  /** One upload attempt is abandoned (and retried later) after this long; default 120_000. */
  attemptTimeoutMs?: number;
  /** For tests and benchmarks: the fetch the Hub client uses. */
  fetch?: typeof fetch;
  /** Secrets by env name (default process.env) for the redactor. */
  env?: NodeJS.ProcessEnv;
}

export interface SessionUploader {
  /** Where the session lives on the Hub (web URL of the consolidated file). */
  readonly url: string;
  /** After each turn: upload soon, never blocks the caller. */
  kick(): void;
  /** On exit: final upload (bounded wait). */
  close(): Promise<{ uploaded: boolean; bytes: number; error?: string }>;
  stats(): { uploads: number; failures: number; bytesSent: number };
}

export function startSessionUploader(options: SessionUploadOptions): SessionUploader {
  return new Uploader(options);
}

/** What the Hub holds of this session, as far as this process knows. */
interface RemoteState {
  /** Bytes of the local file that the Hub has. */
  offset: number;
  nextPart: number;
  /** Part paths on the Hub now (deleted by the next consolidation). */
  parts: string[];
  hasWhole: boolean;
  /** The Hub's copy does not match the local file's start: the next upload writes the whole file. */
  rewrite: boolean;
}

type Attempt = { ok: true; bytes: number } | { ok: false; error: string };

const NEWLINE = 0x0a;
const MAX_SKIPPED_TICKS = 15;

class Uploader implements SessionUploader {
  readonly url: string;
  private readonly options: SessionUploadOptions;
  private readonly day: string;
  private readonly redact: Redactor;
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<Attempt> | undefined;
  private controller: AbortController | undefined;
  private kickedDuringUpload = false;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private delayed: NodeJS.Timeout | undefined;
  private closing: Promise<{ uploaded: boolean; bytes: number; error?: string }> | undefined;
  private refusal: string | undefined;
  private repoReady = false;
  private remote: RemoteState | undefined;
  private failureStreak = 0;
  private ticksToSkip = 0;
  private readonly counters = { uploads: 0, failures: 0, bytesSent: 0 };

  constructor(options: SessionUploadOptions) {
    this.options = { ...options, endpoint: trimSlash(options.endpoint) };
    this.day = dayOf(options.startedAt);
    this.url = webUrl(this.options.endpoint, options.repo, wholePath(this.day, options.sessionId));
    this.redact = uploadRedactor(options.token, options.env);
    // Unref'd: an uploader never keeps a finished process alive; close() does the last upload.
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 60_000).unref();
  }

  kick(): void {
    if (this.closing || this.refusal) return;
    if (this.inFlight) {
      this.kickedDuringUpload = true;
      return;
    }
    // While the Hub is failing, retries wait for the timer instead of hammering it on every turn.
    if (this.failureStreak > 0 || this.delayed) return;
    const wait = this.lastStartedAt + (this.options.minGapMs ?? 10_000) - performance.now();
    if (wait <= 0) {
      this.start(false);
      return;
    }
    this.delayed = setTimeout(() => {
      this.delayed = undefined;
      this.kick();
    }, wait).unref();
  }

  stats(): { uploads: number; failures: number; bytesSent: number } {
    return { ...this.counters };
  }

  close(): Promise<{ uploaded: boolean; bytes: number; error?: string }> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<{ uploaded: boolean; bytes: number; error?: string }> {
    clearInterval(this.timer);
    clearTimeout(this.delayed);
    const limitMs = this.options.closeTimeoutMs ?? 30_000;
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<Attempt>((resolve) => {
      timeout = setTimeout(() => {
        this.controller?.abort(new Error(`the Hub did not answer within ${limitMs / 1000} s`));
        resolve({ ok: false, error: `the Hub did not answer within ${limitMs / 1000} s` });
      }, limitMs);
    });
    const final = (async (): Promise<Attempt> => {
      if (this.inFlight) await this.inFlight;
      if (this.refusal) return { ok: false, error: this.refusal };
      const attempt = await this.start(true);
      // The first Hub call of the run can find the repo public.
      return this.refusal ? { ok: false, error: this.refusal } : attempt;
    })();
    const result = await Promise.race([final, expired]);
    clearTimeout(timeout);
    if (result.ok) return { uploaded: true, bytes: result.bytes };
    return {
      uploaded: false,
      bytes: 0,
      error: `${result.error}. The session is complete on disk at ${this.options.sessionFile}; the parts uploaded so far are on the Hub.`,
    };
  }

  private tick(): void {
    if (this.closing || this.refusal || this.inFlight) return;
    if (this.ticksToSkip > 0) {
      this.ticksToSkip--;
      return;
    }
    this.start(false);
  }

  private start(final: boolean): Promise<Attempt> {
    this.lastStartedAt = performance.now();
    const attempt = this.attempt(final).finally(() => {
      this.inFlight = undefined;
      if (this.kickedDuringUpload && !this.closing) {
        this.kickedDuringUpload = false;
        this.kick();
      }
    });
    this.inFlight = attempt;
    return attempt;
  }

  private async attempt(final: boolean): Promise<Attempt> {
    const controller = new AbortController();
    this.controller = controller;
    const limitMs = this.options.attemptTimeoutMs ?? 120_000;
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${limitMs / 1000} s`)), limitMs);
    try {
      const bytes = await this.upload(final, controller.signal);
      if (bytes > 0) {
        this.counters.uploads++;
        this.counters.bytesSent += bytes;
      }
      if (this.failureStreak > 0) {
        this.options.warn(
          `Session upload to ${this.options.repo} works again (after ${this.failureStreak} failed tries).`,
        );
      }
      this.failureStreak = 0;
      return { ok: true, bytes };
    } catch (error) {
      const reason = controller.signal.aborted ? describeError(controller.signal.reason) : describeError(error);
      this.counters.failures++;
      this.failureStreak++;
      this.ticksToSkip = Math.min(2 ** (this.failureStreak - 1) - 1, MAX_SKIPPED_TICKS);
      // What the Hub holds is uncertain now (the commit may have landed): ask again next time.
      this.remote = undefined;
      if (this.failureStreak === 1 && !final) {
        this.options.warn(
          `Session upload to ${this.options.repo} failed (${reason}); the run goes on and the upload is retried ` +
            `later. The session is safe on disk at ${this.options.sessionFile}.`,
        );
      }
      return { ok: false, error: `Session upload to ${this.options.repo} failed (${reason})` };
    } finally {
      clearTimeout(timeout);
      if (this.controller === controller) this.controller = undefined;
    }
  }

  /** One upload: the new lines as a part, or (final, or after a mismatch) the whole file. Returns bytes sent. */
  private async upload(final: boolean, signal: AbortSignal): Promise<number> {
    const baseFetch = this.options.fetch ?? fetch;
    const access: HubAccess = {
      hubUrl: this.options.endpoint,
      ...(this.options.token ? { token: this.options.token } : {}),
      fetch: (input, init) =>
        baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    };
    if (!this.repoReady) {
      const refusal = await ensurePrivateDataset(access, this.options.repo);
      if (refusal) {
        this.refusal = refusal;
        clearInterval(this.timer);
        this.options.warn(refusal);
        return 0;
      }
      this.repoReady = true;
    }
    this.remote ??= await this.discover(access);
    const remote = this.remote;
    if (final || remote.rewrite) return this.consolidate(access, remote, signal);

    const slice = await readCompleteLines(this.options.sessionFile, remote.offset);
    if (slice.length === 0) return 0;
    const content = Buffer.from(redactLines(slice.toString("utf8"), this.redact));
    const path = partPath(this.day, this.options.sessionId, remote.nextPart);
    await this.commit(access, signal, `Session ${this.options.sessionId}: part ${remote.nextPart}`, [
      { operation: "addOrUpdate", path, content: new Blob([content]) },
    ]);
    remote.offset += slice.length;
    remote.nextPart++;
    remote.parts.push(path);
    return content.length;
  }

  private async consolidate(access: HubAccess, remote: RemoteState, signal: AbortSignal): Promise<number> {
    const whole = await readCompleteLines(this.options.sessionFile, 0);
    const upToDate = !remote.rewrite && remote.hasWhole && remote.parts.length === 0 && whole.length === remote.offset;
    if (upToDate || whole.length === 0) return 0;
    const content = Buffer.from(redactLines(whole.toString("utf8"), this.redact));
    await this.commit(access, signal, `Session ${this.options.sessionId}: whole session`, [
      {
        operation: "addOrUpdate",
        path: wholePath(this.day, this.options.sessionId),
        content: new Blob([content]),
      },
      ...remote.parts.map((path): CommitOperation => ({ operation: "delete", path })),
    ]);
    this.remote = { offset: whole.length, nextPart: remote.nextPart, parts: [], hasWhole: true, rewrite: false };
    return content.length;
  }

  private async commit(access: HubAccess, signal: AbortSignal, title: string, operations: CommitOperation[]) {
    await commit({
      repo: { type: "dataset", name: this.options.repo },
      hubUrl: access.hubUrl,
      ...credentials(access),
      ...(access.fetch ? { fetch: access.fetch } : {}),
      title,
      operations,
      abortSignal: signal,
    });
  }

  /** What the Hub already holds of this session (a resumed run continues its parts), checked against the file. */
  private async discover(access: HubAccess): Promise<RemoteState> {
    const files = await listFolder(access, this.options.repo, `sessions/${this.day}`);
    const found = groupSessions(files).find((session) => session.sessionId === this.options.sessionId);
    if (!found) return { offset: 0, nextPart: 1, parts: [], hasWhole: false, rewrite: false };
    const local = await readFile(this.options.sessionFile);
    let offset = 0;
    let rewrite = false;
    for (const piece of [...(found.whole ? [found.whole] : []), ...found.parts]) {
      if (!matchesRemote(local.subarray(offset, offset + piece.size), piece)) {
        rewrite = true;
        break;
      }
      offset += piece.size;
    }
    const lastPart = found.parts.length > 0 ? partIndex(found.parts.at(-1)!.path) : 0;
    return {
      offset: rewrite ? 0 : offset,
      nextPart: lastPart + 1,
      parts: found.parts.map((part) => part.path),
      hasWhole: found.whole !== undefined,
      rewrite,
    };
  }
}

/** The bytes of `file` from `offset` up to its last newline: only complete lines leave the machine. */
async function readCompleteLines(file: string, offset: number): Promise<Buffer> {
  const size = (await stat(file)).size;
  if (size <= offset) return Buffer.alloc(0);
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(size - offset);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const end = buffer.subarray(0, read).lastIndexOf(NEWLINE);
    return end < 0 ? Buffer.alloc(0) : buffer.subarray(0, end + 1);
  } finally {
    await handle.close();
  }
}
