import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Message, Provider, ProviderEvent } from "@pincer/sdk";
import { type CassetteCall, serializeCassetteCall, serializeCassetteHeader } from "./cassette.js";

// "@pincer/provider-replay/record": runs in the host process (it writes the file), never in the
// sandbox; `--record` loads it only when asked.

/**
 * Wraps any provider so every call's events are appended to a cassette as they complete.
 * Replay it offline with `--model replay/<file>.jsonl`: the conversation that produced it
 * plays back identically, with checks that the tools still produce what they did.
 */
export function recordProvider(provider: Provider, file: string, description?: string): Provider {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${serializeCassetteHeader(description ?? `recorded from ${provider.id}`)}\n`);
  }
  return {
    id: provider.id,
    async *stream(request, signal) {
      const events: ProviderEvent[] = [];
      try {
        for await (const event of provider.stream(request, signal)) {
          events.push(event);
          yield event;
        }
      } finally {
        const lastTool = lastToolResult(request.messages);
        const call: CassetteCall = {
          type: "call",
          request: { lastMessage: lastMessageText(request.messages).slice(0, 200) },
          ...(lastTool ? { expect: { lastToolResultIncludes: lastTool.slice(0, 80) } } : {}),
          events,
        };
        appendFileSync(file, `${serializeCassetteCall(call)}\n`);
      }
    },
  };
}

function lastMessageText(messages: Message[]): string {
  const last = messages.at(-1);
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  return last.content.map((block) => ("text" in block ? block.text : "")).join("");
}

function lastToolResult(messages: Message[]): string | undefined {
  const last = messages.at(-1);
  if (last?.role !== "toolResult") return undefined;
  return last.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}
