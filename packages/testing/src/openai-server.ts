import type { IncomingMessage, ServerResponse } from "node:http";
import { type FaultStep, type FaultTarget, isFaultStep, playFault } from "./faults.js";
import { listenLoopback, readBody, sendJson, split } from "./loopback-http.js";
import { playResponses, type ResponsesRequestBody } from "./openai-responses-wire.js";

/** One step of a scripted reply; a script is a list of steps played in order. */
export type OpenAIStep =
  | { text: string }
  | { reasoning: string }
  | { toolCalls: Array<{ id?: string; name: string; arguments: Record<string, unknown> | string }> }
  | { usage: { prompt_tokens: number; completion_tokens: number; cached?: number } }
  | { finish: "stop" | "tool_calls" | "length" | "content_filter" | string }
  | { delayMs: number }
  | { httpError: { status: number; body?: unknown; headers?: Record<string, string> } }
  | { disconnect: true }
  | { hang: true }
  | FaultStep;

export type OpenAIScript = OpenAIStep[];

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** Size of the request body on the wire. */
  bytes: number;
}

export interface LoopbackOpenAIServer {
  /** Base URL including `/v1`, ready for OPENAI_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  /** Queue a reply for the next request. */
  enqueue(script: OpenAIScript): void;
  /** Reply to requests when the queue is empty. */
  respond(responder: (body: ChatRequestBody) => OpenAIScript): void;
  close(): Promise<void>;
}

export interface ChatRequestBody {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages: Array<Record<string, unknown>>;
  tools?: Array<{ type: "function"; function: { name: string; description?: string; parameters?: unknown } }>;
}

/**
 * A loopback server speaking the real OpenAI wire protocols — Chat Completions (JSON and SSE) and
 * the Responses API (typed SSE events) —
 * scriptable per request: text, reasoning, parallel tool calls with arguments split across
 * chunks, usage, delays, HTTP errors, dropped connections and hangs, and the faults of faults.ts
 * (a proxy's HTML page, malformed chunks, trickling and huge answers, a body cut short). Product
 * code: use it to test your own plugins against the real `openai` SDK.
 */
export async function startOpenAIServer(
  options: { port?: number; host?: string; apiKey?: string } = {},
): Promise<LoopbackOpenAIServer> {
  const queue: OpenAIScript[] = [];
  const requests: RecordedRequest[] = [];
  let responder: ((body: ChatRequestBody) => OpenAIScript) | undefined;
  let counter = 0;

  const server = await listenLoopback(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      return sendError(res, 400, "invalid_request_error", "We could not parse the JSON body of your request.");
    }
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body, bytes: raw.length });
    const expectedKey = options.apiKey;
    const auth = req.headers.authorization ?? "";
    // Any key is accepted unless the test asked for a specific one (to exercise 401s).
    if (!auth.startsWith("Bearer ") || (expectedKey !== undefined && auth !== `Bearer ${expectedKey}`)) {
      return sendError(res, 401, "invalid_request_error", "Incorrect API key provided.", "invalid_api_key");
    }
    const path = (req.url ?? "").replace(/\?.*$/, "");
    if (req.method === "GET" && path.endsWith("/models")) {
      return sendJson(res, 200, {
        object: "list",
        data: [{ id: "gpt-5", object: "model", created: 0, owned_by: "loopback" }],
      });
    }
    if (req.method === "POST" && path.endsWith("/responses")) {
      // The Responses API plays the same scripts in its own event format.
      const request = body as ResponsesRequestBody;
      const script = queue.shift() ?? responder?.(request as unknown as ChatRequestBody) ?? [{ text: "ok" }];
      counter++;
      await playResponses(script, request, res, `resp_loopback_${counter}`);
      return;
    }
    if (req.method !== "POST" || !path.endsWith("/chat/completions")) {
      return sendError(res, 404, "invalid_request_error", `Unknown route ${req.method} ${path}`);
    }
    const request = body as ChatRequestBody;
    const script = queue.shift() ?? responder?.(request) ?? [{ text: "ok" }];
    counter++;
    await play(script, request, res, `chatcmpl-loopback-${counter}`);
  }, options);
  return {
    url: `${server.origin}/v1`,
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

async function play(script: OpenAIScript, request: ChatRequestBody, res: ServerResponse, id: string): Promise<void> {
  const streaming = request.stream === true;
  const created = Math.floor(Date.now() / 1000);
  const model = request.model;
  const hasToolCalls = script.some((step) => "toolCalls" in step);
  let finish: string | undefined;
  let usage: { prompt_tokens: number; completion_tokens: number; cached?: number } | undefined;
  // Non-streaming replies are assembled from the same steps.
  const whole = {
    content: "",
    reasoning: "",
    toolCalls: [] as Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>,
  };
  let toolIndex = 0;
  let started = false;

  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const rawEvent = (data: string): boolean => {
    if (!started) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      started = true;
    }
    return res.write(`data: ${data}\n\n`);
  };
  const send = (payload: unknown) => rawEvent(JSON.stringify(payload));
  const faults: FaultTarget = {
    res,
    started: () => started,
    beginText: () => {},
    endText: () => {},
    textDelta: (text) => {
      if (streaming) return send(chunk({ role: "assistant", content: text }));
      whole.content += text;
      return true;
    },
    rawEvent,
  };

  for (const step of script) {
    if (isFaultStep(step)) {
      if ((await playFault(step, faults)) === "end") return;
      continue;
    }
    if ("httpError" in step) {
      if (started) {
        res.destroy();
        return;
      }
      const { status, body, headers } = step.httpError;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(
        JSON.stringify(
          body ?? {
            error: {
              message: `loopback error ${status}`,
              type: status >= 500 ? "server_error" : "invalid_request_error",
              code: null,
            },
          },
        ),
      );
      return;
    }
    if ("disconnect" in step) {
      if (!started && streaming) send(chunk({ role: "assistant", content: "" }));
      res.socket?.destroy();
      return;
    }
    if ("hang" in step) {
      if (streaming && !started) send(chunk({ role: "assistant", content: "" }));
      return; // never answer; the client's abort or the server's close ends it
    }
    if ("delayMs" in step) {
      await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      continue;
    }
    if ("usage" in step) {
      usage = step.usage;
      continue;
    }
    if ("finish" in step) {
      finish = step.finish;
      continue;
    }
    if ("text" in step) {
      whole.content += step.text;
      if (streaming) for (const piece of split(step.text)) send(chunk({ role: "assistant", content: piece }));
      continue;
    }
    if ("reasoning" in step) {
      whole.reasoning += step.reasoning;
      if (streaming)
        for (const piece of split(step.reasoning)) send(chunk({ role: "assistant", reasoning_content: piece }));
      continue;
    }
    for (const call of step.toolCalls) {
      const index = toolIndex++;
      const callId = call.id ?? `call_${id.slice(-4)}_${index}`;
      const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
      whole.toolCalls.push({ id: callId, type: "function", function: { name: call.name, arguments: args } });
      if (!streaming) continue;
      send(
        chunk({ tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: "" } }] }),
      );
      for (const piece of split(args, 3)) send(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  }
  const finishReason = finish ?? (hasToolCalls ? "tool_calls" : "stop");
  const usageBody = usage && {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0 },
  };
  if (!streaming) {
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: whole.content || null,
            ...(whole.toolCalls.length ? { tool_calls: whole.toolCalls } : {}),
          },
          finish_reason: finishReason,
        },
      ],
      ...(usageBody ? { usage: usageBody } : {}),
    });
    return;
  }
  send(chunk({}, finishReason));
  if (request.stream_options?.include_usage) {
    send({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: usageBody ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  }
  res.write("data: [DONE]\n\n");
  res.end();
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  code: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}
