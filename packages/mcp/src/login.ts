import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { oauthDir, oauthFile, StoredOAuthProvider } from "./oauth.js";

/**
 * `pincer mcp login <name>`: the OAuth authorization code flow with PKCE for one HTTP server.
 * A loopback server on 127.0.0.1 receives the browser's redirect (RFC 8252); the callback must
 * carry the state this login sent, or it is refused and the login keeps waiting. Tokens land in
 * PINCER_HOME/mcp-auth (0600) and are refreshed by sessions when they expire.
 */
export async function loginToServer(options: {
  home: string;
  name: string;
  url: string;
  /** Shows the user the URL to open. */
  open: (url: URL) => void;
  timeoutMs?: number;
}): Promise<"authorized"> {
  const { auth } = await import("@modelcontextprotocol/sdk/client/auth.js");
  const file = oauthFile(oauthDir(options.home), options.name, options.url);
  let received: (code: string) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const code = new Promise<string>((resolve, reject) => {
    received = resolve;
    failed = reject;
  });
  let provider: StoredOAuthProvider | undefined;
  // Required here, never imported: this module rides in the CLI's shared chunk, and the ESM facade
  // of node:http reads every export, one of which loads undici (Node's fetch) — paid by every
  // `pincer -p` that never logs in.
  const { createServer } = createRequire(import.meta.url)("node:http") as typeof import("node:http");
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") {
      res.writeHead(404).end();
      return;
    }
    if (!provider?.stateMatches(url.searchParams.get("state"))) {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("This is not the login Pincer started (its state does not match).");
      return;
    }
    const error = url.searchParams.get("error");
    const value = url.searchParams.get("code");
    res.writeHead(error || !value ? 400 : 200, { "content-type": "text/plain" });
    res.end(
      error || !value ? `The login failed: ${error ?? "no code"}.` : "Pincer is logged in. You can close this page.",
    );
    if (error || !value) failed(new Error(`the authorization server said ${error ?? "nothing useful"}`));
    else received(value);
  });
  const registered = new StoredOAuthProvider(file, { name: options.name }).redirectUrl;
  const port = Number(new URL(registered).port) || 0;
  // The port the client was registered with, when it is free; else any (the client registers again).
  await listen(server, port).catch(() => listen(server, 0));
  const redirectUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  provider = new StoredOAuthProvider(file, { name: options.name, redirectUrl, onRedirect: options.open });
  // A login is a fresh authorization: the tokens held so far (if any) are let go first.
  provider.invalidateCredentials("tokens");
  const timer = setTimeout(() => failed(new Error("no answer from the browser in time")), options.timeoutMs ?? 300_000);
  try {
    const first = await auth(provider, { serverUrl: options.url });
    if (first === "AUTHORIZED") return "authorized";
    const result = await auth(provider, { serverUrl: options.url, authorizationCode: await code });
    if (result !== "AUTHORIZED") throw new Error("the authorization server did not give tokens");
    return "authorized";
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Forgets a server's tokens and client registration. */
export function logoutFromServer(home: string, name: string, url: string): boolean {
  const provider = new StoredOAuthProvider(oauthFile(oauthDir(home), name, url), { name });
  const had = provider.tokens() !== undefined;
  provider.forget();
  return had;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
