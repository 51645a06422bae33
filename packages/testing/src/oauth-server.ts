import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { listenLoopback, readBody, sendJson } from "./loopback-http.js";
import { MCP_TEST_SERVER } from "./mcp-server.js";

/**
 * An MCP server over streamable HTTP behind OAuth 2.1, on loopback, as the MCP authorization
 * specification has it: the MCP endpoint answers 401 with `WWW-Authenticate: Bearer
 * resource_metadata=…` (RFC 9728), the authorization server publishes its metadata (RFC 8414),
 * registers clients dynamically (RFC 7591), takes authorization codes only with PKCE S256, and
 * rotates refresh tokens. `/authorize` approves at once (the user's browser says yes) by
 * redirecting to the client's registered redirect URI with the code and state.
 */
export interface OAuthMcpServer {
  /** The MCP endpoint. */
  url: string;
  issuer: string;
  /** Clients registered so far (their metadata as sent). */
  registrations: Array<Record<string, unknown>>;
  /** `grant_type` of each token request, in order. */
  grants: string[];
  /** The Authorization header of each MCP request. */
  authorizations: string[];
  /** Makes every access token issued so far invalid (as if expired): the next call must refresh. */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

interface Code {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource?: string;
}

const base64url = (buffer: Buffer) => buffer.toString("base64url");

export async function serveMcpHttpWithOAuth(): Promise<OAuthMcpServer> {
  const { createTestServer, breakMalformed } = (await import(MCP_TEST_SERVER)) as {
    createTestServer(): { connect(transport: unknown): Promise<void>; close(): Promise<void> };
    breakMalformed<T>(transport: T): T;
  };
  const { StreamableHTTPServerTransport } = await import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const clients = new Map<string, { redirectUris: string[] }>();
  const codes = new Map<string, Code>();
  const accessTokens = new Set<string>();
  const refreshTokens = new Map<string, string>();
  const state = {
    registrations: [] as Array<Record<string, unknown>>,
    grants: [] as string[],
    authorizations: [] as string[],
  };
  let origin = "";

  const issue = (clientId: string) => {
    const access = base64url(randomBytes(24));
    const refresh = base64url(randomBytes(24));
    accessTokens.add(access);
    refreshTokens.set(refresh, clientId);
    return { access_token: access, token_type: "Bearer", expires_in: 3600, refresh_token: refresh };
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams((await readBody(req)).toString("utf8"));
    const grant = form.get("grant_type") ?? "";
    state.grants.push(grant);
    const clientId = form.get("client_id") ?? "";
    if (!clients.has(clientId)) return sendJson(res, 401, { error: "invalid_client" });
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = base64url(createHash("sha256").update(verifier).digest());
      if (
        !code ||
        code.clientId !== clientId ||
        code.redirectUri !== form.get("redirect_uri") ||
        code.challenge !== challenge
      ) {
        return sendJson(res, 400, {
          error: "invalid_grant",
          error_description: "code, client, redirect URI or PKCE verifier do not match",
        });
      }
      return sendJson(res, 200, issue(clientId));
    }
    if (grant === "refresh_token") {
      const refresh = form.get("refresh_token") ?? "";
      if (refreshTokens.get(refresh) !== clientId) return sendJson(res, 400, { error: "invalid_grant" });
      refreshTokens.delete(refresh); // rotated: a refresh token works once
      return sendJson(res, 200, issue(clientId));
    }
    return sendJson(res, 400, { error: "unsupported_grant_type" });
  };

  const server = await listenLoopback(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    if (url.pathname.startsWith("/.well-known/oauth-protected-resource")) {
      return sendJson(res, 200, {
        resource: `${origin}/mcp`,
        authorization_servers: [origin],
        bearer_methods_supported: ["header"],
      });
    }
    if (url.pathname === "/.well-known/oauth-authorization-server") {
      return sendJson(res, 200, {
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        registration_endpoint: `${origin}/register`,
        response_types_supported: ["code"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["none"],
      });
    }
    if (url.pathname === "/register" && req.method === "POST") {
      const metadata = JSON.parse((await readBody(req)).toString("utf8")) as Record<string, unknown>;
      state.registrations.push(metadata);
      const redirectUris = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris.map(String) : [];
      if (redirectUris.length === 0) return sendJson(res, 400, { error: "invalid_redirect_uri" });
      const clientId = `client-${state.registrations.length}`;
      clients.set(clientId, { redirectUris });
      return sendJson(res, 201, {
        ...metadata,
        client_id: clientId,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        token_endpoint_auth_method: "none",
      });
    }
    if (url.pathname === "/authorize") {
      const query = url.searchParams;
      const client = clients.get(query.get("client_id") ?? "");
      const redirectUri = query.get("redirect_uri") ?? "";
      if (!client?.redirectUris.includes(redirectUri)) return sendJson(res, 400, { error: "invalid_request" });
      if (
        query.get("response_type") !== "code" ||
        query.get("code_challenge_method") !== "S256" ||
        !query.get("code_challenge")
      ) {
        return sendJson(res, 400, { error: "invalid_request", error_description: "PKCE S256 is required" });
      }
      const code = base64url(randomBytes(16));
      codes.set(code, {
        clientId: query.get("client_id")!,
        redirectUri,
        challenge: query.get("code_challenge")!,
        ...(query.get("resource") ? { resource: query.get("resource")! } : {}),
      });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      if (query.get("state")) back.searchParams.set("state", query.get("state")!);
      res.writeHead(302, { location: back.href });
      return void res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") return token(req, res);
    if (url.pathname === "/mcp") {
      const header = String(req.headers.authorization ?? "");
      state.authorizations.push(header);
      const presented = /^Bearer (.+)$/.exec(header)?.[1];
      if (!presented || !accessTokens.has(presented)) {
        res.writeHead(401, {
          "www-authenticate": `Bearer error="invalid_token", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
          "content-type": "application/json",
        });
        return void res.end(JSON.stringify({ error: "invalid_token" }));
      }
      const mcp = createTestServer();
      const transport = breakMalformed(new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }));
      res.on("close", () => void mcp.close());
      await mcp.connect(transport);
      return transport.handleRequest(req, res);
    }
    sendJson(res, 404, { error: "not_found" });
  });
  origin = server.origin;
  return {
    url: `${origin}/mcp`,
    issuer: origin,
    ...state,
    expireAccessTokens: () => accessTokens.clear(),
    close: server.close,
  };
}
