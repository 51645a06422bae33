import { connectionErrorEvent, isTransientStreamError, type ProviderEvent, parseRetryAfter } from "@pincer/sdk";
import { APIConnectionError, APIError } from "openai";

const RETRYABLE = new Set([408, 409, 429]);

/** An SDK error as the kernel's error event: status, retryable, retry-after, and what to do. */
export function toErrorEvent(error: unknown, providerId: string): Extract<ProviderEvent, { type: "error" }> {
  if (error instanceof APIConnectionError) return connectionErrorEvent(error, providerId, "OPENAI_BASE_URL");
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const retryAfterMs = parseRetryAfter(error.headers?.get("retry-after") ?? null);
    return {
      type: "error",
      message: `${providerId}: ${status} ${cleanMessage(error.message)}. ${advice(status, providerId)}`,
      retryable: RETRYABLE.has(status) || status >= 500,
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  // A stream that breaks mid-way surfaces as a plain error from the SSE reader: worth a retry.
  return {
    type: "error",
    message: `${providerId}: the stream failed (${message}).`,
    retryable: isTransientStreamError(message),
  };
}

function cleanMessage(message: string): string {
  return message.replace(/^\d{3}\s+/, "").replace(/\.$/, "");
}

function advice(status: number, providerId: string): string {
  const key = `${providerId.toUpperCase()}_API_KEY`;
  if (status === 401) return `Check ${key}.`;
  if (status === 403) return "Your key lacks access to this model or endpoint.";
  if (status === 404) return "Check the model name (pincer models lists them) and the base URL.";
  if (status === 429) return "Rate limited: wait, or lower concurrency.";
  if (status >= 500) return "The provider failed; try again shortly.";
  return "See the provider's message above.";
}
