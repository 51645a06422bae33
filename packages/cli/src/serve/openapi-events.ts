import type { ServerEvent } from "./server-session.js";

/**
 * The events of `GET /sessions/{id}/events`, one schema per SSE `event:` name (the `data:` is the
 * JSON object). Keyed by type and checked against ServerEvent at compile time (`satisfies`), so an
 * event added to the kernel or the server without a schema here does not build.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = { type: "string" } as const;
const count = { type: "integer", minimum: 0 } as const;
const anyObject = { type: "object", additionalProperties: true } as const;

function event(type: string, description: string, properties: Record<string, unknown>, optional: string[] = []) {
  return {
    type: "object",
    description,
    required: ["type", ...Object.keys(properties).filter((key) => !optional.includes(key))],
    properties: { type: { const: type }, ...properties },
  };
}

export const EVENT_SCHEMAS = {
  session_start: event("session_start", "The session's first turn starts (MCP tools register after it).", {
    sessionId: text,
    model: text,
    cwd: text,
    tools: { type: "array", items: text },
    resumed: { type: "boolean" },
  }),
  turn_start: event(
    "turn_start",
    "A turn starts with this prompt (a queued one names it).",
    { prompt: text, queued: ref("QueuedPrompt") },
    ["queued"],
  ),
  request_start: event("request_start", "A model call of the turn starts.", { step: count, model: text }),
  stream: event("stream", "One event of the model's stream: text, thinking, tool-call pieces, usage, stop or error.", {
    event: ref("ProviderEvent"),
  }),
  retry: event(
    "retry",
    "A model call is tried again; `discarded`: the failed attempt had streamed output, now dropped.",
    { attempt: count, delayMs: count, error: text, discarded: { type: "boolean" } },
    ["discarded"],
  ),
  assistant_message: event("assistant_message", "The model's complete message of one call.", {
    message: ref("Message"),
  }),
  tool_start: event("tool_start", "A tool call the model asked for.", {
    toolCallId: text,
    name: text,
    args: anyObject,
  }),
  tool_update: event("tool_update", "Live output of a running call (an MCP server's progress too).", {
    toolCallId: text,
    partial: text,
  }),
  tool_end: event("tool_end", "A tool call's result.", {
    toolCallId: text,
    name: text,
    result: ref("Message"),
    durationMs: count,
  }),
  permission: event(
    "permission",
    "How the permission engine (and the client, if asked) decided a call.",
    {
      toolCallId: text,
      name: text,
      decision: anyObject,
      asked: { type: "boolean" },
      allowed: { type: "boolean" },
      denial: anyObject,
    },
    ["denial"],
  ),
  message_appended: event("message_appended", "A message joined the session (a steering prompt, a tool result).", {
    message: ref("Message"),
  }),
  compaction: event("compaction", "Older turns were summarised.", {
    summary: text,
    tokensBefore: count,
    tokensAfter: count,
  }),
  loop_guard: event("loop_guard", "The loop guard corrected the model or stopped the turn.", {
    action: { enum: ["correct", "stop"] },
    kind: text,
    message: text,
  }),
  model_change: event("model_change", "The session moved to another model.", { model: text }),
  thinking_change: event("thinking_change", "The thinking level changed.", { level: ref("ThinkingLevel") }),
  permission_mode_change: event("permission_mode_change", "The permission mode changed.", {
    mode: ref("PermissionMode"),
  }),
  turn_end: event(
    "turn_end",
    "The turn is over: its result, the session's usage, and what the client can do when it stopped short.",
    { result: ref("TurnResult"), sessionUsage: ref("Usage"), advice: text },
    ["advice"],
  ),
  usage: event("usage", "Usage so far: the session's and the turn's.", { session: ref("Usage"), turn: ref("Usage") }),
  warning: event("warning", "Something the user should know (a server that did not start, a skipped setting).", {
    message: text,
  }),
  prompt_queued: event("prompt_queued", "A prompt sent while the turn runs waits for it.", {
    queued: ref("QueuedPrompt"),
  }),
  queue_delivered: event("queue_delivered", "Queued prompts reached the model.", {
    delivered: { type: "array", items: ref("QueuedPrompt") },
  }),
  queue_dropped: event("queue_dropped", "Queued prompts that will not be delivered, and why.", {
    dropped: { type: "array", items: ref("QueuedPrompt") },
    reason: text,
  }),
  subscriber_error: event("subscriber_error", "A listener inside the server failed on an event.", {
    eventType: text,
    error: text,
  }),
  permission_request: ref("PermissionRequestEvent"),
  elicitation_request: ref("ElicitationRequestEvent"),
  turn_error: event("turn_error", "The turn could not run at all.", { message: text }),
  replay_gap: event("replay_gap", "Sent first to a client resuming from an event no longer kept.", {
    missed: count,
    resumesAt: count,
  }),
} satisfies Record<ServerEvent["type"], object>;

/** The schemas the events refer to. */
export const EVENT_PARTS = {
  ServerEvent: {
    description: "Any event of /sessions/{id}/events; `type` is also the SSE `event:` name.",
    oneOf: Object.keys(EVENT_SCHEMAS).map((type) => ref(`Event_${type}`)),
    discriminator: {
      propertyName: "type",
      mapping: Object.fromEntries(
        Object.keys(EVENT_SCHEMAS).map((type) => [type, `#/components/schemas/Event_${type}`]),
      ),
    },
  },
  ...Object.fromEntries(Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [`Event_${type}`, schema])),
  QueuedPrompt: {
    type: "object",
    required: ["id", "mode", "text"],
    properties: { id: text, mode: { enum: ["steer", "followUp"] }, text },
  },
  ProviderEvent: {
    type: "object",
    description:
      "text_delta, thinking_delta, toolcall_start/delta/end, usage, stop or error (see the kernel's provider.ts).",
    required: ["type"],
    properties: {
      type: {
        enum: [
          "text_delta",
          "thinking_delta",
          "toolcall_start",
          "toolcall_delta",
          "toolcall_end",
          "usage",
          "stop",
          "error",
        ],
      },
    },
    additionalProperties: true,
  },
  Message: {
    type: "object",
    description: "A message of the conversation: user, assistant or toolResult (see the kernel's messages.ts).",
    required: ["role"],
    properties: { role: { enum: ["user", "assistant", "toolResult"] }, content: {} },
    additionalProperties: true,
  },
  Usage: {
    type: "object",
    required: ["input", "output", "cacheRead", "cacheWrite", "cost"],
    properties: {
      input: count,
      output: count,
      cacheRead: count,
      cacheWrite: count,
      cost: {
        type: "object",
        description: "US dollars.",
        required: ["total"],
        properties: {
          input: { type: "number" },
          output: { type: "number" },
          cacheRead: { type: "number" },
          cacheWrite: { type: "number" },
          total: { type: "number" },
        },
      },
    },
  },
  TurnResult: {
    type: "object",
    required: ["stopReason", "steps", "usage", "text"],
    properties: {
      stopReason: { enum: ["end_turn", "max_turns", "aborted", "error", "loop_guard", "blocked"] },
      steps: count,
      usage: ref("Usage"),
      text,
      error: text,
      stop: { ...anyObject, description: "Why the turn stopped, as a code with its data." },
    },
  },
} as const;
