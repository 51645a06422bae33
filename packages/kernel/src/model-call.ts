import { MessageAssembler } from "./assemble.js";
import { type EventBus, errorText } from "./events.js";
import type { AssistantMessage } from "./messages.js";
import type { ModelRequest, Provider } from "./provider.js";

export interface RetryPolicy {
  /** Retries after the first attempt, for errors the provider marks retryable. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

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
}): Promise<ModelCallResult> {
  const { provider, modelRef, request, signal, retry, bus } = options;
  for (let attempt = 0; ; attempt++) {
    const assembler = new MessageAssembler(modelRef, provider.id);
    try {
      for await (const event of provider.stream(request, signal)) {
        assembler.push(event);
        bus?.emit({ type: "stream", event });
        if (event.type === "error" || signal.aborted) break;
      }
    } catch (error) {
      // Providers should not throw, but a buggy one must not take the loop down.
      assembler.push({ type: "error", message: `${provider.id}: ${errorText(error)}`, retryable: false });
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
    bus?.emit({ type: "retry", attempt: attempt + 1, delayMs, error: failure.message });
    await sleep(delayMs, signal);
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
