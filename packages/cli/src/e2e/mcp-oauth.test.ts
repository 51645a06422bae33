import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type OAuthMcpServer, serveMcpHttpWithOAuth, startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
let oauth: OAuthMcpServer;
beforeAll(async () => {
  model = await startOpenAIServer();
  oauth = await serveMcpHttpWithOAuth();
});
afterAll(async () => {
  await model.close();
  await oauth.close();
});

type Body = { messages: Array<{ role: string; content: unknown }>; tools?: Array<{ function: { name: string } }> };
const toolNames = (body: Body) => (body.tools ?? []).map((tool) => tool.function.name);
const toolMessages = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));

describe("an HTTP MCP server behind OAuth 2.1", () => {
  it("asks to log in, logs in with PKCE and dynamic registration (refusing a forged callback), then uses and refreshes the token", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-oauth-0001", OPENAI_BASE_URL: model.url });
    const added = await box.run(["mcp", "add", "-s", "user", "--transport", "http", "secure", oauth.url]);
    expect(added.code, added.stderr).toBe(0);
    const session = (...flags: string[]) =>
      box.run(["-p", "go", "--model", "openai/gpt-5", "--allowedTools", "mcp__secure__*", ...flags]);

    // Not logged in: the session says how, and goes on without the server.
    model.enqueue([{ text: "ok" }, { finish: "stop" }]);
    let from = model.requests.length;
    const before = await session();
    expect(before.code, before.stderr).toBe(0);
    expect(before.stderr).toContain(
      'MCP server "secure" did not start: it needs you to log in: run `pincer mcp login secure`',
    );
    expect(toolNames(model.requests[from]!.body as Body)).not.toContain("mcp__secure__echo");

    // The login prints the URL to open; a callback that is not this login's is refused.
    const login = box.start(["mcp", "login", "secure"]);
    let printed = "";
    login.child.stdout!.on("data", (chunk) => (printed += chunk));
    await until(() => /https?:\/\/\S+\/authorize\S*/.test(printed), { message: () => `login printed: ${printed}` });
    const authorize = new URL(/https?:\/\/\S+\/authorize\S*/.exec(printed)![0]);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    const callback = authorize.searchParams.get("redirect_uri")!;
    expect(callback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const forged = await fetch(`${callback}?code=stolen&state=forged`);
    expect(forged.status).toBe(400);
    // The user's browser: the authorization server approves and redirects back with the code.
    const approved = await fetch(authorize, { redirect: "manual" });
    expect(approved.status).toBe(302);
    const back = await fetch(approved.headers.get("location")!);
    expect(back.status).toBe(200);
    const result = await login.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Logged in to secure.");
    expect(oauth.registrations).toHaveLength(2); // the session's attempt registered too; the login's port differs
    expect(oauth.grants).toEqual(["authorization_code"]);

    // Kept where only the user can read it, and nowhere else.
    const dir = join(box.env.PINCER_HOME!, "mcp-auth");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(dir);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    const access = (JSON.parse(readFileSync(join(dir, file!), "utf8")) as { tokens: { access_token: string } }).tokens
      .access_token;
    expect(readFileSync(join(box.env.PINCER_HOME!, "config.json"), "utf8")).not.toContain(access);

    // A session uses the token.
    model.enqueue([
      { toolCalls: [{ id: "c1", name: "mcp__secure__echo", arguments: { text: "authorized" } }] },
      { finish: "tool_calls" },
    ]);
    model.enqueue([{ text: "done" }, { finish: "stop" }]);
    from = model.requests.length;
    const after = await session();
    expect(after.code, after.stderr).toBe(0);
    expect(toolMessages(model.requests.at(-1)!.body as Body)).toEqual(["echo: authorized"]);
    expect(oauth.authorizations).toContain(`Bearer ${access}`);

    // Expired: the next session refreshes it (the refresh token rotates) and goes on.
    oauth.expireAccessTokens();
    model.enqueue([
      { toolCalls: [{ id: "c2", name: "mcp__secure__echo", arguments: { text: "refreshed" } }] },
      { finish: "tool_calls" },
    ]);
    model.enqueue([{ text: "done" }, { finish: "stop" }]);
    const refreshed = await session();
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(toolMessages(model.requests.at(-1)!.body as Body)).toEqual(["echo: refreshed"]);
    expect(oauth.grants).toEqual(["authorization_code", "refresh_token"]);

    // Logging out forgets the tokens.
    const out = await box.run(["mcp", "logout", "secure"]);
    expect(out.stdout).toContain("Logged out of secure");
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);
});
