import type { Message, ModelRequest, Provider, ProviderContext, ProviderEvent } from "@pincer/sdk";
import { capturedValues, fillPlaceholders, toolResultText } from "./captures.js";
import { type Cassette, parseCassette } from "./cassette.js";

/**
 * Plays a recorded model back: `replay/<name>` reads `<name>.jsonl` from the cassette folder,
 * `replay/<path>.jsonl` a cassette file. The call to serve is derived from the conversation
 * (how many assistant turns it already has), so a resumed session replays deterministically.
 */
export function createReplayProvider(ctx: ProviderContext): Provider {
  const cache = new Map<string, Promise<Cassette>>();
  const delayMs = Number(ctx.config.delayMs ?? 0);
  const load = (name: string) => {
    let pending = cache.get(name);
    if (!pending) {
      const path = name.endsWith(".jsonl") ? name : `${cassetteDir(ctx)}/${name}.jsonl`;
      pending = ctx.fs.readText(path).then((text) => parseCassette(text, name));
      cache.set(name, pending);
    }
    return pending;
  };

  return {
    id: "replay",
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
      let cassette: Cassette;
      try {
        cassette = await load(request.model);
      } catch (error) {
        yield {
          type: "error",
          message: `replay: cannot load cassette "${request.model}": ${(error as Error).message}`,
          retryable: false,
        };
        return;
      }
      const position = request.messages.filter((message) => message.role === "assistant").length;
      const call = cassette.calls[position];
      if (!call) {
        yield {
          type: "error",
          message: `replay: cassette ${request.model} has only ${cassette.calls.length} calls; the conversation asked for call ${position + 1}.`,
          retryable: false,
        };
        return;
      }
      const expected = call.expect?.lastToolResultIncludes;
      if (expected !== undefined) {
        const actual = lastToolResult(request.messages);
        if (!actual.includes(expected)) {
          yield {
            type: "error",
            message: `replay diverged at call ${position + 1}: expected the last tool result to include ${JSON.stringify(expected)} but got ${JSON.stringify(actual.slice(0, 300))}.`,
            retryable: false,
          };
          return;
        }
      }
      const captured = capturedValues(cassette.calls, request.messages, position);
      if ("error" in captured) {
        yield { type: "error", message: captured.error, retryable: false };
        return;
      }
      for (const recorded of call.events) {
        if (signal.aborted) {
          yield { type: "stop", reason: "aborted" };
          return;
        }
        const filled = fillPlaceholders(recorded, captured.values);
        if ("missing" in filled) {
          yield {
            type: "error",
            message: `replay: call ${position + 1} of cassette ${request.model} uses {{${filled.missing}}}, which no call up to it captures.`,
            retryable: false,
          };
          return;
        }
        const event = filled.event;
        if (delayMs > 0 && (event.type === "text_delta" || event.type === "toolcall_delta"))
          await sleep(delayMs, signal);
        yield event;
      }
    },
  };
}

function cassetteDir(ctx: ProviderContext): string {
  return (ctx.config.cassetteDir as string | undefined) ?? `${ctx.config.pluginDir as string}/cassettes`;
}

function lastToolResult(messages: Message[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role === "toolResult") return toolResultText(message);
  }
  return "";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
