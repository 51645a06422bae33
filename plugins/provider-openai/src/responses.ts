import {
  endedEarly,
  type Message,
  type ModelRequest,
  notAnEventStream,
  type ProviderEvent,
  type StopReason,
} from "@pincer/sdk";
import type OpenAI from "openai";
import type { ResponseInputItem } from "openai/resources/responses/responses";

/**
 * OpenAI's Responses API: reasoning arrives as items whose encrypted content we keep (in the
 * thinking block's signature) and send back on the next turn with `store: false`, so the model
 * keeps its reasoning across tool calls without OpenAI storing the conversation.
 */
export async function* streamResponses(
  client: OpenAI,
  providerId: string,
  request: ModelRequest,
  signal: AbortSignal,
): AsyncGenerator<ProviderEvent> {
  const { data: stream, response } = await client.responses
    .create(
      {
        model: request.model,
        input: toResponsesInput(request, providerId),
        ...(request.systemPrompt ? { instructions: request.systemPrompt } : {}),
        ...(request.tools.length
          ? {
              tools: request.tools.map((tool) => ({
                type: "function" as const,
                name: tool.name,
                description: tool.description,
                parameters: tool.parameters,
                strict: false,
              })),
            }
          : {}),
        ...(request.maxOutputTokens ? { max_output_tokens: request.maxOutputTokens } : {}),
        ...(request.reasoning ? { reasoning: { effort: request.reasoning, summary: "auto" as const } } : {}),
        include: ["reasoning.encrypted_content"],
        store: false,
        stream: true,
      },
      { signal },
    )
    .withResponse();
  const wrongType = await notAnEventStream(response, providerId);
  if (wrongType) {
    stream.controller.abort();
    yield wrongType;
    return;
  }
  let calledTools = false;
  for await (const event of stream) {
    switch (event.type) {
      case "response.output_item.added":
        if (event.item.type === "function_call") {
          calledTools = true;
          yield { type: "toolcall_start", index: event.output_index, id: event.item.call_id, name: event.item.name };
        }
        break;
      case "response.function_call_arguments.delta":
        yield { type: "toolcall_delta", index: event.output_index, argumentsDelta: event.delta };
        break;
      case "response.output_text.delta":
        yield { type: "text_delta", text: event.delta };
        break;
      case "response.reasoning_summary_text.delta":
        yield { type: "thinking_delta", text: event.delta };
        break;
      case "response.output_item.done":
        if (event.item.type === "function_call") yield { type: "toolcall_end", index: event.output_index };
        else if (event.item.type === "reasoning" && event.item.encrypted_content) {
          // The signature carries the reasoning item back to this provider on the next turn.
          const signature = JSON.stringify({ id: event.item.id, encrypted_content: event.item.encrypted_content });
          yield { type: "thinking_delta", text: "", signature };
        }
        break;
      case "response.completed":
      case "response.incomplete": {
        const usage = event.response.usage;
        if (usage) {
          const cached = usage.input_tokens_details?.cached_tokens ?? 0;
          yield {
            type: "usage",
            usage: { input: usage.input_tokens - cached, output: usage.output_tokens, cacheRead: cached },
          };
        }
        const reason: StopReason = event.type === "response.incomplete" ? "length" : calledTools ? "toolUse" : "stop";
        yield { type: "stop", reason };
        return;
      }
      case "response.failed":
        yield {
          type: "error",
          message: `${providerId}: the response failed (${event.response.error?.message ?? "no reason given"}).`,
          retryable: false,
        };
        return;
      case "error":
        yield {
          type: "error",
          message: `${providerId}: ${event.message}`,
          retryable: /overloaded|rate|server/i.test(event.message),
        };
        return;
      default:
        break;
    }
  }
  // Only response.completed (or .incomplete, .failed) ends a reply: a body that simply stops was cut.
  yield signal.aborted ? { type: "stop", reason: "aborted" } : endedEarly(providerId, "no response.completed event");
}

/** The conversation as Responses input items; reasoning goes back only to the provider that made it. */
export function toResponsesInput(request: ModelRequest, providerId: string): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const message of request.messages) items.push(...convert(message, providerId));
  return items;
}

function convert(message: Message, providerId: string): ResponseInputItem[] {
  if (message.role === "user") {
    if (typeof message.content === "string")
      return [{ role: "user", content: [{ type: "input_text", text: message.content }] }];
    return [
      {
        role: "user",
        content: message.content.map((block) =>
          block.type === "text"
            ? { type: "input_text" as const, text: block.text }
            : {
                type: "input_image" as const,
                detail: "auto" as const,
                image_url: `data:${block.mimeType};base64,${block.data}`,
              },
        ),
      },
    ];
  }
  if (message.role === "toolResult") {
    // Images go back as the call's output, beside its text (input_image with a data URL).
    if (message.content.some((block) => block.type === "image")) {
      const output = message.content.map((block) =>
        block.type === "text"
          ? { type: "input_text" as const, text: block.text }
          : {
              type: "input_image" as const,
              detail: "auto" as const,
              image_url: `data:${block.mimeType};base64,${block.data}`,
            },
      );
      return [{ type: "function_call_output", call_id: message.toolCallId, output }];
    }
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
    return [{ type: "function_call_output", call_id: message.toolCallId, output: text || "(no output)" }];
  }
  const mine = message.model.startsWith(`${providerId}/`);
  const items: ResponseInputItem[] = [];
  for (const block of message.content) {
    if (block.type === "thinking") {
      const reasoning = mine && block.signature ? parseReasoning(block.signature) : undefined;
      if (reasoning)
        items.push({
          type: "reasoning",
          id: reasoning.id,
          encrypted_content: reasoning.encrypted_content,
          summary: [],
        });
    } else if (block.type === "text" && block.text) {
      items.push({ role: "assistant", content: block.text });
    } else if (block.type === "toolCall") {
      items.push({
        type: "function_call",
        call_id: block.id,
        name: block.name,
        arguments: JSON.stringify(block.arguments),
      });
    }
  }
  return items;
}

function parseReasoning(signature: string): { id: string; encrypted_content: string } | undefined {
  try {
    const parsed = JSON.parse(signature) as { id?: unknown; encrypted_content?: unknown };
    return typeof parsed.id === "string" && typeof parsed.encrypted_content === "string"
      ? { id: parsed.id, encrypted_content: parsed.encrypted_content }
      : undefined;
  } catch {
    return undefined;
  }
}
