import {
  endedEarly,
  type ModelRequest,
  notAnEventStream,
  type Provider,
  type ProviderContext,
  type ProviderEvent,
  type StopReason,
} from "@pincer/sdk";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { chatBody, chatTools, toChatMessagesJson } from "./convert.js";
import { toErrorEvent } from "./errors.js";
import { streamResponses } from "./responses.js";

const FINISH: Record<string, StopReason> = {
  stop: "stop",
  tool_calls: "toolUse",
  function_call: "toolUse",
  length: "length",
  content_filter: "error",
};

/** Where an OpenAI-compatible service takes its key and base URL from. */
export interface EndpointSettings {
  /** Environment variable holding the key. */
  keyVariable: string;
  /** Environment variable that may override the base URL. */
  baseURLVariable?: string;
  /** Used when neither config nor the variable names one (the SDK's default is OpenAI's). */
  defaultBaseURL?: string;
  /** A server that needs no key (a local Ollama or vLLM). */
  keyOptional?: boolean;
  /** `streamUsage: false` for servers that reject stream_options; `parallelToolCalls: false`. */
  quirks?: Record<string, boolean>;
}

const OPENAI_ENDPOINT: EndpointSettings = { keyVariable: "OPENAI_API_KEY", baseURLVariable: "OPENAI_BASE_URL" };

/**
 * OpenAI Chat Completions through the real SDK; retries are the kernel's, so the SDK's are off.
 * The same code serves every OpenAI-compatible service (Hugging Face's router, vLLM, Ollama…):
 * only where the key and the base URL come from differs.
 */
export function createOpenAIProvider(
  ctx: ProviderContext,
  id = "openai",
  endpoint: EndpointSettings = OPENAI_ENDPOINT,
): Provider {
  let client: OpenAI | undefined;
  const getClient = (apiKey: string) => {
    const baseURL =
      (ctx.config.baseURL as string | undefined) ??
      (endpoint.baseURLVariable ? ctx.env.get(endpoint.baseURLVariable) : undefined) ??
      endpoint.defaultBaseURL;
    client ??= new OpenAI({
      apiKey,
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
      const apiKey =
        (ctx.config.apiKey as string | undefined) ??
        ctx.env.get(endpoint.keyVariable) ??
        // The SDK insists on a key; a server that takes none ignores this one.
        (endpoint.keyOptional ? "no-key" : undefined);
      if (!apiKey) {
        yield {
          type: "error",
          message: `${endpoint.keyVariable} is not set; export it, or run with another --model.`,
          retryable: false,
        };
        return;
      }
      if (ctx.config.api === "responses") {
        try {
          yield* streamResponses(getClient(apiKey), id, request, signal);
        } catch (error) {
          yield signal.aborted ? { type: "stop", reason: "aborted" } : toErrorEvent(error, id);
        }
        return;
      }
      const open = new Map<number, boolean>();
      let finish: string | null = null;
      try {
        const tools = request.tools.length > 0 ? chatTools(request) : undefined;
        const params = {
          model: request.model,
          // Sent as `body` below: the messages are there as JSON made once per message.
          messages: [] as ChatCompletionMessageParam[],
          ...(tools ? { tools: tools.tools } : {}),
          ...(request.maxOutputTokens ? { max_completion_tokens: request.maxOutputTokens } : {}),
          ...(request.reasoning ? { reasoning_effort: request.reasoning } : {}),
          stream: true as const,
          ...(endpoint.quirks?.streamUsage === false ? {} : { stream_options: { include_usage: true } }),
          ...(endpoint.quirks?.parallelToolCalls === false && request.tools.length > 0
            ? { parallel_tool_calls: false }
            : {}),
        };
        // The body is written here and handed to the SDK as the request option `body` (a string with
        // its content type goes as it is; `params` still tell it the answer is a stream). Given the
        // parameters, the SDK serializes them at every call through a replacer called for every value
        // in them, the whole context again: ~1 ms of CPU a call at a 250 KB body.
        const body = chatBody(params, toChatMessagesJson(request), tools?.json);
        const { data: stream, response } = await getClient(apiKey)
          .chat.completions.create(params, { signal, body, headers: { "content-type": "application/json" } })
          .withResponse();
        const wrongType = await notAnEventStream(response, id);
        if (wrongType) {
          stream.controller.abort();
          yield wrongType;
          return;
        }
        for await (const chunk of stream) {
          if (chunk.usage) {
            const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
            yield {
              type: "usage",
              usage: {
                input: chunk.usage.prompt_tokens - cached,
                output: chunk.usage.completion_tokens,
                cacheRead: cached,
              },
            };
          }
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta as typeof choice.delta & { reasoning_content?: string; reasoning?: string };
          const reasoning = delta.reasoning_content ?? delta.reasoning;
          if (reasoning) yield { type: "thinking_delta", text: reasoning };
          if (delta.content) yield { type: "text_delta", text: delta.content };
          for (const call of delta.tool_calls ?? []) {
            if (!open.has(call.index)) {
              open.set(call.index, true);
              yield { type: "toolcall_start", index: call.index, id: call.id ?? "", name: call.function?.name ?? "" };
            }
            if (call.function?.arguments)
              yield { type: "toolcall_delta", index: call.index, argumentsDelta: call.function.arguments };
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
      } catch (error) {
        if (signal.aborted) {
          yield { type: "stop", reason: "aborted" };
          return;
        }
        yield toErrorEvent(error, id);
        return;
      }
      if (signal.aborted) {
        yield { type: "stop", reason: "aborted" };
        return;
      }
      // Every reply ends with a finish reason: a stream that stops without one was cut short.
      if (finish === null) {
        yield endedEarly(id, "no finish_reason");
        return;
      }
      for (const index of open.keys()) yield { type: "toolcall_end", index };
      if (finish === "content_filter") {
        yield { type: "error", message: `${id}: the response was stopped by the content filter.`, retryable: false };
        return;
      }
      yield { type: "stop", reason: FINISH[finish] ?? "stop" };
    },
  };
}
