import type { Message, ModelRequest } from "@pincer/sdk";
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";

/**
 * Pincer's conversation as Chat Completions messages. Thinking blocks are dropped: this API
 * has no field that accepts them back, and sending them as text would change what the model
 * said.
 */
export function toChatMessages(request: ModelRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (request.systemPrompt) out.push({ role: "system", content: request.systemPrompt });
  // A tool message holds text only in this API, and the tool messages of one step must follow
  // their assistant message with nothing between: images tools returned go in one user message
  // after the step's last tool message, each named by its call.
  let images: ChatCompletionContentPart[] = [];
  const flush = () => {
    if (images.length > 0) out.push({ role: "user", content: images });
    images = [];
  };
  for (const message of request.messages) {
    if (message.role !== "toolResult") flush();
    else images.push(...toolImages(message));
    out.push(...convert(message));
  }
  flush();
  return out;
}

/** The images of a tool result, introduced by the call they came from. */
function toolImages(message: Extract<Message, { role: "toolResult" }>): ChatCompletionContentPart[] {
  const parts: ChatCompletionContentPart[] = message.content.flatMap((block) =>
    block.type === "image"
      ? [{ type: "image_url" as const, image_url: { url: `data:${block.mimeType};base64,${block.data}` } }]
      : [],
  );
  if (parts.length === 0) return [];
  const what = parts.length === 1 ? "The image" : `The ${parts.length} images`;
  return [
    { type: "text", text: `${what} returned by tool call ${message.toolCallId} (${message.toolName}):` },
    ...parts,
  ];
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
    let image = 0;
    const text = message.content
      .map((block) => (block.type === "text" ? block.text : `[image ${++image}: in the next message]`))
      .join("\n");
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
