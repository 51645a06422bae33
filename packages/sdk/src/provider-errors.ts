/**
 * Helpers every provider plugin needs when it turns its SDK's errors into the kernel's error
 * events; shared here so each provider reads `retry-after` and sandbox refusals the same way.
 */

/** `retry-after` as milliseconds: seconds, or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The sandbox's refusal of a host the plugin was not granted, if that is what made a request
 * fail (SDKs wrap it as a connection error). No retry changes it, so it is not retryable.
 */
export function networkRefusal(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : "";
  return /network access to .* refused/.exec(message)?.[0];
}
