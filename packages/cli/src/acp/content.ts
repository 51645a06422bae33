import type { ContentBlock, SessionUpdate, StopReason } from "@agentclientprotocol/sdk";
import type { Message, ToolResultMessage, TurnResult } from "@pincer/kernel";
import { planEntries, proposedContent, resultContent, toolKind, toolLocations, toolTitle } from "./tool-calls.js";

/**
 * Translations between ACP's content and Pincer's: a prompt's blocks become the text the kernel
 * takes, a turn's result becomes ACP's stop reason, a stored conversation becomes the updates
 * an editor replays when it loads a session.
 */

/**
 * The kernel takes one string per turn. Text goes in as typed; a file the user attached
 * (embedded resource) goes in whole, marked with its URI so the model can cite it; a mere link
 * goes in as a reference the model can read with its tools.
 */
export function promptText(blocks: ContentBlock[]): string {
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.type === "text") parts.push(block.text);
    else if (block.type === "resource_link") parts.push(`@${filePath(block.uri)}`);
    else if (block.type === "resource") {
      const { resource } = block;
      if ("text" in resource) parts.push(`<context ref="${resource.uri}">\n${resource.text}\n</context>`);
      else parts.push(`@${filePath(resource.uri)}`);
    }
    // Images and audio are not advertised in promptCapabilities, so a client does not send them.
  }
  return parts.join("\n\n");
}

function filePath(uri: string): string {
  return uri.startsWith("file://") ? decodeURIComponent(uri.slice("file://".length)) : uri;
}

/**
 * ACP's stop reasons for the kernel's. A provider failure is not a stop reason: the caller turns
 * it into an error response, which editors show as an error rather than a finished turn.
 */
export function stopReason(result: TurnResult): StopReason | { error: string } {
  switch (result.stopReason) {
    case "end_turn":
      return "end_turn";
    case "aborted":
      return "cancelled";
    case "max_turns":
      return "max_turn_requests";
    // A hook refused the prompt: the agent declines, which is what `refusal` means.
    case "blocked":
      return "refusal";
    // The loop guard stopped a model repeating itself: the turn is over, its reason was shown.
    case "loop_guard":
      return "end_turn";
    case "error":
      // Providers report a model's refusal or a content filter as a non-retryable error.
      if (/refusal|declined to answer|content filter/i.test(result.error ?? "")) return "refusal";
      return { error: result.error ?? "The turn failed." };
  }
}

/** A stored conversation as the `session/update`s that rebuild it in an editor (`session/load`). */
export function replayUpdates(messages: Message[], cwd: string): SessionUpdate[] {
  const results = new Map<string, ToolResultMessage>();
  for (const message of messages) if (message.role === "toolResult") results.set(message.toolCallId, message);
  const updates: SessionUpdate[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      const text =
        typeof message.content === "string"
          ? message.content
          : message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
      if (text) updates.push({ sessionUpdate: "user_message_chunk", content: { type: "text", text } });
      continue;
    }
    if (message.role === "toolResult") continue;
    for (const block of message.content) {
      if (block.type === "text" && block.text) {
        updates.push({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: block.text } });
      } else if (block.type === "thinking" && block.thinking) {
        updates.push({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text: block.thinking } });
      } else if (block.type === "toolCall") {
        const result = results.get(block.id);
        const plan = planEntries(block.name, block.arguments);
        if (plan) updates.push({ sessionUpdate: "plan", entries: plan });
        updates.push({
          sessionUpdate: "tool_call",
          toolCallId: block.id,
          title: toolTitle(block.name, block.arguments),
          kind: toolKind(block.name),
          // No result: the run was interrupted before the tool finished.
          status: result && !result.isError ? "completed" : "failed",
          rawInput: block.arguments,
          locations: toolLocations(block.arguments, cwd),
          content: result
            ? resultContent(block.name, block.arguments, cwd, result)
            : proposedContent(block.name, block.arguments, cwd),
        });
      }
    }
  }
  return updates;
}
