import { EVENT_PARTS } from "./openapi-events.js";

/**
 * The document `GET /openapi.json` serves: every route of `pincer serve` with its parameters,
 * bodies, answers and errors, and every SSE event. A test validates it with a strict OpenAPI
 * validator and compiles a client generated from it (openapi.test.ts).
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const error = (description: string) => ({ description, content: json(ref("Error")) });
const shared = (name: string) => ({ $ref: `#/components/responses/${name}` });
/** What every route may answer before it runs: the door (Host, Origin, token) and a fault. */
const door = {
  "401": shared("Unauthorized"),
  "403": shared("ForeignOrigin"),
  "421": shared("ForeignHost"),
  "500": shared("Failed"),
};
/** What a route with a JSON body may answer about it. */
const body = {
  "400": shared("BadRequest"),
  "413": shared("TooLarge"),
  "415": shared("NotJson"),
};
const sessionId = {
  name: "id",
  in: "path",
  required: true,
  description: "The session's id",
  schema: { type: "string" },
};
const noSession = { "404": error("No such session on this server") };
const requestId = (what: string) => ({
  name: "requestId",
  in: "path",
  required: true,
  description: `The \`requestId\` of the ${what} event`,
  schema: { type: "string" },
});

export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Pincer server",
    version: "0.1.0",
    description: "Sessions, prompts and their events over HTTP and SSE.",
  },
  security: [{ bearer: [] }],
  paths: {
    "/openapi.json": {
      get: {
        operationId: "getOpenApi",
        summary: "This document",
        responses: { "200": { description: "The OpenAPI document", content: json({ type: "object" }) }, ...door },
      },
    },
    "/sessions": {
      get: {
        operationId: "listSessions",
        summary: "List sessions",
        responses: {
          "200": {
            description: "The sessions this server hosts",
            content: json({ type: "array", items: ref("SessionInfo") }),
          },
          ...door,
        },
      },
      post: {
        operationId: "createSession",
        summary: "Create a session, or resume one by id",
        requestBody: { required: false, content: json(ref("CreateSessionRequest")) },
        responses: {
          "200": {
            description: "The session, already open on this server (`reused: true`)",
            content: json(ref("SessionCreated")),
          },
          "201": { description: "The session", content: json(ref("SessionCreated")) },
          ...body,
          "409": error("The session is being written by another process (named); resume with fork"),
          ...door,
        },
      },
    },
    "/sessions/{id}": {
      parameters: [sessionId],
      delete: {
        operationId: "closeSession",
        summary: "Close a session (it stays on disk)",
        responses: { "204": { description: "Closed" }, ...noSession, ...door },
      },
    },
    "/sessions/{id}/prompt": {
      parameters: [sessionId],
      post: {
        operationId: "prompt",
        summary: "Start a turn, or queue the prompt in the running one; follow it on /events",
        description:
          "While a turn runs, the prompt is queued, not refused: `delivery` `steer` (the default) reaches the model at the turn's next step (after the running tool calls, before the next model call), `followUp` once the turn is over, as a turn of its own. The events `prompt_queued`, `queue_delivered` and `queue_dropped` (with the reason: a turn that is aborted or fails delivers nothing) follow it.",
        requestBody: { required: true, content: json(ref("PromptRequest")) },
        responses: {
          "202": {
            description:
              "Started (`started`), or queued in the running turn (`queued`, with the queued message's `id` and its `delivery`); `after` is the last event id before it (pass it to /events?after=)",
            content: json(ref("PromptAccepted")),
          },
          ...body,
          ...noSession,
          "429": error("Too many prompts are already queued in the running turn"),
          ...door,
        },
      },
    },
    "/sessions/{id}/events": {
      parameters: [sessionId],
      get: {
        operationId: "events",
        summary: "The session's events as Server-Sent Events, each with an `id:`",
        parameters: [
          {
            name: "after",
            in: "query",
            required: false,
            description:
              "Only events after this id. Without it, the kept events of the current or last turn are replayed first.",
            schema: { type: "integer", minimum: 0 },
          },
          {
            name: "Last-Event-ID",
            in: "header",
            required: false,
            description: "What a reconnecting EventSource sends: the same as `after`.",
            schema: { type: "string" },
          },
        ],
        responses: {
          "200": {
            description:
              "`text/event-stream`: each event is `id: <n>`, `event: <type>` and `data: <JSON>`, the JSON being a ServerEvent of that type. A client that stops reading is cut off once 8 MiB wait for it and resumes with Last-Event-ID.",
            content: { "text/event-stream": { schema: { type: "string" }, "x-event-schema": ref("ServerEvent") } },
          },
          "400": error("`after` is not an event id"),
          ...noSession,
          ...door,
        },
      },
    },
    "/sessions/{id}/permissions/{requestId}": {
      parameters: [sessionId, requestId("permission_request")],
      post: {
        operationId: "answerPermission",
        summary: "Answer a permission_request event (a tool call, or an MCP server's sampling request)",
        requestBody: { required: true, content: json(ref("PermissionAnswer")) },
        responses: {
          "204": { description: "Answered" },
          ...body,
          "404": error("No such session, or no such pending request"),
          ...door,
        },
      },
    },
    "/sessions/{id}/elicitations/{requestId}": {
      parameters: [sessionId, requestId("elicitation_request")],
      post: {
        operationId: "answerElicitation",
        summary: "Answer an elicitation_request event: an MCP server's form",
        description:
          "`accept` with `content` that fits the form (checked: a 400 says what does not fit, and the form stays open), `decline`, or `cancel`.",
        requestBody: { required: true, content: json(ref("ElicitationAnswer")) },
        responses: {
          "204": { description: "Answered" },
          ...body,
          "404": error("No such session, or no such open form"),
          ...door,
        },
      },
    },
    "/sessions/{id}/abort": {
      parameters: [sessionId],
      post: {
        operationId: "abort",
        summary: "Abort the running turn",
        responses: { "204": { description: "Aborted (or nothing was running)" }, ...noSession, ...door },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    responses: {
      Unauthorized: error("Missing or wrong bearer token"),
      ForeignOrigin: error("A request from a web page (a foreign Origin, Origin: null, Sec-Fetch-Site: cross-site)"),
      ForeignHost: error("A Host that is neither a loopback name nor the address the server listens on"),
      Failed: error("The server failed while handling the request"),
      BadRequest: error("The body is not valid JSON, or a field is wrong (the message says which)"),
      TooLarge: error("The body is larger than 1 MiB"),
      NotJson: error("The body is not sent as application/json"),
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: { error: { type: "string", description: "What went wrong and what to do" } },
      },
      PermissionMode: { enum: ["default", "acceptEdits", "plan", "bypassPermissions"] },
      ThinkingLevel: { enum: ["off", "low", "medium", "high"] },
      SessionInfo: {
        type: "object",
        required: ["id", "cwd", "busy", "mode", "thinking", "loaded"],
        properties: {
          id: { type: "string" },
          cwd: { type: "string" },
          busy: { type: "boolean", description: "A turn is running" },
          mode: ref("PermissionMode"),
          thinking: ref("ThinkingLevel"),
          loaded: {
            type: "boolean",
            description: "false once released for being idle (it loads again on its next prompt)",
          },
        },
      },
      SessionCreated: {
        allOf: [ref("SessionInfo"), { type: "object", properties: { reused: { type: "boolean" } } }],
      },
      CreateSessionRequest: {
        type: "object",
        additionalProperties: false,
        properties: {
          cwd: { type: "string" },
          model: { type: "string", description: "provider/model, or an alias" },
          thinking: {
            ...ref("ThinkingLevel"),
            description: "How hard the model thinks (default: the resumed session's level, else config, else off)",
          },
          permissionMode: ref("PermissionMode"),
          allowedTools: { type: "array", items: { type: "string" } },
          resume: {
            type: "string",
            description: "A session id (or unique prefix) to resume; one this server has open is reused",
          },
          fork: { type: "boolean", description: "With resume: go on in a new session copied from that one" },
        },
      },
      PromptRequest: {
        type: "object",
        required: ["text"],
        properties: {
          text: { type: "string", minLength: 1 },
          delivery: { type: "string", enum: ["steer", "followUp"], default: "steer" },
        },
      },
      PromptAccepted: {
        type: "object",
        required: ["after"],
        properties: {
          started: { type: "boolean" },
          queued: { type: "boolean" },
          id: { type: "string", description: "The queued message's id" },
          delivery: { type: "string", enum: ["steer", "followUp"] },
          after: { type: "integer", minimum: 0, description: "The last event id before this prompt's" },
        },
      },
      PermissionAnswer: {
        type: "object",
        required: ["allow"],
        properties: {
          allow: { type: "boolean" },
          message: { type: "string", description: "Told to the model when denied" },
        },
      },
      ElicitationAnswer: {
        type: "object",
        required: ["action"],
        properties: {
          action: { enum: ["accept", "decline", "cancel"] },
          content: {
            type: "object",
            description: "With accept: a value for each field you fill (required ones at least)",
            additionalProperties: {
              oneOf: [
                { type: "string" },
                { type: "number" },
                { type: "boolean" },
                { type: "array", items: { type: "string" } },
              ],
            },
          },
        },
      },
      CostEstimate: {
        type: "object",
        description:
          "What a call would cost in US dollars, as its tool estimates it (an upper bound when the price depends on how long it runs).",
        required: ["usd", "summary"],
        properties: {
          usd: { type: "number", minimum: 0 },
          summary: {
            type: "string",
            description: 'How the figure was reached, e.g. "a10g-small at $1.00/h × up to 2 h ≈ $2.00".',
          },
          recurring: {
            type: "boolean",
            description:
              "It keeps costing until someone stops it (an endpoint billed by the hour; `usd` is one hour): a person should approve it.",
          },
        },
      },
      PermissionRequestEvent: {
        type: "object",
        description:
          "The `permission_request` event: a tool call (or an MCP server's sampling request, toolName `mcp_sampling`) waiting for a client's answer at /sessions/{id}/permissions/{requestId}.",
        required: ["type", "requestId", "toolName", "reason"],
        properties: {
          type: { const: "permission_request" },
          requestId: { type: "string" },
          toolName: { type: "string" },
          subject: {
            type: "object",
            description: "What permission rules match: a command, a path or text.",
            properties: { kind: { enum: ["command", "path", "text"] }, value: { type: "string" } },
          },
          reason: { type: "string", description: "Why it asks." },
          suggestedRule: { type: "string", description: 'A narrow rule that would allow it, e.g. "bash(npm test:*)".' },
          preview: {
            type: "object",
            description: "What the call will do, as the terminal shows it: the command, new content or replaced lines.",
            required: ["label", "lines", "diff", "hidden"],
            properties: {
              label: { type: "string" },
              lines: { type: "array", items: { type: "string" } },
              diff: { type: "boolean" },
              hidden: { type: "integer", minimum: 0 },
            },
          },
          estimate: ref("CostEstimate"),
        },
      },
      ElicitationRequestEvent: {
        type: "object",
        description:
          "The `elicitation_request` event: an MCP server asks the user to fill a form; answer at /sessions/{id}/elicitations/{requestId}. Unanswered when the turn ends, it is cancelled.",
        required: ["type", "requestId", "server", "message", "fields"],
        properties: {
          type: { const: "elicitation_request" },
          requestId: { type: "string" },
          server: { type: "string", description: "The MCP server that asks" },
          message: { type: "string" },
          fields: { type: "array", items: ref("ElicitationField") },
        },
      },
      ElicitationField: {
        type: "object",
        required: ["name", "title", "type", "required"],
        properties: {
          name: { type: "string" },
          title: { type: "string" },
          description: { type: "string" },
          type: { enum: ["string", "number", "integer", "boolean", "array"] },
          required: { type: "boolean" },
          options: {
            type: "array",
            description: "The choices (each item's, for an array)",
            items: {
              type: "object",
              required: ["value", "title"],
              properties: { value: { type: "string" }, title: { type: "string" } },
            },
          },
          default: {},
          format: { type: "string" },
          minimum: { type: "number" },
          maximum: { type: "number" },
          minLength: { type: "integer" },
          maxLength: { type: "integer" },
          minItems: { type: "integer" },
          maxItems: { type: "integer" },
        },
      },
      ...EVENT_PARTS,
    },
  },
} as const;
