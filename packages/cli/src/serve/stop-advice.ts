import type { TurnResult } from "@pincer/kernel";

/**
 * What an HTTP client can do when a turn stopped short, in the server's words (its endpoints);
 * sent as `advice` on the turn_end event beside the kernel's `result.stop` code and data.
 */
export function serveStopAdvice(result: TurnResult, sessionId: string): string | undefined {
  const prompt = `POST /sessions/${sessionId}/prompt`;
  switch (result.stop?.code) {
    case "max_turns":
      return `The turn made ${result.stop.limit} model calls, the most one prompt may (maxTurns in the server's config.json). Send another prompt (${prompt}) to go on.`;
    case "loop_guard":
      return `Send a different instruction (${prompt}) to go on, or do this step yourself.`;
    case "blocked":
      return "A hook refused the prompt; send another one.";
    default:
      return undefined;
  }
}
