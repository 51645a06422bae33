#!/usr/bin/env node
import fs from "node:fs";
// fake-llm.mjs — dependency-free fake LLM server for benchmarking coding-agent CLIs.
//
// Speaks, instantly, with a fixed short answer ("ok") and a plausible usage block:
//   POST /v1/chat/completions   OpenAI Chat Completions (stream true/false, SSE)
//   POST /v1/responses          OpenAI Responses API (stream true/false, SSE events)
//   POST /v1/messages           Anthropic Messages (stream true/false, SSE events)
//   POST /v1/messages/count_tokens  Anthropic token count
//   GET  /v1/models             model list (OpenAI + Anthropic field shapes)
// The /v1 prefix is optional (paths are matched by suffix).
//
// Usage: node fake-llm.mjs [PORT] [--tool] [--log FILE] [--text TEXT]
//   PORT        port (default env PORT, else 0 = pick a free one). The bound port is printed
//               to stdout as "PORT=<n>" (and written to env PORT_FILE if set).
//   --tool      (or FAKE_MODE=tool) tool-call mode: when the request offers a shell-like tool
//               and carries no tool result yet, answer with a call to it running `echo hi`;
//               once a tool result is present, answer with text.
//   --log FILE  (or FAKE_LOG) append one JSON line per request (path, model, tools, bytes, ...).
//   --dump DIR  (or FAKE_DUMP) also save each request body as DIR/<seq>-<method>-<path>.json.
//   FAKE_DELAY_MS  answer each model request this many ms late (a real model's time to first byte).
// Every request is also summarised on stderr: path, model, tool count, body bytes,
// system-prompt bytes, tools-JSON bytes.
import http from "node:http";

const argv = process.argv.slice(2);
let port = Number(process.env.PORT ?? 0);
let toolMode = process.env.FAKE_MODE === "tool";
let logFile = process.env.FAKE_LOG || "";
let replyText = process.env.FAKE_TEXT || "ok";
let dumpDir = process.env.FAKE_DUMP || "";
// A real model's time to its first byte: each model request is answered this much later.
const delayMs = Number(process.env.FAKE_DELAY_MS ?? 0);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--tool") toolMode = true;
  else if (a === "--log") logFile = argv[++i];
  else if (a === "--text") replyText = argv[++i];
  else if (a === "--dump") dumpDir = argv[++i];
  else if (/^\d+$/.test(a)) port = Number(a);
}

let seq = 0;
const now = () => Math.floor(Date.now() / 1000);
const estTokens = (bytes) => Math.max(1, Math.round(bytes / 4));
const SHELL_RE =
  /^(bash|shell|shell_command|run_shell_command|exec_command|execute_command|run_terminal_cmd|terminal|run_command|command|exec|sh|local_shell)$/i;
const SHELL_LOOSE_RE = /shell|bash|exec|terminal|command/i;

// ---------- tool helpers ----------
function toolName(t) {
  if (!t || typeof t !== "object") return "";
  if (t.function?.name) return t.function.name; // chat completions
  if (t.name) return t.name; // responses / anthropic
  if (t.type === "local_shell") return "local_shell";
  return "";
}
function toolSchema(t) {
  return t.function?.parameters ?? t.parameters ?? t.input_schema ?? null;
}
function pickShellTool(tools) {
  if (!Array.isArray(tools)) return null;
  return (
    tools.find((t) => SHELL_RE.test(toolName(t))) ??
    tools.find((t) => SHELL_LOOSE_RE.test(toolName(t)) && !/background|kill|output|read/i.test(toolName(t))) ??
    null
  );
}
function shellArgs(tool) {
  const s = toolSchema(tool) || {};
  const props = s.properties || {};
  const required = new Set(s.required || []);
  const args = {};
  const cmdKey = ["command", "cmd", "commandLine", "script", "input"].find((k) => k in props) ?? "command";
  const cmdType = props[cmdKey]?.type;
  args[cmdKey] = cmdType === "array" ? ["bash", "-lc", "echo hi"] : "echo hi";
  for (const k of required) {
    if (k in args) continue;
    const p = props[k] || {};
    const ty = Array.isArray(p.type) ? p.type[0] : p.type;
    if (p.enum) args[k] = p.enum[0];
    else if (ty === "boolean") args[k] = false;
    else if (ty === "number" || ty === "integer") args[k] = 10000;
    else if (ty === "array") args[k] = [];
    else if (ty === "object") args[k] = {};
    else args[k] = k === "description" ? "Print hi" : k.includes("dir") || k.includes("path") ? "." : "echo hi";
  }
  return args;
}

// ---------- request analysis ----------
function textLen(c) {
  if (c == null) return 0;
  if (typeof c === "string") return Buffer.byteLength(c);
  if (Array.isArray(c))
    return c.reduce((n, p) => n + textLen(p?.text ?? p?.content ?? (typeof p === "string" ? p : "")), 0);
  if (typeof c === "object") return textLen(c.text ?? c.content);
  return 0;
}
function analyse(kind, body) {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  let sysBytes = 0;
  let hasToolResult = false;
  let msgs = 0;
  if (kind === "chat") {
    for (const m of body.messages || []) {
      msgs++;
      if (m.role === "system" || m.role === "developer") sysBytes += textLen(m.content);
      if (m.role === "tool" || m.role === "function") hasToolResult = true;
    }
  } else if (kind === "responses") {
    sysBytes += textLen(body.instructions);
    const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : body.input || [];
    for (const m of input) {
      msgs++;
      if (m.role === "system" || m.role === "developer") sysBytes += textLen(m.content);
      if (/_output$/.test(m.type || "")) hasToolResult = true;
    }
  } else if (kind === "anthropic") {
    sysBytes += textLen(body.system);
    for (const m of body.messages || []) {
      msgs++;
      if (Array.isArray(m.content) && m.content.some((p) => p?.type === "tool_result")) hasToolResult = true;
    }
  }
  return {
    tools: tools.length,
    toolNames: tools.map(toolName).filter(Boolean),
    toolsBytes: Buffer.byteLength(JSON.stringify(tools)),
    sysBytes,
    msgs,
    hasToolResult,
  };
}

// ---------- SSE ----------
function sseStart(res) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-request-id": `req_${seq}`,
  });
}
const sseData = (res, obj) => res.write(`data: ${typeof obj === "string" ? obj : JSON.stringify(obj)}\n\n`);
const sseEvent = (res, type, obj) => res.write(`event: ${type}\ndata: ${JSON.stringify(obj)}\n\n`);
function json(res, status, obj) {
  const s = JSON.stringify(obj);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(s),
    "x-request-id": `req_${seq}`,
  });
  res.end(s);
}

// ---------- OpenAI Chat Completions ----------
function chatCompletions(res, body, info, bytes) {
  const id = `chatcmpl-${seq}`;
  const model = body.model || "fake-model";
  const created = now();
  const shell = toolMode && !info.hasToolResult ? pickShellTool(body.tools) : null;
  const promptTokens = estTokens(bytes);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: shell ? 12 : 1,
    total_tokens: promptTokens + (shell ? 12 : 1),
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
  const call = shell
    ? {
        id: `call_${seq}`,
        type: "function",
        function: { name: toolName(shell), arguments: JSON.stringify(shellArgs(shell)) },
      }
    : null;
  if (!body.stream) {
    return json(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      system_fingerprint: "fp_fake",
      choices: [
        {
          index: 0,
          message: call
            ? { role: "assistant", content: null, tool_calls: [call] }
            : { role: "assistant", content: replyText, refusal: null },
          logprobs: null,
          finish_reason: call ? "tool_calls" : "stop",
        },
      ],
      usage,
    });
  }
  sseStart(res);
  const chunk = (delta, finish_reason = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
  });
  sseData(res, chunk({ role: "assistant", content: "" }));
  if (call) {
    sseData(
      res,
      chunk({
        tool_calls: [
          { index: 0, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } },
        ],
      }),
    );
    sseData(res, chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] }));
    sseData(res, chunk({}, "tool_calls"));
  } else {
    sseData(res, chunk({ content: replyText }));
    sseData(res, chunk({}, "stop"));
  }
  // usage chunk (sent always; clients that did not ask for it ignore an empty-choices chunk)
  sseData(res, {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: "fp_fake",
    choices: [],
    usage,
  });
  sseData(res, "[DONE]");
  res.end();
}

// ---------- OpenAI Responses ----------
function responses(res, body, info, bytes) {
  const id = `resp_${seq}`;
  const model = body.model || "fake-model";
  const created_at = now();
  const shell = toolMode && !info.hasToolResult ? pickShellTool(body.tools) : null;
  const inTok = estTokens(bytes);
  const outTok = shell ? 12 : 1;
  const usage = {
    input_tokens: inTok,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outTok,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inTok + outTok,
  };
  let item;
  if (shell && shell.type === "local_shell") {
    item = {
      id: `lsh_${seq}`,
      type: "local_shell_call",
      call_id: `call_${seq}`,
      status: "completed",
      action: { type: "exec", command: ["bash", "-lc", "echo hi"], env: {} },
    };
  } else if (shell) {
    item = {
      id: `fc_${seq}`,
      type: "function_call",
      status: "completed",
      call_id: `call_${seq}`,
      name: toolName(shell),
      arguments: JSON.stringify(shellArgs(shell)),
    };
  } else {
    item = {
      id: `msg_${seq}`,
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: replyText, annotations: [], logprobs: [] }],
    };
  }
  const base = {
    id,
    object: "response",
    created_at,
    model,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: body.reasoning ?? null,
    store: body.store ?? false,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: null,
    user: null,
    metadata: {},
  };
  const done = { ...base, status: "completed", output: [item], usage };
  if (!body.stream) return json(res, 200, { ...done, output_text: item.type === "message" ? replyText : "" });
  sseStart(res);
  let sn = 0;
  const ev = (type, obj) => sseEvent(res, type, { type, sequence_number: sn++, ...obj });
  ev("response.created", { response: base });
  ev("response.in_progress", { response: base });
  if (item.type === "message") {
    const open = { ...item, status: "in_progress", content: [] };
    ev("response.output_item.added", { output_index: 0, item: open });
    ev("response.content_part.added", {
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
    ev("response.output_text.delta", {
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta: replyText,
      logprobs: [],
    });
    ev("response.output_text.done", {
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      text: replyText,
      logprobs: [],
    });
    ev("response.content_part.done", { item_id: item.id, output_index: 0, content_index: 0, part: item.content[0] });
  } else if (item.type === "function_call") {
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", arguments: "" } });
    ev("response.function_call_arguments.delta", { item_id: item.id, output_index: 0, delta: item.arguments });
    ev("response.function_call_arguments.done", { item_id: item.id, output_index: 0, arguments: item.arguments });
  } else {
    ev("response.output_item.added", { output_index: 0, item });
  }
  ev("response.output_item.done", { output_index: 0, item });
  ev("response.completed", { response: done });
  res.end();
}

// ---------- Anthropic Messages ----------
function anthropic(res, body, info, bytes) {
  const id = `msg_fake${seq}`;
  const model = body.model || "claude-fake";
  const shell = toolMode && !info.hasToolResult ? pickShellTool(body.tools) : null;
  const inTok = estTokens(bytes);
  const block = shell
    ? { type: "tool_use", id: `toolu_fake${seq}`, name: toolName(shell), input: shellArgs(shell) }
    : { type: "text", text: replyText };
  const stop_reason = shell ? "tool_use" : "end_turn";
  const outTok = shell ? 12 : 1;
  const usage = {
    input_tokens: inTok,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outTok,
    service_tier: "standard",
  };
  if (!body.stream) {
    return json(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [block],
      stop_reason,
      stop_sequence: null,
      usage,
    });
  }
  sseStart(res);
  sseEvent(res, "message_start", {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  if (shell) {
    sseEvent(res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
    });
    sseEvent(res, "ping", { type: "ping" });
    sseEvent(res, "content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
    });
  } else {
    sseEvent(res, "content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    sseEvent(res, "ping", { type: "ping" });
    sseEvent(res, "content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: replyText },
    });
  }
  sseEvent(res, "content_block_stop", { type: "content_block_stop", index: 0 });
  sseEvent(res, "message_delta", {
    type: "message_delta",
    delta: { stop_reason, stop_sequence: null },
    usage: { output_tokens: outTok },
  });
  sseEvent(res, "message_stop", { type: "message_stop" });
  res.end();
}

const MODELS = [
  "fake-model",
  "gpt-5",
  "gpt-5-codex",
  "gpt-4o-mini",
  "claude-sonnet-4-5",
  "claude-3-5-haiku-latest",
  "qwen3-coder-plus",
];
function models(res) {
  json(res, 200, {
    object: "list",
    data: MODELS.map((id) => ({
      id,
      object: "model",
      created: 1700000000,
      owned_by: "fake",
      type: "model",
      display_name: id,
      created_at: "2025-01-01T00:00:00Z",
    })),
    has_more: false,
    first_id: MODELS[0],
    last_id: MODELS[MODELS.length - 1],
  });
}

function log(rec) {
  const t = rec.kind
    ? ` model=${rec.model} tools=${rec.tools} bytes=${rec.bytes} sys=${rec.sysBytes} toolsJson=${rec.toolsBytes} msgs=${rec.msgs} stream=${rec.stream} reply=${rec.reply}`
    : ` bytes=${rec.bytes}`;
  process.stderr.write(`[fake-llm] #${rec.seq} ${rec.method} ${rec.path}${t}\n`);
  if (logFile) fs.appendFileSync(logFile, `${JSON.stringify(rec)}\n`);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    seq++;
    const raw = Buffer.concat(chunks);
    const path = (req.url || "/").split("?")[0].replace(/\/+$/, "");
    const rec = {
      t: Date.now(),
      seq,
      method: req.method,
      path,
      bytes: raw.length,
      ua: req.headers["user-agent"] || "",
    };
    if (dumpDir && raw.length) {
      fs.mkdirSync(dumpDir, { recursive: true });
      fs.writeFileSync(
        `${dumpDir}/${String(seq).padStart(4, "0")}-${req.method}${path.replace(/[^a-z0-9]+/gi, "_")}.json`,
        raw,
      );
    }
    let body = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        body = {};
      }
    }
    let kind = null;
    if (req.method === "POST" && path.endsWith("/chat/completions")) kind = "chat";
    else if (req.method === "POST" && path.endsWith("/responses")) kind = "responses";
    else if (req.method === "POST" && path.endsWith("/messages/count_tokens")) kind = "count";
    else if (req.method === "POST" && path.endsWith("/messages")) kind = "anthropic";
    if (kind && kind !== "count") {
      const info = analyse(kind, body);
      const willTool = toolMode && !info.hasToolResult && !!pickShellTool(body.tools);
      Object.assign(rec, {
        kind,
        model: body.model,
        stream: !!body.stream,
        ...info,
        reply: willTool ? `tool:${toolName(pickShellTool(body.tools))}` : "text",
      });
      log(rec);
      const answer = () => {
        if (kind === "chat") return chatCompletions(res, body, info, raw.length);
        if (kind === "responses") return responses(res, body, info, raw.length);
        return anthropic(res, body, info, raw.length);
      };
      if (delayMs > 0) return void setTimeout(answer, delayMs);
      return answer();
    }
    log(rec);
    if (kind === "count") return json(res, 200, { input_tokens: estTokens(raw.length) });
    if (req.method === "GET" && /\/models$/.test(path)) return models(res);
    if (req.method === "GET" && /\/models\/[^/]+$/.test(path)) {
      const id = decodeURIComponent(path.split("/").pop());
      return json(res, 200, {
        id,
        object: "model",
        created: 1700000000,
        owned_by: "fake",
        type: "model",
        display_name: id,
        created_at: "2025-01-01T00:00:00Z",
      });
    }
    if (req.method === "HEAD" || (req.method === "GET" && (path === "" || path === "/v1")))
      return json(res, 200, { ok: true });
    return json(res, 404, {
      error: { message: `fake-llm: no route ${req.method} ${path}`, type: "invalid_request_error" },
    });
  });
});
server.keepAliveTimeout = 5000;
server.listen(port, "127.0.0.1", () => {
  const p = server.address().port;
  process.stdout.write(`PORT=${p}\n`);
  if (process.env.PORT_FILE) fs.writeFileSync(process.env.PORT_FILE, String(p));
  process.stderr.write(
    `[fake-llm] listening on http://127.0.0.1:${p} mode=${toolMode ? "tool" : "text"}${logFile ? ` log=${logFile}` : ""}\n`,
  );
});
for (const s of ["SIGINT", "SIGTERM"])
  process.on(s, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 200).unref());
