import type { Message, ModelRequest } from "@pincer/sdk";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";

/**
 * Pincer's conversation as Chat Completions messages. Thinking blocks are dropped: this API
 * has no field that accepts them back, and sending them as text would change what the model
 * said.
 */
export function toChatMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (request.systemPrompt) out.push({ role: "system", content: request.systemPrompt });
  for (const message of request.messages) out.push(...convert(message));
  return out;
}

function convert(message: Message): ChatCompletionMessageParam[] {
  if (message.role === "user") {
    if (typeof message.content === "string") return [{ role: "user", content: message.content }];
    return [
      {
        role: "user",
        content: message.content.map((block) =>
          block.type === "text"
            ? { type: "text" as const, text: block.text }
            : { type: "image_url" as const, image_url: { url: `data:${block.mimeType};base64,${block.data}` } },
        ),
      },
    ];
  }
  if (message.role === "toolResult") {
    const text = message.content.map((block) => (block.type === "text" ? block.text : "[image omitted]")).join("\n");
    return [{ role: "tool", tool_call_id: message.toolCallId, content: text || "(no output)" }];
  }
  const text = message.content
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("");
  const calls = message.content.filter((block) => block.type === "toolCall");
  if (!text && calls.length === 0) return [];
  return [
    {
      role: "assistant",
      content: text || null,
      ...(calls.length > 0
        ? {
            tool_calls: calls.map((call) => ({
              id: call.id,
              type: "function" as const,
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            })),
          }
        : {}),
    },
  ];
}

export function toChatTools(request: ModelRequest): ChatCompletionTool[] {
  return request.tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}
