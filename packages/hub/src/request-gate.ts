import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * The door of a server meant for this machine (the local Hub, `pincer serve`): a request is looked
 * at only if its Host names this server and, when it carries an Origin, that Origin is the server
 * itself. That refuses DNS rebinding (a web page whose name now resolves to 127.0.0.1: its requests
 * carry its own name as Host) and cross-origin requests from web pages, "simple" ones included
 * (a form or `fetch` with `Content-Type: text/plain` needs no CORS preflight, but carries Origin).
 */

/** Why a request was refused at the door. */
export interface Refusal {
  status: number;
  message: string;
}

/** A loopback name or address: `localhost` (and `*.localhost`, which browsers pin to loopback), 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "::1" ||
    host === "0:0:0:0:0:0:0:1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

const isWildcard = (host: string): boolean => ["0.0.0.0", "::", "[::]"].includes(host);
const bare = (host: string): string => host.toLowerCase().replace(/^\[|\]$/g, "");

export interface Listening {
  /** The interface the server was told to listen on (`--host`). */
  host: string;
  /** The port it listens on. */
  port: number;
}

/**
 * Checks Host and Origin. Host must be a loopback name, or the `--host` the server was started with
 * (any name when that is a wildcard such as 0.0.0.0: the token still guards it). Its port is not
 * compared: a browser always sends the port it connects to, so only the name can betray a
 * rebinding page, and a local proxy in front of the server (which keeps its own port in Host) keeps
 * working. Origin, when present, must be the origin the Host names, port included; `Origin: null`
 * (sandboxed frames, file: pages) is refused, and so is a browser's `Sec-Fetch-Site: cross-site`.
 */
export function checkHostAndOrigin(req: IncomingMessage, listening: Listening): Refusal | undefined {
  const raw = req.headers.host;
  if (!raw) return { status: 400, message: "A Host header is required." };
  let url: URL;
  try {
    url = new URL(`http://${raw}`);
  } catch {
    return { status: 400, message: "The Host header is not a host name." };
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash || raw.includes("/")) {
    return { status: 400, message: "The Host header is not a host name." };
  }
  const name = url.hostname;
  if (!(isLoopbackHost(name) || isWildcard(listening.host) || bare(name) === bare(listening.host))) {
    const shown = isLoopbackHost(listening.host) || isWildcard(listening.host) ? "127.0.0.1" : listening.host;
    return {
      status: 421,
      message: `This server answers to ${shown.includes(":") ? `[${bare(shown)}]` : shown}:${listening.port} (or localhost), not to the Host "${raw}". A page whose name was pointed at this machine (DNS rebinding) is refused.`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let given: string | undefined;
    try {
      given = new URL(origin).origin;
    } catch {
      given = undefined;
    }
    if (given !== url.origin) {
      return {
        status: 403,
        message: `Requests from other origins are refused (Origin: ${origin.slice(0, 200)}). This server is for programs on this machine, not web pages.`,
      };
    }
  }
  if (req.headers["sec-fetch-site"] === "cross-site") {
    return { status: 403, message: "Cross-site requests are refused. This server is for programs on this machine." };
  }
  return undefined;
}

/** Compares secrets in constant time: both are hashed first, so their lengths leak nothing either. */
export function secretsMatch(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, if it has one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}
