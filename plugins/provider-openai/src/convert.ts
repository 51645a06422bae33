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

const BEYOND_LATIN1 = /[\u0100-\uffff]/;
const EACH_BEYOND_LATIN1 = /[\u0100-\uffff]/g;
const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * JSON text with each character beyond Latin-1 written as its \u escape: the same JSON (such a
 * character can only be inside a string; a surrogate pair becomes two escapes, which decode to it),
 * as a one-byte string. One character such as a model's em dash made the whole body it joins a
 * two-byte string, twice the bytes to build, copy out of the isolate and encode at every call after.
 */
export function oneByteJson(json: string): string {
  return BEYOND_LATIN1.test(json) ? json.replace(EACH_BEYOND_LATIN1, escaped) : json;
}

/** A message's Chat Completions form as JSON, and the images a tool result adds after its step. */
interface MessageJson {
  json: string;
  images: ChatCompletionContentPart[];
}

/**
 * Made once per message: messages are not changed once in a session (the sandbox hands them
 * over frozen), and each model call sends them all again.
 */
const messageJson = new WeakMap<Message, MessageJson>();

function jsonOf(message: Message): MessageJson {
  let made = messageJson.get(message);
  if (made === undefined) {
    made = {
      json: oneByteJson(
        convert(message)
          .map((converted) => JSON.stringify(converted))
          .join(","),
      ),
      images: message.role === "toolResult" ? toolImages(message) : [],
    };
    messageJson.set(message, made);
  }
  return made;
}

/** The last system prompt's message JSON: a session sends the same prompt, often tens of KB, at every call. */
let lastSystem: { prompt: string; json: string } | undefined;
function systemJson(prompt: string): string {
  if (lastSystem?.prompt !== prompt) {
    lastSystem = { prompt, json: oneByteJson(JSON.stringify({ role: "system", content: prompt })) };
  }
  return lastSystem.json;
}

/**
 * `toChatMessages(request)`, each message as JSON text, for a request body: each message's JSON is
 * made once (jsonOf), so a call costs the join, where serializing the whole context again (the
 * SDK's serializer calls a replacer for every value in it) grew with the session.
 */
export function toChatMessagesJson(request: ModelRequest): string[] {
  const out: string[] = [];
  if (request.systemPrompt) out.push(systemJson(request.systemPrompt));
  let images: ChatCompletionContentPart[] = [];
  const flush = () => {
    if (images.length > 0) out.push(JSON.stringify({ role: "user", content: images }));
    images = [];
  };
  for (const message of request.messages) {
    const made = jsonOf(message);
    if (message.role !== "toolResult") flush();
    else if (made.images.length > 0) images.push(...made.images);
    if (made.json) out.push(made.json);
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
    const content = text || "(no output)";
    return [{ role: "tool", tool_call_id: message.toolCallId, content }];
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

/**
 * A request body: `params` as JSON.stringify writes them, with `messages` (toChatMessagesJson) as
 * their messages, in the same place. One join: the body is one flat string, as a provider's fetch
 * copies it out whole (joined in two steps, the messages' text was copied twice per call).
 */
export function chatBody(
  params: { model: string; messages: unknown },
  messages: readonly string[],
  /** `params.tools` as JSON, made before (chatTools): put in its place, first after the messages. */
  toolsJson?: string,
): string {
  const { model, messages: _messages, ...rest } = params;
  const tail =
    toolsJson !== undefined && Object.keys(rest)[0] === "tools" ? withTools(rest, toolsJson) : JSON.stringify(rest);
  const pieces = [`{"model":${JSON.stringify(model)},"messages":[`];
  messages.forEach((message, index) => {
    if (index > 0) pieces.push(",");
    pieces.push(message);
  });
  pieces.push(tail === "{}" ? "]}" : `],${tail.slice(1)}`);
  return pieces.join("");
}

/** JSON.stringify(rest), with rest's first key, tools, written as `toolsJson`. */
function withTools(rest: Record<string, unknown>, toolsJson: string): string {
  const { tools: _tools, ...others } = rest;
  const othersJson = JSON.stringify(others);
  return `{"tools":${toolsJson}${othersJson === "{}" ? "}" : `,${othersJson.slice(1)}`}`;
}

const madeTools = new WeakMap<readonly unknown[], { tools: ChatCompletionTool[]; json: string }>();

/**
 * The request's tools as Chat Completions tools and as their JSON. Made once for a frozen tools
 * array: the kernel hands the same one call after call while the tools offered do not change (and
 * in a sandbox it is frozen whole), where an ML intern's 53 schemas were ~45 KB to write every call.
 */
export function chatTools(request: ModelRequest): { tools: ChatCompletionTool[]; json: string } {
  const frozen = Object.isFrozen(request.tools);
  const made = frozen ? madeTools.get(request.tools) : undefined;
  if (made) return made;
  const tools = toChatTools(request);
  const fresh = { tools, json: oneByteJson(JSON.stringify(tools)) };
  if (frozen) madeTools.set(request.tools, fresh);
  return fresh;
}

export function toChatTools(request: ModelRequest): ChatCompletionTool[] {
  return request.tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}
