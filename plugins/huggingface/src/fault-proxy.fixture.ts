import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does to the requests `match` picks, `times` times (Infinity for all). */
export type Fault = {
  match: (req: IncomingMessage) => boolean;
  times: number;
  /** Answer this status (with `headers` and a JSON `body`) instead of forwarding; the default fault. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Forward the request but drop both connections after this many body bytes. */
  cutAfter?: number;
  /** Forward, with the request body changed. */
  rewriteBody?: (body: string) => string;
  /** Forward, with the answer's ETag replaced. */
  etag?: string;
};

/**
 * A proxy in front of a real local Hub that answers some requests itself (a status, a
 * Retry-After), cuts an upload mid-body, changes a request body on its way or an answer's ETag on
 * its way back, and forwards the rest with the Host header kept, so the upload links the Hub hands
 * out point back through it. `faults` is read at each request; `seen` hears `METHOD /path` of each.
 */
export async function startFaultProxy(
  hubUrl: string,
  state: { faults: () => Fault[]; seen: (line: string) => void },
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(hubUrl);
  const proxy = createServer((req, res) => {
    state.seen(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
    const fault = state.faults().find((f) => f.times > 0 && f.match(req));
    if (fault) fault.times--;
    if (!fault || fault.cutAfter !== undefined || fault.rewriteBody || fault.etag) {
      void forward(upstream, req, res, fault);
      return;
    }
    req.resume();
    res.writeHead(fault.status ?? 500, { "Content-Type": "application/json", ...fault.headers });
    res.end(JSON.stringify(fault.body ?? { error: "injected" }));
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

async function forward(upstream: URL, req: IncomingMessage, res: ServerResponse, fault?: Fault): Promise<void> {
  let body: Buffer | undefined;
  const headers = { ...req.headers };
  if (fault?.rewriteBody) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    body = Buffer.from(fault.rewriteBody(Buffer.concat(chunks).toString("utf8")));
    headers["content-length"] = String(body.length);
  }
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(fault?.etag ? { etag: fault.etag } : {}) });
      answer.pipe(res);
    },
  );
  out.on("error", () => res.destroy());
  if (body) {
    out.end(body);
    return;
  }
  const cutAfter = fault?.cutAfter;
  if (cutAfter === undefined) {
    req.pipe(out);
    return;
  }
  let sent = 0;
  req.on("data", (chunk: Buffer) => {
    if (sent >= cutAfter) return;
    const room = cutAfter - sent;
    out.write(chunk.subarray(0, room));
    sent += Math.min(room, chunk.length);
    if (sent >= cutAfter) {
      // The connection drops mid-body: the Hub sees an aborted upload, the client a reset.
      out.destroy();
      req.socket.destroy();
    }
  });
  req.on("end", () => out.end());
}
