import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SharedSandboxes } from "@pincer/host";
import { bearerToken, checkHostAndOrigin, type Listening, secretsMatch } from "@pincer/hub";
import {
  isThinkingLevel,
  PERMISSION_MODES,
  type QueueMode,
  SessionBusyError,
  THINKING_LEVELS,
  type ThinkingLevel,
} from "@pincer/kernel";
import type { McpElicitationAnswer, McpElicitationValue } from "@pincer/mcp";
import { sessionBusyMessage } from "../session-args.js";
import { OPENAPI } from "./openapi.js";
import { resumedHere, ServerSession } from "./server-session.js";

export interface ServeOptions {
  host: string;
  port: number;
  /** Bytes an event stream may have waiting for a slow client before it is ended (default 8 MiB). */
  maxBufferedBytes?: number;
  home: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Default: PINCER_SERVER_TOKEN, else a fresh random one (printed at start). */
  token?: string;
  /** An idle session releases its kernel and plugins after this long (0: never); default 10 minutes. */
  idleReleaseMs?: number /** `--dangerously-run-unconfined`: every session's commands run without the OS sandbox and without asking. */;
  unconfined?: boolean;
}

const MAX_BODY = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `pincer serve`: the kernel over HTTP, one isolated session per id, events as Server-Sent
 * Events. Loopback by default, and every route (the OpenAPI document too) needs the bearer token.
 */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export async function startServer(options: ServeOptions) {
  const token = options.token ?? options.env.PINCER_SERVER_TOKEN ?? randomBytes(24).toString("base64url");
  const sessions = new Map<string, ServerSession>();
  // One isolate per provider plugin (and grants, environment, limits) serves every session.
  const sharedSandboxes = new SharedSandboxes();
  const listening: Listening = { host: options.host, port: options.port };

  const routes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://pincer");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";
    if (method === "GET" && url.pathname === "/openapi.json") return json(res, 200, OPENAPI);
    if (parts[0] !== "sessions") throw new HttpError(404, `No route ${method} ${url.pathname}; see /openapi.json.`);
    if (parts.length === 1 && method === "GET")
      return json(
        res,
        200,
        [...sessions.values()].map((s) => s.describe()),
      );
    if (parts.length === 1 && method === "POST") {
      const body = await readJson(req);
      // One writer per session: a session this server already has open is reused, not opened twice.
      const open = resumedHere(body, sessions, options.home);
      if (open) return json(res, 200, { ...open.describe(), reused: true });
      const session = await ServerSession.open(
        {
          cwd: optionalString(body, "cwd") ?? options.cwd,
          home: options.home,
          env: options.env,
          ...pick(body, "model"),
          ...(body.thinking !== undefined ? { thinking: checkThinking(body.thinking) } : {}),
          ...pick(body, "resume"),
          ...(body.fork === true ? { fork: true } : {}),
          ...(body.permissionMode !== undefined ? { permissionMode: checkMode(body.permissionMode) } : {}),
          ...(Array.isArray(body.allowedTools) ? { allowedTools: body.allowedTools.map(String) } : {}),
          // The server's own opt-in; a client's request body cannot ask for it.
          ...(options.unconfined ? { unconfined: true } : {}),
          sharedSandboxes,
        },
        options.idleReleaseMs === undefined ? {} : { idleReleaseMs: options.idleReleaseMs },
      ).catch((error: Error) => {
        if (error instanceof SessionBusyError) {
          throw new HttpError(409, sessionBusyMessage(error, 'continue in a copy of it: send "fork": true'));
        }
        throw new HttpError(400, error.message);
      });
      sessions.set(session.id, session);
      return json(res, 201, session.describe());
    }
    const session = sessions.get(parts[1] ?? "");
    if (!session) throw new HttpError(404, `No session ${parts[1]} on this server. Create one with POST /sessions.`);
    const action = parts[2];
    if (!action && method === "DELETE") {
      sessions.delete(session.id);
      await session.close();
      return end(res, 204);
    }
    if (action === "events" && method === "GET")
      return stream(req, res, session, eventsAfter(req, url), options.maxBufferedBytes ?? MAX_BUFFERED_BYTES);
    if (action === "prompt" && method === "POST") {
      const body = await readJson(req);
      const text = optionalString(body, "text");
      if (!text) throw new HttpError(400, 'The body needs "text": the prompt.');
      const delivery = checkDelivery(body.delivery);
      // While a turn runs, the prompt is queued in the kernel (as typing in the terminal is).
      let sent: ReturnType<ServerSession["prompt"]>;
      try {
        sent = session.prompt(text, delivery);
      } catch (error) {
        throw new HttpError(429, (error as Error).message);
      }
      if (!sent.queued) return json(res, 202, { started: true, after: sent.after });
      return json(res, 202, { queued: true, id: sent.queued.id, delivery: sent.queued.mode, after: sent.after });
    }
    if (action === "abort" && method === "POST") {
      session.abort();
      return end(res, 204);
    }
    if (action === "permissions" && parts[3] && method === "POST") {
      const body = await readJson(req);
      if (typeof body.allow !== "boolean") throw new HttpError(400, 'The body needs "allow": true or false.');
      const message = optionalString(body, "message");
      if (!session.answer(parts[3], { allow: body.allow, ...(message ? { message } : {}) })) {
        throw new HttpError(404, `No pending permission request ${parts[3]}.`);
      }
      return end(res, 204);
    }
    if (action === "elicitations" && parts[3] && method === "POST") {
      const body = await readJson(req);
      const outcome = session.answerForm(parts[3], elicitationAnswer(body));
      if (outcome === "missing") throw new HttpError(404, `No open form ${parts[3]}.`);
      if (outcome) throw new HttpError(400, `The answer does not fit the form: ${outcome}.`);
      return end(res, 204);
    }
    throw new HttpError(404, `No route ${method} ${url.pathname}; see /openapi.json.`);
  };

  const server = createServer({ headersTimeout: 15_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    // The door first: a foreign Host (DNS rebinding) or Origin (a web page) is refused before the
    // token is even looked at; then the token, compared in constant time.
    const refused = checkHostAndOrigin(req, listening);
    if (refused) {
      res.setHeader("connection", "close");
      json(res, refused.status, { error: refused.message });
      return;
    }
    if (!secretsMatch(bearerToken(req), token)) {
      res.setHeader("connection", "close");
      json(res, 401, { error: "Missing or wrong bearer token. Send Authorization: Bearer <token>." });
      return;
    }
    routes(req, res).catch((error: Error) => {
      if (res.headersSent) return void res.end();
      json(res, error instanceof HttpError ? error.status : 500, { error: error.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const address = server.address() as AddressInfo;
  listening.port = address.port;
  return {
    url: `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`,
    token,
    async close() {
      for (const session of sessions.values()) await session.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Events as SSE; a client that goes away only stops its own stream: the turn goes on. */
function stream(
  req: IncomingMessage,
  res: ServerResponse,
  session: ServerSession,
  after: number | undefined,
  maxBuffered: number,
): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(": pincer events\n\n");
  let lastSent = after ?? 0;
  let cut = false;
  const unsubscribe = session.subscribe((event, id) => {
    if (cut) return;
    // A client that stops reading must not make this process hold the whole turn for it: past the
    // limit its stream ends, and it reconnects with Last-Event-ID (or ?after=) to pick up from there.
    // (This can happen during the replay inside subscribe(), before `unsubscribe` exists.)
    if (res.writableLength > maxBuffered) {
      cut = true;
      res.end(`: too far behind; reconnect with Last-Event-ID: ${lastSent}\n\n`);
      queueMicrotask(() => unsubscribe());
      return;
    }
    res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    lastSent = id;
  }, after);
  req.on("close", unsubscribe);
}

/** `?after=N` or a reconnecting EventSource's `Last-Event-ID`: only the events after that one. */
function eventsAfter(req: IncomingMessage, url: URL): number | undefined {
  const raw = url.searchParams.get("after") ?? req.headers["last-event-id"];
  if (raw === undefined || raw === null) return undefined;
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new HttpError(400, `"after" must be an event id (a whole number); got "${String(raw)}".`);
  }
  return value;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  // A form or a text/plain "simple" request must not pass for JSON.
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  const hasBody = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
  if (type ? type !== "application/json" : hasBody) {
    throw new HttpError(415, `Send the body as application/json (got ${type ?? "no Content-Type"}).`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `The body is larger than ${MAX_BODY} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("expected a JSON object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new HttpError(400, `The body is not valid JSON: ${(error as Error).message}.`);
  }
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `"${key}" must be a string.`);
  return value;
}

function pick(body: Record<string, unknown>, key: "model" | "resume"): Record<string, string> {
  const value = optionalString(body, key);
  return value ? { [key]: value } : {};
}

function checkMode(value: unknown): string {
  if (typeof value !== "string" || !(PERMISSION_MODES as readonly string[]).includes(value)) {
    throw new HttpError(400, `"permissionMode" must be one of ${PERMISSION_MODES.join(", ")}.`);
  }
  return value;
}

function checkDelivery(value: unknown): QueueMode {
  if (value === undefined || value === "steer" || value === "followUp") return value ?? "steer";
  throw new HttpError(400, '"delivery" must be "steer" (at the running turn\'s next step) or "followUp" (after it).');
}

function elicitationAnswer(body: Record<string, unknown>): McpElicitationAnswer {
  if (body.action === "decline" || body.action === "cancel") return { action: body.action };
  if (body.action !== "accept") throw new HttpError(400, '"action" must be "accept", "decline" or "cancel".');
  const content = body.content ?? {};
  if (!content || typeof content !== "object" || Array.isArray(content)) {
    throw new HttpError(400, '"content" must be an object of the form\'s values.');
  }
  return { action: "accept", content: content as Record<string, McpElicitationValue> };
}

function checkThinking(value: unknown): ThinkingLevel {
  if (!isThinkingLevel(value)) throw new HttpError(400, `"thinking" must be one of ${THINKING_LEVELS.join(", ")}.`);
  return value;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
