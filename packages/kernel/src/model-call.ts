import { MessageAssembler } from "./assemble.js";
import { type EventBus, errorText } from "./events.js";
import type { AssistantMessage } from "./messages.js";
import type { ModelRequest, Provider, ProviderEvent } from "./provider.js";

export interface RetryPolicy {
  /** Retries after the first attempt, for errors the provider marks retryable. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A stream that sends nothing for this long is treated as a hung server: the attempt is
   * aborted and retried like a dropped connection. A stream is never cut for taking long while
   * it makes progress: this is the only clock on a model call.
   */
  idleTimeoutMs?: number;
  /** How the embedder names idleTimeoutMs to its users (a setting), for the message that ends a call on it. */
  idleTimeoutSetting?: string;
  /** Of the retries, how many may follow a stall (idle timeout): a server that hangs again is hung. */
  maxStallRetries?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  idleTimeoutMs: 120_000,
  maxStallRetries: 1,
};

const IDLE = Symbol("idle");

export interface ModelCallResult {
  message: AssistantMessage;
  argumentErrors: Map<string, string>;
  /** The provider's final error, after retries. */
  error?: { message: string; retryable: boolean; status?: number };
}

/**
 * One model call: stream, assemble, and retry retryable failures with exponential backoff
 * (honouring retry-after). A retried attempt starts from scratch, so a partial stream from a
 * failed attempt never mixes into the result.
 */
export async function callModel(options: {
  provider: Provider;
  modelRef: string;
  request: ModelRequest;
  signal: AbortSignal;
  retry: RetryPolicy;
  bus?: EventBus;
  /** Told the name of each tool the model starts to call, as soon as the stream says so. */
  onToolCallStart?: (name: string) => void;
}): Promise<ModelCallResult> {
  const { provider, modelRef, request, signal, retry, bus, onToolCallStart } = options;
  let stalls = 0;
  for (let attempt = 0; ; attempt++) {
    const assembler = new MessageAssembler(modelRef, provider.id);
    // Each attempt has its own signal: a stalled attempt is aborted without aborting the turn.
    const attempt$ = new AbortController();
    const forward = () => attempt$.abort(signal.reason);
    // "abort" fires once: a turn aborted before this attempt began would never reach it.
    if (signal.aborted) forward();
    else signal.addEventListener("abort", forward, { once: true });
    let iterator: AsyncIterator<ProviderEvent> | undefined;
    let streamed = false;
    let stalled = false;
    try {
      iterator = provider.stream(request, attempt$.signal)[Symbol.asyncIterator]();
      while (true) {
        const next = await nextOrIdle(iterator, retry.idleTimeoutMs);
        if (next === IDLE) {
          attempt$.abort(new Error("idle"));
          void iterator.return?.(undefined)?.catch(() => {});
          stalled = true;
          stalls++;
          assembler.push({
            type: "error",
            message: idleMessage(provider.id, retry),
            retryable: stalls <= (retry.maxStallRetries ?? DEFAULT_RETRY.maxStallRetries ?? 1),
          });
          break;
        }
        if (next.done) break;
        if (next.value.type !== "usage" && next.value.type !== "stop" && next.value.type !== "error") streamed = true;
        assembler.push(next.value);
        if (next.value.type === "toolcall_start" && onToolCallStart) announce(onToolCallStart, next.value.name);
        bus?.emit({ type: "stream", event: next.value });
        if (next.value.type === "error" || signal.aborted) break;
      }
    } catch (error) {
      // Providers should not throw, but a buggy one must not take the loop down.
      assembler.push({ type: "error", message: `${provider.id}: ${errorText(error)}`, retryable: false });
    }
    signal.removeEventListener("abort", forward);
    if (!stalled && !signal.aborted && !assembler.failure && !assembler.stopped) {
      // A reply ends with a stop or an error: a stream that just ends lost its end on the way.
      assembler.push({
        type: "error",
        message: `${provider.id}: the reply ended without saying how (no stop event); it may be incomplete.`,
        retryable: true,
      });
    }
    const failure = assembler.failure;
    if (signal.aborted) return { message: assembler.finish(true), argumentErrors: new Map() };
    if (!failure) return { message: assembler.finish(false), argumentErrors: assembler.argumentErrors };
    if (!failure.retryable || attempt >= retry.maxRetries) {
      return {
        message: assembler.finish(false),
        argumentErrors: new Map(),
        error: {
          message: failure.message,
          retryable: failure.retryable,
          ...(failure.status ? { status: failure.status } : {}),
        },
      };
    }
    const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
    const delayMs = Math.min(retry.maxDelayMs, Math.max(failure.retryAfterMs ?? 0, jitter(backoff)));
    // What the failed attempt streamed is dropped (the next starts from scratch): front ends that showed it say so.
    bus?.emit({
      type: "retry",
      attempt: attempt + 1,
      delayMs,
      error: failure.message,
      ...(streamed ? { discarded: true } : {}),
    });
    await sleep(delayMs, signal);
  }
}

/** A listener's failure is its own: the stream goes on. */
function announce(listener: (name: string) => void, name: string): void {
  try {
    listener(name);
  } catch {}
}

function idleMessage(providerId: string, retry: RetryPolicy): string {
  const idleMs = retry.idleTimeoutMs ?? 0;
  const quiet = idleMs >= 1000 ? `${Math.round(idleMs / 1000)} s` : `${idleMs} ms`;
  const limit = retry.idleTimeoutSetting ? ` (the limit is ${retry.idleTimeoutSetting})` : "";
  return `${providerId}: the stream sent nothing for ${quiet}${limit}; the server may be hung.`;
}

/** The iterator's next event, or IDLE when none comes within `ms` (no limit when unset). */
async function nextOrIdle<T>(
  iterator: AsyncIterator<T>,
  ms: number | undefined,
): Promise<IteratorResult<T> | typeof IDLE> {
  if (!ms) return iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => {
    timer = setTimeout(() => resolve(IDLE), ms);
  });
  try {
    return await Promise.race([iterator.next(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

function jitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
