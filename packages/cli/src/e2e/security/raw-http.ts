import { request } from "node:http";
import { connect } from "node:net";

/** What an attacker's request got back: the status (0 when the connection was cut first), headers and body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with every header under the caller's control (Host, Origin, Cookie…), which
 * `fetch` would not allow: what a rebinding page, a curl or another local user can send.
 */
export function rawRequest(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "GET",
        path: options.path ?? "/",
        headers: options.headers ?? {},
        setHost: !options.headers || !Object.keys(options.headers).some((name) => name.toLowerCase() === "host"),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * Sends `total` bytes as a chunked PUT body, as fast as the server takes them, and reports the
 * answer (if any came before the connection was cut) and how many bytes got into the socket.
 */
export function streamUpload(
  url: string,
  total: number,
  /** `keepSending`: go on writing after the answer came, as a hostile client does. */
  options: { method?: string; headers?: Record<string, string>; keepSending?: boolean } = {},
): Promise<{ status: number; body: string; sent: number; cut: boolean }> {
  const target = new URL(url);
  return new Promise((resolve) => {
    let sent = 0;
    let status = 0;
    let body = "";
    let settled = false;
    const finish = (cut: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ status, body, sent, cut });
    };
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "PUT",
        path: `${target.pathname}${target.search}`,
        headers: options.headers ?? {},
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          if (!options.keepSending || sent >= total) finish(false);
        });
        res.on("error", () => finish(true));
      },
    );
    req.on("error", () => finish(true));
    // A connection the server closes after a complete answer ends the request with no error event,
    // and a write waiting for "drain" would wait forever.
    req.on("close", () => finish(sent < total));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (sent < total && !settled && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (sent >= total) {
        req.end();
        req.on("finish", () => finish(false));
      }
    };
    pump();
  });
}

/**
 * Opens a connection, sends the start of a request and never finishes its headers (slowloris).
 * Resolves with what the server sent before it closed the connection.
 */
export function idleConnection(url: string): { closed: Promise<string> } {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (received += chunk));
  socket.on("connect", () => socket.write(`GET / HTTP/1.1\r\nHost: ${target.host}\r\nX-Slow: `));
  socket.on("error", () => undefined);
  return { closed: new Promise((resolve) => socket.on("close", () => resolve(received))) };
}
