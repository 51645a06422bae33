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

/**
 * A request that never got an answer, as the kernel's error event: the sandbox's refusal of an
 * ungranted host (not retryable, and it says how to grant one), else a connection failure
 * (retryable). `baseUrlVariable` names the variable that points the provider elsewhere.
 */
export function connectionErrorEvent(
  error: Error,
  providerId: string,
  baseUrlVariable: string,
): { type: "error"; message: string; retryable: boolean } {
  // A host the plugin was not granted is refused by the sandbox: no retry will change that.
  const refusal = networkRefusal(error);
  if (refusal) {
    return {
      type: "error",
      message: `${providerId}: ${refusal}. Point the provider at a granted host (${baseUrlVariable} grants the host it names), or grant it with pincer plugin grant.`,
      retryable: false,
    };
  }
  return {
    type: "error",
    message: `${providerId}: connection failed (${error.message}). Check the base URL and your network.`,
    retryable: true,
  };
}
