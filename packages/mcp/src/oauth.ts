import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

/**
 * OAuth 2.1 for HTTP MCP servers (the MCP authorization specification), through the SDK's own
 * flow (`auth()`: discovery, dynamic client registration, PKCE, token refresh). What it keeps per
 * server — the registered client, the tokens, the PKCE verifier of a login under way, what
 * discovery found — lives in one file under `PINCER_HOME/mcp-auth/`, readable by the user only
 * (0600, in a 0700 folder), named after the server and its URL, so a server moved to another URL
 * starts afresh.
 */
interface Stored {
  redirectUrl?: string;
  client?: OAuthClientInformationMixed;
  tokens?: OAuthTokens;
  verifier?: string;
  discovery?: OAuthDiscoveryState;
}

/** Raised in a session when a server needs the user to log in (there is no browser to send them to). */
export class LoginNeeded extends Error {}

export function oauthDir(home: string): string {
  return join(home, "mcp-auth");
}

export function oauthFile(dir: string, name: string, url: string): string {
  return join(dir, `${name}-${createHash("sha256").update(url).digest("hex").slice(0, 12)}.json`);
}

export class StoredOAuthProvider implements OAuthClientProvider {
  private readonly expectedState = randomBytes(16).toString("base64url");

  constructor(
    private readonly file: string,
    private readonly options: {
      /** The server's name, for the message that asks to log in. */
      name: string;
      /** Where the login's loopback server listens; absent in a session (no login there). */
      redirectUrl?: string;
      /** The login's: send the user's browser here. Absent: a session, which cannot. */
      onRedirect?: (url: URL) => void | Promise<void>;
    },
  ) {}

  get redirectUrl(): string {
    return this.options.redirectUrl ?? this.read().redirectUrl ?? "http://127.0.0.1/callback";
  }

  get clientMetadata() {
    return {
      client_name: "Pincer",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state(): string {
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    const stored = this.read();
    // A client registered for another redirect URI (the login's port changed) is registered again.
    const uris = (stored.client as { redirect_uris?: string[] } | undefined)?.redirect_uris;
    if (this.options.redirectUrl && uris && !uris.includes(this.options.redirectUrl)) return undefined;
    return stored.client;
  }

  saveClientInformation(client: OAuthClientInformationMixed): void {
    this.write({ client, redirectUrl: this.redirectUrl });
  }

  tokens(): OAuthTokens | undefined {
    return this.read().tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.write({ tokens });
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (!this.options.onRedirect) {
      throw new LoginNeeded(`it needs you to log in: run \`pincer mcp login ${this.options.name}\``);
    }
    await this.options.onRedirect(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.write({ verifier });
  }

  codeVerifier(): string {
    const verifier = this.read().verifier;
    if (!verifier) throw new Error("no login is under way (no PKCE verifier was kept)");
    return verifier;
  }

  saveDiscoveryState(discovery: OAuthDiscoveryState): void {
    this.write({ discovery });
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.read().discovery;
  }

  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    if (scope === "all") this.forget();
    else this.write({ [scope]: undefined });
  }

  /** Whether a callback's `state` is the one this login sent (a forged callback is refused). */
  stateMatches(state: string | null): boolean {
    return state === this.expectedState;
  }

  forget(): void {
    rmSync(this.file, { force: true });
  }

  private read(): Stored {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Stored;
    } catch {
      return {};
    }
  }

  /** Written whole, to a file only the user can read, then renamed into place. */
  private write(change: Partial<Stored>): void {
    const next = { ...this.read(), ...change };
    const dir = join(this.file, "..");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
