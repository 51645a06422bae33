import Anthropic from "@anthropic-ai/sdk";
import {
  endedEarly,
  type ModelRequest,
  notAnEventStream,
  type Provider,
  type ProviderContext,
  type ProviderEvent,
  type StopReason,
} from "@pincer/sdk";
import { toMessages, toSystem, toTools } from "./convert.js";
import { toErrorEvent } from "./errors.js";
import { thinkingParamsFor } from "./thinking.js";

const STOP: Record<string, StopReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  tool_use: "toolUse",
  max_tokens: "length",
  model_context_window_exceeded: "length",
};

/** Anthropic Messages through the real SDK; retries are the kernel's, so the SDK's are off. */
export function createAnthropicProvider(ctx: ProviderContext, id = "anthropic"): Provider {
  let client: Anthropic | undefined;
  const getClient = (credentials: { apiKey: string } | { authToken: string }) => {
    const baseURL = (ctx.config.baseURL as string | undefined) ?? ctx.env.get("ANTHROPIC_BASE_URL");
    client ??= new Anthropic({
      ...("apiKey" in credentials
        ? { apiKey: credentials.apiKey }
        : { apiKey: null, authToken: credentials.authToken }),
      ...(baseURL ? { baseURL } : {}),
      fetch: ctx.fetch,
      maxRetries: 0,
      ...(ctx.config.headers ? { defaultHeaders: ctx.config.headers as Record<string, string> } : {}),
    });
    return client;
  };

  return {
    id,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
      const apiKey = (ctx.config.apiKey as string | undefined) ?? ctx.env.get("ANTHROPIC_API_KEY");
      const authToken = ctx.env.get("ANTHROPIC_AUTH_TOKEN");
      if (!apiKey && !authToken) {
        yield {
          type: "error",
          message: "ANTHROPIC_API_KEY is not set; export it, or run with another --model.",
          retryable: false,
        };
        return;
      }
      const messages = toMessages(request, id);
      // Adaptive thinking for current models, a token budget for older ones (see thinking.ts).
      const thinking = thinkingParamsFor(request, messages);
      const tools = toTools(request);
      const system = toSystem(request);
      const open = new Set<number>();
      let stopReason: string | null = null;
      let stopped = false;
      try {
        const { data: stream, response } = await getClient(apiKey ? { apiKey } : { authToken: authToken as string })
          .messages.create(
            {
              model: request.model,
              ...thinking,
              messages,
              ...(system ? { system } : {}),
              ...(tools.length ? { tools } : {}),
              stream: true,
            },
            { signal },
          )
          .withResponse();
        const wrongType = await notAnEventStream(response, id);
        if (wrongType) {
          stream.controller.abort();
          yield wrongType;
          return;
        }
        for await (const event of stream) {
          switch (event.type) {
            case "message_start": {
              const usage = event.message.usage;
              yield {
                type: "usage",
                usage: {
                  input: usage.input_tokens,
                  output: usage.output_tokens,
                  cacheRead: usage.cache_read_input_tokens ?? 0,
                  cacheWrite: usage.cache_creation_input_tokens ?? 0,
                },
              };
              break;
            }
            case "content_block_start":
              if (event.content_block.type === "tool_use") {
                open.add(event.index);
                yield {
                  type: "toolcall_start",
                  index: event.index,
                  id: event.content_block.id,
                  name: event.content_block.name,
                };
              }
              break;
            case "content_block_delta": {
              const delta = event.delta;
              if (delta.type === "text_delta") yield { type: "text_delta", text: delta.text };
              else if (delta.type === "thinking_delta") yield { type: "thinking_delta", text: delta.thinking };
              else if (delta.type === "signature_delta") {
                yield { type: "thinking_delta", text: "", signature: delta.signature };
              } else if (delta.type === "input_json_delta") {
                yield { type: "toolcall_delta", index: event.index, argumentsDelta: delta.partial_json };
              }
              break;
            }
            case "content_block_stop":
              if (open.delete(event.index)) yield { type: "toolcall_end", index: event.index };
              break;
            case "message_stop":
              stopped = true;
              break;
            case "message_delta":
              stopReason = event.delta.stop_reason ?? stopReason;
              yield { type: "usage", usage: { output: event.usage.output_tokens } };
              break;
            default:
              break;
          }
        }
      } catch (error) {
        if (signal.aborted) {
          yield { type: "stop", reason: "aborted" };
          return;
        }
        yield toErrorEvent(error, id);
        return;
      }
      // The SDK's stream ends quietly when aborted: say so, rather than claim a finished turn.
      if (signal.aborted) {
        yield { type: "stop", reason: "aborted" };
        return;
      }
      // A reply ends with message_stop: a stream that ends without it was cut short.
      if (!stopped) {
        yield endedEarly(id, "no message_stop event");
        return;
      }
      if (stopReason === "refusal") {
        yield { type: "error", message: `${id}: the model declined to answer (refusal).`, retryable: false };
        return;
      }
      yield { type: "stop", reason: stopReason ? (STOP[stopReason] ?? "stop") : "stop" };
    },
  };
}
