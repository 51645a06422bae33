import type { ServerResponse } from "node:http";
import { type FaultTarget, isFaultStep, playFault } from "./faults.js";
import { sendJson, split, sseWriter } from "./loopback-http.js";
import type { OpenAIScript } from "./openai-server.js";

export interface ResponsesRequestBody {
  model: string;
  stream?: boolean;
  instructions?: string;
  input: Array<Record<string, unknown>>;
  tools?: Array<{ type: "function"; name: string; description?: string; parameters?: unknown }>;
  include?: string[];
  reasoning?: { effort?: string; summary?: string };
  store?: boolean;
}

/**
 * The same scripts as Chat Completions, played as the Responses API streams them: typed SSE
 * events (`response.output_text.delta`, `response.function_call_arguments.delta`, …) around
 * output items, reasoning items with their encrypted content when the request includes it, and
 * usage in `response.completed`.
 */
export async function playResponses(
  script: OpenAIScript,
  request: ResponsesRequestBody,
  res: ServerResponse,
  id: string,
): Promise<void> {
  const sse = sseWriter(res);
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    sse.send({ type, sequence_number: sequence++, ...data }, type);
  const base = { id, object: "response", created_at: Math.floor(Date.now() / 1000), model: request.model };
  const output: Array<Record<string, unknown>> = [];
  let usage = { input_tokens: 0, output_tokens: 0, cached: 0 };
  let status = "completed";
  const begin = () => {
    if (!sse.started()) event("response.created", { response: { ...base, status: "in_progress", output: [] } });
  };
  const item = (
    added: Record<string, unknown>,
    deltas: Array<[string, Record<string, unknown>]>,
    done: Record<string, unknown>,
  ) => {
    begin();
    const output_index = output.length;
    event("response.output_item.added", { output_index, item: added });
    for (const [type, data] of deltas) event(type, { output_index, item_id: added.id, ...data });
    event("response.output_item.done", { output_index, item: done });
    output.push(done);
  };

  let faultText: { id: string; text: string } | undefined;
  const faults: FaultTarget = {
    res,
    started: sse.started,
    beginText: () => {
      begin();
      faultText = { id: `msg_${id}_${output.length}`, text: "" };
      event("response.output_item.added", {
        output_index: output.length,
        item: { type: "message", id: faultText.id, role: "assistant", status: "in_progress", content: [] },
      });
    },
    textDelta: (delta) => {
      if (!faultText) return true;
      faultText.text += delta;
      event("response.output_text.delta", {
        output_index: output.length,
        item_id: faultText.id,
        content_index: 0,
        delta,
      });
      return res.writableLength < res.writableHighWaterMark;
    },
    endText: () => {
      if (!faultText) return;
      const done = {
        type: "message",
        id: faultText.id,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: faultText.text, annotations: [] }],
      };
      event("response.output_item.done", { output_index: output.length, item: done });
      output.push(done);
      faultText = undefined;
    },
    rawEvent: (data) => {
      begin();
      res.write(`event: response.output_text.delta\ndata: ${data}\n\n`);
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
      const { status: code, body, headers } = step.httpError;
      res.writeHead(code, { "content-type": "application/json", ...headers });
      res.end(
        JSON.stringify(body ?? { error: { message: `loopback error ${code}`, type: "server_error", code: null } }),
      );
      return;
    }
    if ("disconnect" in step) {
      begin();
      res.socket?.destroy();
      return;
    }
    if ("hang" in step) {
      begin();
      return;
    }
    if ("delayMs" in step) {
      await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      continue;
    }
    if ("usage" in step) {
      usage = {
        input_tokens: step.usage.prompt_tokens,
        output_tokens: step.usage.completion_tokens,
        cached: step.usage.cached ?? 0,
      };
      continue;
    }
    if ("finish" in step) {
      if (step.finish === "length") status = "incomplete";
      continue;
    }
    const n = output.length;
    if ("text" in step) {
      const itemId = `msg_${id}_${n}`;
      const done = {
        type: "message",
        id: itemId,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: step.text, annotations: [] }],
      };
      item(
        { ...done, status: "in_progress", content: [] },
        split(step.text).map((delta) => ["response.output_text.delta", { content_index: 0, delta }]),
        done,
      );
      continue;
    }
    if ("reasoning" in step) {
      const itemId = `rs_${id}_${n}`;
      const encrypted = request.include?.includes("reasoning.encrypted_content")
        ? { encrypted_content: `enc:${Buffer.from(step.reasoning).toString("base64")}` }
        : {};
      const done = {
        type: "reasoning",
        id: itemId,
        summary: [{ type: "summary_text", text: step.reasoning }],
        ...encrypted,
      };
      item(
        { type: "reasoning", id: itemId, summary: [] },
        split(step.reasoning).map((delta) => ["response.reasoning_summary_text.delta", { summary_index: 0, delta }]),
        done,
      );
      continue;
    }
    for (const call of step.toolCalls) {
      const index = output.length;
      const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
      const done = {
        type: "function_call",
        id: `fc_${id}_${index}`,
        call_id: call.id ?? `call_${id}_${index}`,
        name: call.name,
        arguments: args,
        status: "completed",
      };
      item(
        { ...done, arguments: "", status: "in_progress" },
        [
          ...split(args, 3).map((delta): [string, Record<string, unknown>] => [
            "response.function_call_arguments.delta",
            { delta },
          ]),
          ["response.function_call_arguments.done", { arguments: args }],
        ],
        done,
      );
    }
  }
  const response = {
    ...base,
    status,
    output,
    ...(status === "incomplete" ? { incomplete_details: { reason: "max_output_tokens" } } : {}),
    usage: {
      input_tokens: usage.input_tokens,
      input_tokens_details: { cached_tokens: usage.cached },
      output_tokens: usage.output_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input_tokens + usage.output_tokens,
    },
  };
  if (request.stream !== true) {
    sendJson(res, 200, response);
    return;
  }
  begin();
  event(status === "incomplete" ? "response.incomplete" : "response.completed", { response });
  res.end();
}
