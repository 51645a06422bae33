import { APIConnectionError, APIError } from "@anthropic-ai/sdk";
import { connectionErrorEvent, isTransientStreamError, type ProviderEvent, parseRetryAfter } from "@pincer/sdk";

/** Overloaded (529) and the usual transient statuses are worth a retry; the rest are not. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

/** An SDK error as the kernel's error event: status, retryable, retry-after, and what to do. */
export function toErrorEvent(error: unknown, providerId: string): Extract<ProviderEvent, { type: "error" }> {
  if (error instanceof APIConnectionError) return connectionErrorEvent(error, providerId, "ANTHROPIC_BASE_URL");
  if (error instanceof APIError) {
    const body = error.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type;
    const status = typeof error.status === "number" ? error.status : undefined;
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after") ?? null);
    const overloaded = type === "overloaded_error" || status === 529;
    return {
      type: "error",
      message:
        `${providerId}: ${status ?? "stream"} ${type ?? ""} ${body?.error?.message ?? error.message}. ${advice(status, type, providerId)}`
          .replace(/\s+/g, " ")
          .trim(),
      retryable: overloaded || (status !== undefined && RETRYABLE.has(status)),
      ...(status !== undefined ? { status } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    type: "error",
    message: `${providerId}: the stream failed (${message}).`,
    retryable: isTransientStreamError(message) || /overloaded/i.test(message),
  };
}

function advice(status: number | undefined, type: string | undefined, providerId: string): string {
  if (status === 401 || type === "authentication_error") return "Check ANTHROPIC_API_KEY.";
  if (status === 403) return "Your key is not allowed to use this model.";
  if (status === 404) return `Check the model name (pincer models lists ${providerId}'s).`;
  if (status === 413) return "The conversation is too large; compact it or start a new session.";
  if (status === 429) return "Rate limited; Pincer retries with backoff.";
  if (status === 529 || type === "overloaded_error") return "Anthropic is overloaded; Pincer retries with backoff.";
  if (status !== undefined && status >= 500) return "The API failed; Pincer retries with backoff.";
  return "";
}
