import type { ServerResponse } from "node:http";
import { type FaultStep, type FaultTarget, isFaultStep, playFault } from "./faults.js";
import { listenLoopback, readBody, sendJson, split, sseWriter } from "./loopback-http.js";
import type { RecordedRequest } from "./openai-server.js";

/** One step of a scripted Messages reply; a script is a list of steps played in order. */
export type AnthropicStep =
  | { text: string }
  | { thinking: string; signature?: string }
  | { toolUse: { id?: string; name: string; input: Record<string, unknown> | string } }
  | {
      usage: {
        input_tokens: number;
        output_tokens: number;
        cache_read_input_tokens?: number;
        cache_creation_input_tokens?: number;
      };
    }
  | { stop: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence" | "refusal" | string }
  | { delayMs: number }
  | { httpError: { status: number; type?: string; message?: string; headers?: Record<string, string> } }
  /** An `event: error` in the middle of the stream, as the API sends when it is overloaded. */
  | { sseError: { type: string; message: string } }
  | { disconnect: true }
  | { hang: true }
  | FaultStep;

export type AnthropicScript = AnthropicStep[];

export interface MessagesRequestBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: string | Array<{ type: "text"; text: string; cache_control?: unknown }>;
  messages: Array<{ role: "user" | "assistant"; content: unknown }>;
  tools?: Array<{ name: string; description?: string; input_schema: unknown; cache_control?: unknown }>;
  thinking?: { type: "enabled"; budget_tokens: number } | { type: "disabled" };
}

export interface LoopbackAnthropicServer {
  /** Base URL for ANTHROPIC_BASE_URL (the SDK appends `/v1/messages`). */
  url: string;
  requests: RecordedRequest[];
  enqueue(script: AnthropicScript): void;
  respond(responder: (body: MessagesRequestBody) => AnthropicScript): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

/**
 * A loopback server speaking the real Anthropic Messages wire protocol (JSON and SSE, with
 * `event:` names), scriptable per request: text, thinking with signatures, tool use with its
 * input split across `input_json_delta`s, usage with cache reads and writes, HTTP errors with
 * `retry-after`, an `error` event mid-stream, dropped connections and hangs, and the faults of
 * faults.ts (a proxy's HTML page, malformed events, trickling and huge answers, a body cut
 * short). Product code:
 * test your own plugins against the real `@anthropic-ai/sdk` with it.
 */
export async function startAnthropicServer(
  options: { port?: number; host?: string; apiKey?: string } = {},
): Promise<LoopbackAnthropicServer> {
  const queue: AnthropicScript[] = [];
  const requests: RecordedRequest[] = [];
  let responder: ((body: MessagesRequestBody) => AnthropicScript) | undefined;
  let counter = 0;
  const server = await listenLoopback(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      return sendError(res, 400, "There was an error parsing the body of your request.");
    }
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body, bytes: raw.length });
    const key = req.headers["x-api-key"] ?? (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!key || (options.apiKey !== undefined && key !== options.apiKey)) {
      return sendError(res, 401, "invalid x-api-key");
    }
    const path = (req.url ?? "").replace(/\?.*$/, "");
    if (req.method !== "POST" || path !== "/v1/messages") {
      return sendError(res, 404, `Unknown route ${req.method} ${path}`);
    }
    const request = body as MessagesRequestBody;
    const script = queue.shift() ?? responder?.(request) ?? [{ text: "ok" }];
    await play(script, request, res, `msg_loopback_${++counter}`);
  }, options);
  return {
    url: server.origin,
    requests,
    enqueue: (script) => {
      queue.push(script);
    },
    respond: (fn) => {
      responder = fn;
    },
    close: () => server.close(),
  };
}

async function play(script: AnthropicScript, request: MessagesRequestBody, res: ServerResponse, id: string) {
  const streaming = request.stream === true;
  const sse = sseWriter(res);
  const hasToolUse = script.some((step) => "toolUse" in step);
  // The API reports input tokens in message_start, before any content: take them from the script up front.
  const scripted = script.find((step) => "usage" in step) as Extract<AnthropicStep, { usage: unknown }> | undefined;
  let usage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    ...scripted?.usage,
  };
  let stop: string | undefined;
  const content: Array<Record<string, unknown>> = [];
  let index = 0;
  const event = (type: string, data: Record<string, unknown>) => sse.send({ type, ...data }, type);
  const begin = () => {
    if (sse.started()) return;
    event("message_start", {
      message: {
        id,
        type: "message",
        role: "assistant",
        model: request.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    event("ping", {});
  };
  const block = (start: Record<string, unknown>, deltas: Array<Record<string, unknown>>) => {
    begin();
    event("content_block_start", { index, content_block: start });
    for (const delta of deltas) event("content_block_delta", { index, delta });
    event("content_block_stop", { index });
    index++;
  };

  let faultText: { text: string } | undefined;
  const faults: FaultTarget = {
    res,
    started: sse.started,
    beginText: () => {
      faultText = { text: "" };
      if (!streaming) return;
      begin();
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
    },
    textDelta: (text) => {
      if (!streaming) {
        if (faultText) faultText.text += text;
        return true;
      }
      event("content_block_delta", { index, delta: { type: "text_delta", text } });
      return res.writableLength < res.writableHighWaterMark;
    },
    endText: () => {
      if (faultText && !streaming) content.push({ type: "text", text: faultText.text });
      faultText = undefined;
      if (!streaming) return;
      event("content_block_stop", { index });
      index++;
    },
    rawEvent: (data) => {
      begin();
      res.write(`event: content_block_delta\ndata: ${data}\n\n`);
    },
  };

  for (const step of script) {
    if (isFaultStep(step)) {
      if ((await playFault(step, faults)) === "end") return;
      continue;
    }
    if ("httpError" in step) {
      if (sse.started()) {
        res.destroy();
        return;
      }
      const { status, headers } = step.httpError;
      const type = step.httpError.type ?? ERROR_TYPES[status] ?? "api_error";
      sendJson(
        res,
        status,
        { type: "error", error: { type, message: step.httpError.message ?? `loopback ${type}` } },
        {
          "request-id": `req_loopback_${id}`,
          ...headers,
        },
      );
      return;
    }
    if ("sseError" in step) {
      if (streaming) {
        begin();
        sse.send({ type: "error", error: step.sseError }, "error");
      }
      res.end();
      return;
    }
    if ("disconnect" in step) {
      if (streaming) begin();
      res.socket?.destroy();
      return;
    }
    if ("hang" in step) {
      if (streaming) begin();
      return;
    }
    if ("delayMs" in step) {
      await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      continue;
    }
    if ("usage" in step) {
      usage = { ...usage, ...step.usage };
      continue;
    }
    if ("stop" in step) {
      stop = step.stop;
      continue;
    }
    if ("text" in step) {
      content.push({ type: "text", text: step.text });
      if (streaming)
        block(
          { type: "text", text: "" },
          split(step.text).map((text) => ({ type: "text_delta", text })),
        );
      continue;
    }
    if ("thinking" in step) {
      const signature = step.signature ?? `sig_${id}_${index}`;
      content.push({ type: "thinking", thinking: step.thinking, signature });
      if (streaming) {
        block({ type: "thinking", thinking: "", signature: "" }, [
          ...split(step.thinking).map((thinking) => ({ type: "thinking_delta", thinking })),
          { type: "signature_delta", signature },
        ]);
      }
      continue;
    }
    const toolId = step.toolUse.id ?? `toolu_loopback_${index}`;
    const input = typeof step.toolUse.input === "string" ? step.toolUse.input : JSON.stringify(step.toolUse.input);
    content.push({ type: "tool_use", id: toolId, name: step.toolUse.name, input: safeJson(input) });
    if (streaming) {
      block(
        { type: "tool_use", id: toolId, name: step.toolUse.name, input: {} },
        split(input, 3).map((partial_json) => ({ type: "input_json_delta", partial_json })),
      );
    }
  }
  const stopReason = stop ?? (hasToolUse ? "tool_use" : "end_turn");
  if (!streaming) {
    sendJson(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model: request.model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    return;
  }
  begin();
  event("message_delta", {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  event("message_stop", {});
  res.end();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } });
}
