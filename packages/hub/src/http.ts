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

/** What a JSON request body may weigh, unless its route says otherwise. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Bodies that list many files or objects (preupload, LFS batch, paths-info). */
export const LIST_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Reads a whole request body, at most `limit` bytes: a declared Content-Length over it is refused
 * before anything is read, and a body that grows past it while streaming is cut off there.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of requestChunks(req)) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads and drops a body the route has no use for, at most `limit` bytes (413 past that). */
export async function discardBody(req: IncomingMessage, limit: number): Promise<void> {
  let size = 0;
  for await (const chunk of requestChunks(req)) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
  }
}

/** A body's chunks, read so that stopping early leaves the connection up for the refusal. */
export const requestChunks = (req: IncomingMessage): AsyncIterable<Buffer> =>
  req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;

/** A 413 before reading anything when the client says it will send more than `size` bytes. */
export function refuseDeclaredOver(req: IncomingMessage, size: number): void {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > size) {
    throw new HubError(413, `The upload declares ${declared} bytes; this URL takes ${size}`);
  }
}

const tooLarge = (limit: number): HubError =>
  new HubError(413, `Request body too large (this route takes at most ${limit} bytes)`);

/** `application/json` and its kin (`application/vnd.git-lfs+json`). */
export const JSON_TYPES = [/^application\/([\w.+-]+\+)?json$/];

/**
 * Refuses a body whose Content-Type is not one of `types` (415): a form or a `text/plain` "simple"
 * request from a web page must not pass for JSON. A request with no Content-Type passes only if it
 * has no body.
 */
export function checkContentType(req: IncomingMessage, types: readonly RegExp[]): void {
  const raw = req.headers["content-type"];
  const type = raw?.split(";")[0]?.trim().toLowerCase();
  if (type ? types.some((pattern) => pattern.test(type)) : !hasBody(req)) return;
  throw new HubError(
    415,
    `Unsupported Content-Type ${raw ? `"${raw.slice(0, 100)}"` : "(none)"}: send application/json`,
  );
}

const hasBody = (req: IncomingMessage): boolean =>
  req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;

/** A JSON body (`{}` when empty), of a JSON Content-Type, at most `limit` bytes. */
export async function readJson<T>(req: IncomingMessage, limit = JSON_BODY_LIMIT): Promise<T> {
  checkContentType(req, JSON_TYPES);
  const body = await readBody(req, limit);
  try {
    return (body.length ? JSON.parse(body.toString("utf8")) : {}) as T;
  } catch {
    throw new HubError(400, "Request body is not valid JSON");
  }
}
