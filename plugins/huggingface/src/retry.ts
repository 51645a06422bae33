/**
 * When the Hub is asked again. A 429 is retried for any request (the Hub refused it before doing
 * anything), honouring `Retry-After` up to a cap; a 5xx or a dropped connection only for a request
 * that is safe to repeat (GET, HEAD, PUT, DELETE, or a POST marked idempotent such as preupload),
 * since repeating a commit whose answer was lost would commit twice.
 */

export const RETRY = {
  /** Tries after the first, for 429 and 5xx. */
  retries: 3,
  /** Tries after the first for a dropped connection (an LFS PUT cut mid-way is sent once more). */
  networkRetries: 1,
  /** Longest Retry-After this tool waits; a longer one is reported instead. */
  maxWaitSeconds: 60,
  /** Backoff for 5xx without Retry-After: 0.5 s, 1 s, 2 s. */
  backoffMs: 500,
};

const RETRIED_5XX = new Set([500, 502, 503, 504]);

export type RetryDecision = { wait: number } | { stop: string };

/** Seconds from a Retry-After header (delta seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - now) / 1000);
}

/** Whether (and after how many milliseconds) to send a failed request again; `attempt` counts from 0. */
export function retryDecision(
  status: number,
  retryAfter: string | null,
  attempt: number,
  idempotent: boolean,
): RetryDecision {
  if (status === 0) {
    if (!idempotent) return { stop: "" };
    return attempt < RETRY.networkRetries ? { wait: RETRY.backoffMs } : { stop: ` (tried ${attempt + 1} times)` };
  }
  const rateLimited = status === 429;
  if (!rateLimited && !(RETRIED_5XX.has(status) && idempotent)) return { stop: "" };
  if (attempt >= RETRY.retries) return { stop: ` (tried ${attempt + 1} times)` };
  const asked = retryAfterSeconds(retryAfter);
  if (asked !== null && asked > RETRY.maxWaitSeconds) {
    return {
      stop: ` (the Hub asked to wait ${Math.round(asked)} s, longer than the ${RETRY.maxWaitSeconds} s this tool waits)`,
    };
  }
  if (asked !== null) return { wait: asked * 1000 };
  return { wait: RETRY.backoffMs * 2 ** attempt };
}

export const isIdempotent = (method: string | undefined): boolean =>
  ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].includes((method ?? "GET").toUpperCase());

/** Waits `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
