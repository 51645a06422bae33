import type { IncomingMessage, ServerResponse } from "node:http";

/** A failure the Hub reports as `{"error": …}` with a status and, where the Hub sends one, X-Error-Code. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export const notFound = (code: string, message: string): HubError => new HubError(404, message, code);

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HubError): void {
  // The Hub repeats the message in X-Error-Message: a HEAD answer has no body, and clients read it there.
  const headerMessage = error.message.replace(/[^\x20-\x7e]/g, "?").slice(0, 500);
  sendJson(
    res,
    error.status,
    { error: error.message },
    {
      "X-Error-Message": headerMessage,
      ...(error.code ? { "X-Error-Code": error.code } : {}),
    },
  );
}

/** Reads a whole request body; `limit` guards memory (inline commits carry base64 files). */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HubError(413, "Request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T>(req: IncomingMessage): Promise<T> {
  const body = await readBody(req);
  try {
    return (body.length ? JSON.parse(body.toString("utf8")) : {}) as T;
  } catch {
    throw new HubError(400, "Request body is not valid JSON");
  }
}
