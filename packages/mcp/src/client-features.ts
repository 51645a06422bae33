import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import type { ImageContent, TextContent } from "@pincer/kernel";
import {
  checkAnswer,
  elicitationFields,
  type McpElicitationAnswer,
  type McpElicitationRequest,
} from "./elicitation.js";
import type { Client, Sdk } from "./sdk.js";

/**
 * The MCP client features Pincer offers a server (roots, sampling, elicitation), each backed by
 * the session that runs the server. A feature the host does not give is not declared, so a
 * server never asks for it.
 */
export interface McpClientHost {
  /** The workspace: absolute directories (the session's cwd and --add-dir), sent as `file://` roots. */
  roots?: () => string[];
  /** A model call for the server; the host asks the user first and throws when refused. */
  sample?: (request: McpSamplingRequest, signal: AbortSignal) => Promise<McpSamplingResult>;
  /** A form for the user; the host declines when nobody can answer (headless). */
  elicit?: (request: McpElicitationRequest, signal: AbortSignal) => Promise<McpElicitationAnswer>;
}

/** `sampling/createMessage` as the session's provider sees it. */
export interface McpSamplingRequest {
  server: string;
  messages: Array<{ role: "user" | "assistant"; content: Array<TextContent | ImageContent> }>;
  systemPrompt?: string;
  /** Already capped at MAX_SAMPLING_TOKENS. */
  maxTokens: number;
  /** The server's model hints: informative only, the session's model answers. */
  modelHints: string[];
}

export interface McpSamplingResult {
  text: string;
  /** `provider/model` that answered. */
  model: string;
  stopReason: "endTurn" | "maxTokens" | string;
}

/** Raised by a host that refuses a sampling request: the server gets MCP's "user rejected" error. */
export class SamplingRefused extends Error {}

export const MAX_SAMPLING_TOKENS = 8_192;
/** Text a server may send to the model in one sampling request (characters, all messages). */
export const MAX_SAMPLING_CHARS = 200_000;

export function clientCapabilities(host: McpClientHost | undefined): Record<string, unknown> {
  return {
    ...(host?.roots ? { roots: { listChanged: true } } : {}),
    ...(host?.sample ? { sampling: {} } : {}),
    ...(host?.elicit ? { elicitation: { form: {} } } : {}),
  };
}

/** The roots list: every workspace directory, once, as a `file://` URI named after its folder. */
export function rootsList(dirs: string[]): Array<{ uri: string; name: string }> {
  const seen = new Set<string>();
  return dirs
    .filter((dir) => !seen.has(dir) && seen.add(dir))
    .map((dir) => ({ uri: pathToFileURL(dir).href, name: basename(dir) || dir }));
}

/** Answers the server's requests for the features the host gives. */
export function installClientHandlers(client: Client, sdk: Sdk, server: string, host: McpClientHost | undefined): void {
  const { McpError, ErrorCode } = sdk.types;
  if (host?.roots) {
    const roots = host.roots;
    client.setRequestHandler(sdk.types.ListRootsRequestSchema, () => ({ roots: rootsList(roots()) }));
  }
  if (host?.sample) {
    const sample = host.sample;
    client.setRequestHandler(sdk.types.CreateMessageRequestSchema, async (request, extra) => {
      let converted: McpSamplingRequest;
      try {
        converted = samplingRequest(server, request.params);
      } catch (error) {
        throw new McpError(ErrorCode.InvalidParams, (error as Error).message);
      }
      let result: McpSamplingResult;
      try {
        result = await sample(converted, extra.signal);
      } catch (error) {
        // -1 is what the specification's example uses for a request the user rejected.
        if (error instanceof SamplingRefused)
          throw new McpError(-1, `User rejected sampling request: ${error.message}`);
        throw new McpError(ErrorCode.InternalError, `Sampling failed: ${(error as Error).message}`);
      }
      return {
        role: "assistant" as const,
        content: { type: "text" as const, text: result.text },
        model: result.model,
        stopReason: result.stopReason,
      };
    });
  }
  if (host?.elicit) {
    const elicit = host.elicit;
    client.setRequestHandler(sdk.types.ElicitRequestSchema, async (request, extra) => {
      const params = request.params as { mode?: string; message: string; requestedSchema?: unknown };
      if (params.mode === "url") throw new McpError(ErrorCode.InvalidParams, "Pincer offers form elicitation only");
      let fields: McpElicitationRequest["fields"];
      try {
        fields = elicitationFields(params.requestedSchema);
      } catch (error) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid elicitation form: ${(error as Error).message}`);
      }
      const answer = await elicit(
        {
          server,
          message: params.message.slice(0, 4_000),
          fields,
          schema: params.requestedSchema as Record<string, unknown>,
        },
        extra.signal,
      );
      if (answer.action !== "accept") return { action: answer.action };
      // Whatever front end collected it, what goes back fits the form the server asked for.
      const problem = checkAnswer(fields, answer.content);
      if (problem) throw new McpError(ErrorCode.InternalError, `The answer does not fit the form: ${problem}`);
      return { action: "accept" as const, content: answer.content };
    });
  }
}

type SamplingParams = {
  messages: Array<{ role: "user" | "assistant"; content: unknown }>;
  systemPrompt?: string;
  maxTokens: number;
  modelPreferences?: { hints?: Array<{ name?: string }> };
};

/** The server's request as kernel content; tool use in sampling is not offered, so it is refused. */
export function samplingRequest(server: string, raw: unknown): McpSamplingRequest {
  const params = raw as SamplingParams;
  let chars = params.systemPrompt?.length ?? 0;
  const messages = params.messages.map((message) => {
    const blocks = Array.isArray(message.content) ? message.content : [message.content];
    const content = blocks.map((block): TextContent | ImageContent => {
      const item = block as { type?: string; text?: string; data?: string; mimeType?: string };
      if (item.type === "text") {
        chars += item.text?.length ?? 0;
        return { type: "text", text: item.text ?? "" };
      }
      if (item.type === "image" && typeof item.data === "string") {
        return { type: "image", data: item.data, mimeType: item.mimeType ?? "image/png" };
      }
      if (item.type === "audio") return { type: "text", text: `[audio ${item.mimeType ?? ""} omitted]` };
      throw new Error(`sampling content of type "${item.type}" is not supported (Pincer offers no tools in sampling)`);
    });
    return { role: message.role, content };
  });
  if (chars > MAX_SAMPLING_CHARS) {
    throw new Error(`the request has ${chars} characters of text (at most ${MAX_SAMPLING_CHARS})`);
  }
  return {
    server,
    messages,
    ...(params.systemPrompt ? { systemPrompt: params.systemPrompt } : {}),
    maxTokens: Math.max(1, Math.min(params.maxTokens, MAX_SAMPLING_TOKENS)),
    modelHints: (params.modelPreferences?.hints ?? []).flatMap((hint) => (hint.name ? [hint.name] : [])),
  };
}
