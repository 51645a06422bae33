/**
 * The provider-neutral conversation model. Every provider converts to and from these shapes;
 * sessions store them verbatim. Kept deliberately small: three roles, four content kinds.
 */

export interface TextContent {
  type: "text";
  text: string;
}

/** Model reasoning. `signature` is opaque provider data needed to replay thinking to the same provider. */
export interface ThinkingContent {
  type: "thinking";
  thinking: string;
  signature?: string;
  /** Which provider produced it, so a different provider can drop or downgrade it. */
  provider?: string;
}

export interface ImageContent {
  type: "image";
  /** base64 data, no data: prefix. */
  data: string;
  mimeType: string;
}

export interface ToolCall {
  type: "toolCall";
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface UserMessage {
  role: "user";
  content: string | Array<TextContent | ImageContent>;
  timestamp: number;
}

export type StopReason = "stop" | "length" | "toolUse" | "error" | "aborted";

/** Token counts as the provider reports them. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Token counts plus their price in USD, priced from the model catalogue. */
export interface Usage extends TokenUsage {
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
}

export interface AssistantMessage {
  role: "assistant";
  content: Array<TextContent | ThinkingContent | ToolCall>;
  /** `provider/model` that produced this message. */
  model: string;
  usage: Usage;
  stopReason: StopReason;
  errorMessage?: string;
  timestamp: number;
}

export interface ToolResultMessage {
  role: "toolResult";
  toolCallId: string;
  toolName: string;
  /** What the model sees. */
  content: Array<TextContent | ImageContent>;
  /** Structured data for UIs and the session; never sent to the model. */
  details?: unknown;
  isError: boolean;
  timestamp: number;
  /** Model usage the call itself spent (a subagent's turns), counted in the session's usage. */
  usage?: Usage;
}

export type Message = UserMessage | AssistantMessage | ToolResultMessage;

export function emptyUsage(): Usage {
  return {
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
  };
}

/** Concatenated text of a message's text blocks (the block's own string when there is one). */
export function messageText(message: Message): string {
  if (typeof message.content === "string") return message.content;
  const texts = message.content.filter((block): block is TextContent => block.type === "text");
  return texts.length === 1 ? texts[0]!.text : texts.map((block) => block.text).join("");
}
