/** One server-sent event's `data:` line, parsed as JSON (pincer serve sends objects with a `type`). */
export type ServerSentEvent = { type: string; [key: string]: unknown };

/**
 * Reads a `text/event-stream` response's events in order, each `data:` line parsed as JSON, until
 * `stop` accepts one (the stream is then cancelled) or the stream ends. `onEvent` sees each event
 * first and may act on it (answer a permission request) before the next is read. A client of
 * `pincer serve` written in a few lines; tests use it to follow a session.
 */
export async function readServerSentEvents<T extends { type: string } = ServerSentEvent>(
  response: Response,
  stop: (event: T, seen: T[]) => boolean,
  onEvent?: (event: T) => unknown,
): Promise<T[]> {
  if (!response.body) throw new Error(`the response (${response.status}) has no body to read events from`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const seen: T[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return seen;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const data = buffer
        .slice(0, end)
        .split("\n")
        .find((line) => line.startsWith("data: "));
      buffer = buffer.slice(end + 2);
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as T;
      seen.push(event);
      await onEvent?.(event);
      if (stop(event, seen)) {
        await reader.cancel();
        return seen;
      }
    }
  }
}
