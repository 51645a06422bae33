import type { ContentBlockParam, MessageParam, TextBlockParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import type { Message, ModelRequest } from "@pincer/sdk";

const CACHE = { type: "ephemeral" } as const;

/**
 * Pincer's conversation as Messages API turns. Thinking goes back only with the signature
 * Anthropic gave it (the API rejects anything else), and only to the model that wrote it; thinking
 * from another provider or another model is dropped (its text and tool calls stay).
 * Consecutive results of parallel tool calls share one user turn, as the API requires.
 */
export function toMessages(request: ModelRequest, providerId = "anthropic"): MessageParam[] {
  const out: MessageParam[] = [];
  for (const message of request.messages) {
    const converted = convert(message, providerId, request.model);
    if (!converted) continue;
    const last = out.at(-1);
    if (last && last.role === converted.role && converted.role === "user") {
      last.content = [...asBlocks(last.content), ...asBlocks(converted.content)];
    } else out.push(converted);
  }
  return out;
}

function asBlocks(content: MessageParam["content"]): ContentBlockParam[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function convert(message: Message, providerId: string, model: string): MessageParam | undefined {
  if (message.role === "user") {
    if (typeof message.content === "string") return { role: "user", content: message.content };
    return {
      role: "user",
      content: message.content.map((block) =>
        block.type === "text"
          ? { type: "text" as const, text: block.text }
          : {
              type: "image" as const,
              source: {
                type: "base64" as const,
                media_type: block.mimeType as "image/png" | "image/jpeg" | "image/gif" | "image/webp",
                data: block.data,
              },
            },
      ),
    };
  }
  if (message.role === "toolResult") {
    const content = message.content.map((block) =>
      block.type === "text"
        ? { type: "text" as const, text: block.text }
        : {
            type: "image" as const,
            source: {
              type: "base64" as const,
              media_type: block.mimeType as "image/png" | "image/jpeg" | "image/gif" | "image/webp",
              data: block.data,
            },
          },
    );
    return {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: message.toolCallId,
          content: content.length ? content : [{ type: "text", text: "(no output)" }],
          ...(message.isError ? { is_error: true } : {}),
        },
      ],
    };
  }
  const blocks: ContentBlockParam[] = [];
  // A signature binds thinking to the model that made it (Opus 5.5 and Fable reject any other), and
  // another model's reasoning is not this one's: only the same provider and model gets it back.
  const mine = message.model === `${providerId}/${model}`;
  for (const block of message.content) {
    if (block.type === "text" && block.text) blocks.push({ type: "text", text: block.text });
    else if (block.type === "thinking" && block.signature && mine) {
      blocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block.type === "toolCall") {
      blocks.push({ type: "tool_use", id: block.id, name: block.name, input: block.arguments });
    }
  }
  return blocks.length ? { role: "assistant", content: blocks } : undefined;
}

/** The system prompt as one cached block: it is the same on every turn of a session. */
export function toSystem(request: ModelRequest): TextBlockParam[] | undefined {
  return request.systemPrompt ? [{ type: "text", text: request.systemPrompt, cache_control: CACHE }] : undefined;
}

/** Tools, with the cache breakpoint on the last one: the whole list is cached as a prefix. */
export function toTools(request: ModelRequest): Tool[] {
  return request.tools.map((tool, index) => ({
    name: tool.name,
    description: tool.description,
    input_schema: tool.parameters as Tool["input_schema"],
    ...(index === request.tools.length - 1 ? { cache_control: CACHE } : {}),
  }));
}
