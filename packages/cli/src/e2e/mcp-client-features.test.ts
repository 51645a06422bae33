import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { everythingServer, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, sandbox } from "./run-cli.js";

// The official reference server, as published on npm.
const everything = everythingServer();

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

type Body = { messages: Array<{ role: string; content: unknown }> };
const bodies = (from: number) => server.requests.slice(from).map((request) => request.body as Body);
const toolMessages = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
const system = (body: Body) => String(body.messages.find((m) => m.role === "system")?.content ?? "");

const PROXIES = {
  HTTPS_PROXY: "http://proxy.corp.example:3128",
  https_proxy: "http://proxy.corp.example:3128",
  HTTP_PROXY: "http://proxy.corp.example:3128",
  http_proxy: "http://proxy.corp.example:3128",
  NO_PROXY: "127.0.0.1,localhost",
  no_proxy: "127.0.0.1,localhost",
  SSL_CERT_FILE: "/etc/corp/ca.pem",
  SSL_CERT_DIR: "/etc/corp/certs",
  NODE_EXTRA_CA_CERTS: "/etc/corp/ca.pem",
  REQUESTS_CA_BUNDLE: "/etc/corp/ca.pem",
};

function setup(extra: Record<string, string> = {}): Sandbox {
  const box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url, ...extra });
  mkdirSync(box.env.PINCER_HOME!, { recursive: true });
  writeFileSync(
    join(box.env.PINCER_HOME!, "config.json"),
    JSON.stringify({ mcpServers: { everything }, mcp: { startTimeoutMs: 30_000 } }),
  );
  return box;
}

function callTool(name: string, args: Record<string, unknown>, ...between: string[]): void {
  server.enqueue([
    { toolCalls: [{ id: "call_1", name: `mcp__everything__${name}`, arguments: args }] },
    { finish: "tool_calls" },
  ]);
  for (const text of between) server.enqueue([{ text }, { finish: "stop" }]);
  server.enqueue([{ text: "done" }, { finish: "stop" }]);
}

const run = (box: Sandbox, ...flags: string[]) =>
  box.run(["-p", "use the server", "--model", "openai/gpt-5", "--allowedTools", "mcp__everything__*", ...flags]);

describe("MCP client features in pincer -p, with the official everything server", () => {
  it("puts the server's instructions in the system prompt and offers the workspace as roots", async () => {
    using box = setup();
    const from = server.requests.length;
    callTool("get-roots-list", {});
    const result = await run(box);
    expect(result.code, result.stderr).toBe(0);
    const [first, last] = bodies(from);
    expect(system(first!)).toContain('## From the MCP server "everything"');
    expect(system(first!)).toContain("Server instructions are working");
    expect(toolMessages(last!)[0]).toContain(pathToFileURL(box.cwd).href);
  });

  it("refuses sampling headless unless a rule allows it, then answers with the session's model", async () => {
    using box = setup();
    let from = server.requests.length;
    callTool("trigger-sampling-request", { prompt: "what is 2+2?" });
    const refused = await run(box);
    expect(refused.code, refused.stderr).toBe(0);
    let sent = bodies(from);
    expect(sent).toHaveLength(2);
    expect(toolMessages(sent[1]!)[0]).toMatch(/User rejected sampling request: nobody is there to approve it/);

    from = server.requests.length;
    callTool("trigger-sampling-request", { prompt: "what is 2+2?" }, "four");
    const allowed = await run(box, "--allowedTools", "mcp_sampling(everything)");
    expect(allowed.code, allowed.stderr).toBe(0);
    sent = bodies(from);
    expect(sent).toHaveLength(3);
    // The server's own request reached the model: its system prompt, its message, no tools.
    expect(system(sent[1]!)).toBe("You are a helpful test server.");
    expect(JSON.stringify(sent[1]!.messages)).toContain("what is 2+2?");
    expect(server.requests[from + 1]!.body).not.toHaveProperty("tools");
    expect(toolMessages(sent[2]!)[0]).toContain("four");
  });

  it("declines an elicitation when nobody can answer (headless)", async () => {
    using box = setup();
    const from = server.requests.length;
    callTool("trigger-elicitation-request", {});
    const result = await run(box);
    expect(result.code, result.stderr).toBe(0);
    expect(toolMessages(bodies(from)[1]!)[0]).toMatch(/decline/);
  });

  it("passes the proxy and certificate variables to a stdio server, and no keys", async () => {
    using box = setup(PROXIES);
    const from = server.requests.length;
    callTool("get-env", {});
    const result = await run(box);
    expect(result.code, result.stderr).toBe(0);
    const env = JSON.parse(toolMessages(bodies(from)[1]!)[0]!) as Record<string, string>;
    expect(env).toMatchObject(PROXIES);
    expect(Object.keys(env).filter((name) => /KEY|TOKEN|PINCER/.test(name))).toEqual([]);
  });
});
