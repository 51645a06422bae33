/** The document `GET /openapi.json` serves: every route of `pincer serve`, behind a bearer token. */
export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "Pincer server",
    version: "0.1.0",
    description: "Sessions, prompts and their events over HTTP and SSE.",
  },
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: {
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
          "The `permission_request` event on /events: a tool call waiting for a client's answer at /sessions/{id}/permissions/{requestId}.",
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
            description:
              "What the call will do: the exact command, a write's new content or an edit's replaced lines (diff lines start with - or +), control characters shown as \\xNN.",
            required: ["label", "lines", "diff", "hidden"],
            properties: {
              label: { type: "string" },
              lines: { type: "array", items: { type: "string" } },
              diff: { type: "boolean" },
              hidden: { type: "integer", description: "Lines left out at the end." },
            },
          },
          estimate: { $ref: "#/components/schemas/CostEstimate" },
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    "/sessions": {
      get: { summary: "List sessions", responses: { "200": { description: "The sessions this server hosts" } } },
      post: {
        summary: "Create a session, or resume one by id",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                additionalProperties: false,
                properties: {
                  cwd: { type: "string" },
                  model: { type: "string" },
                  thinking: {
                    type: "string",
                    enum: ["off", "low", "medium", "high"],
                    description:
                      "How hard the model thinks (default: the resumed session's level, else config, else off)",
                  },
                  permissionMode: { type: "string", enum: ["default", "acceptEdits", "plan", "bypassPermissions"] },
                  allowedTools: { type: "array", items: { type: "string" } },
                  resume: {
                    type: "string",
                    description: "A session id (or unique prefix) to resume; one this server has open is reused",
                  },
                  fork: {
                    type: "boolean",
                    description: "With resume: go on in a new session copied from that one",
                  },
                },
              },
            },
          },
        },
        responses: {
          "200": { description: "The session, already open on this server (`reused: true`)" },
          "201": { description: "The session" },
          "400": { description: "Bad request, with the reason" },
          "409": { description: "The session is being written by another process (named); resume with fork" },
        },
      },
    },
    "/sessions/{id}": {
      delete: { summary: "Close a session (it stays on disk)", responses: { "204": { description: "Closed" } } },
    },
    "/sessions/{id}/prompt": {
      post: {
        summary: "Start a turn, or queue the prompt in the running one; follow it on /events",
        description:
          "While a turn runs, the prompt is queued, not refused: `delivery` `steer` (the default) reaches the model at the turn's next step (after the running tool calls, before the next model call), `followUp` once the turn is over, as a turn of its own. The events `prompt_queued`, `queue_delivered` and `queue_dropped` (with the reason: a turn that is aborted or fails delivers nothing) follow it.",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["text"],
                properties: {
                  text: { type: "string" },
                  delivery: { type: "string", enum: ["steer", "followUp"], default: "steer" },
                },
              },
            },
          },
        },
        responses: {
          "202": {
            description:
              "Started (`started`), or queued in the running turn (`queued`, with the queued message's `id` and its `delivery`); `after` is the last event id before it (pass it to /events?after=)",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    started: { type: "boolean" },
                    queued: { type: "boolean" },
                    id: { type: "string" },
                    delivery: { type: "string", enum: ["steer", "followUp"] },
                    after: { type: "integer" },
                  },
                },
              },
            },
          },
          "400": { description: "No text, or an unknown delivery" },
          "429": { description: "Too many prompts are already queued in the running turn" },
        },
      },
    },
    "/sessions/{id}/events": {
      get: {
        summary: "The session's events as Server-Sent Events, each with an `id:`",
        parameters: [
          {
            name: "after",
            in: "query",
            required: false,
            description:
              "Only events after this id (a reconnecting client's Last-Event-ID header works too). Without it, the kept events of the current or last turn are replayed first.",
            schema: { type: "integer", minimum: 0 },
          },
        ],
        responses: {
          "200": {
            description:
              "text/event-stream: the kernel's events by name; a `permission_request` event's data is a PermissionRequestEvent (#/components/schemas/PermissionRequestEvent), with the call's cost estimate when its tool gives one.",
          },
          "400": { description: "after is not an event id" },
        },
      },
    },
    "/sessions/{id}/permissions/{requestId}": {
      post: {
        summary: "Answer a permission_request event (#/components/schemas/PermissionRequestEvent)",
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["allow"],
                properties: { allow: { type: "boolean" }, message: { type: "string" } },
              },
            },
          },
        },
        responses: { "204": { description: "Answered" }, "404": { description: "No such pending request" } },
      },
    },
    "/sessions/{id}/abort": {
      post: { summary: "Abort the running turn", responses: { "204": { description: "Aborted" } } },
    },
  },
} as const;
