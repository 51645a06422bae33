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
 *
 * `forBody`: the messages go straight into a request body, so a tool result's text is given as
 * its JSON string literal, made once per message (see rawText): the SDK serializes the whole
 * body at every call, through a replacer, and escaping the same tool output again each time
 * was most of a long session's request cost. The body's bytes are the same.
 */
export function toChatMessages(request: ModelRequest, forBody = false): ChatCompletionMessageParam[] {
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
    out.push(...convert(message, forBody));
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

/** What JSON.stringify writes out as it is (ES2025; absent from an older engine). */
const rawJSON = (JSON as { rawJSON?: (text: string) => object }).rawJSON;

/**
 * A tool result's text as JSON.stringify would write it, escaped once per message: messages are
 * not changed once in a session (the sandbox hands them over frozen), and each model call sends
 * them all again. The frozen raw-JSON value stands in for the string in the body.
 */
const rawTexts = new WeakMap<Message, object>();
function rawText(message: Message, text: string): string {
  if (!rawJSON) return text;
  let raw = rawTexts.get(message);
  if (raw === undefined) {
    raw = rawJSON(JSON.stringify(text));
    rawTexts.set(message, raw);
  }
  // Typed as the string it serializes to: only JSON.stringify ever reads it.
  return raw as unknown as string;
}

function convert(message: Message, forBody: boolean): ChatCompletionMessageParam[] {
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
    const content = text || "(no output)";
    return [{ role: "tool", tool_call_id: message.toolCallId, content: forBody ? rawText(message, content) : content }];
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
