import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serverFingerprint } from "@pincer/mcp";
import { MCP_TEST_SERVER, serveMcpHttp, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, type Sandbox, sandbox } from "./run-cli.js";

// The MCP test server (the SDK's server side), run by node as a stdio server process.
const FIXTURE = MCP_TEST_SERVER;
const fixture = (...args: string[]) => ({ command: process.execPath, args: [FIXTURE, ...args] });

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let http: { url: string; close(): Promise<void> };
let httpUrl: string;
beforeAll(async () => {
  server = await startOpenAIServer();
  // The same tools over streamable HTTP, on loopback.
  http = await serveMcpHttp();
  httpUrl = http.url;
});
afterAll(async () => {
  await server.close();
  await http.close();
});

const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
type Body = { messages: Array<{ role: string; content: unknown }>; tools?: Array<{ function: { name: string } }> };
const bodies = (from: number) => server.requests.slice(from).map((request) => request.body as Body);
const toolNames = (body: Body) => (body.tools ?? []).map((tool) => tool.function.name);
const toolMessages = (body: Body) => body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));

function config(box: Sandbox, settings: Record<string, unknown>): void {
  mkdirSync(box.env.PINCER_HOME!, { recursive: true });
  writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify(settings));
}

function callTools(...calls: Array<[string, Record<string, unknown>]>): void {
  calls.forEach(([name, args], index) => {
    server.enqueue([{ toolCalls: [{ id: `call_${index}`, name, arguments: args }] }, { finish: "tool_calls" }]);
  });
  server.enqueue([{ text: "done" }, { finish: "stop" }]);
}

const run = (box: Sandbox, ...flags: string[]) =>
  box.run(["-p", "use the tools", "--model", "openai/gpt-5", "--output-format", "stream-json", ...flags]);

describe("MCP servers in a pincer -p session", () => {
  it("sends a server's prompt, filled in, for /mcp__<server>__<prompt>; and reads its resources", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { fx: fixture() } });
    const from = server.requests.length;
    server.enqueue([
      { toolCalls: [{ id: "r1", name: "mcp__fx__read_resource", arguments: { uri: "memo://guide" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Greeted." }, { finish: "stop" }]);
    const result = await box.run(["-p", "/mcp__fx__greet Ada style=warm", "--model", "openai/gpt-5"]);
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = bodies(from);
    expect(JSON.stringify(first!.messages)).toContain("Greet Ada in a warm way.");
    // Reading a resource is read-only: no permission needed in default mode.
    expect(toolMessages(second!).join("\n")).toContain("The guide says hello.");
  });

  it("lists a stdio and an HTTP server's tools and calls them when allowed", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { fx: fixture(), web: { type: "http", url: httpUrl } } });
    const from = server.requests.length;
    callTools(["mcp__fx__echo", { text: "stdio" }], ["mcp__web__rich", {}]);
    const result = await run(box, "--allowedTools", "mcp__fx__echo", "mcp__web__*");
    expect(result.code).toBe(0);
    const [first, , last] = bodies(from);
    expect(toolNames(first!)).toEqual(
      expect.arrayContaining(["read", "mcp__fx__echo", "mcp__web__echo", "mcp__web__rich"]),
    );
    expect(toolMessages(last!)[0]).toBe("echo: stdio");
    expect(toolMessages(last!)[1]).toContain("[resource notes: file:///notes.md (text/markdown)]");
    const lines = jsonLines(result.stdout);
    // The init line lists the servers' tools too: it is written once they have registered.
    expect(lines[0]).toMatchObject({ type: "system", subtype: "init" });
    expect(lines[0]!.tools).toEqual(expect.arrayContaining(["read", "mcp__fx__echo", "mcp__web__rich"]));
    expect(lines.filter((line) => line.subtype === "init")).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ is_error: false, result: "done" });
  });

  it("asks before an MCP tool runs: headless default mode denies it", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { fx: fixture() } });
    callTools(["mcp__fx__echo", { text: "no" }]);
    const result = await run(box);
    expect(result.code).toBe(1);
    const final = jsonLines(result.stdout).at(-1)!;
    expect(final).toMatchObject({ permission_denials: [{ tool_name: "mcp__fx__echo" }] });
  });

  it("warns about a server that does not start, naming it, and goes on", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { broken: { command: "/nonexistent/mcp-server" }, fx: fixture() } });
    const from = server.requests.length;
    callTools(["mcp__fx__echo", { text: "still here" }]);
    const result = await run(box, "--allowedTools", "mcp__fx__*");
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/MCP server "broken" did not start: .*ENOENT/);
    expect(toolMessages(bodies(from).at(-1)!)).toEqual(["echo: still here"]);
  });

  it("turns a crash, a malformed result and a timeout into tool errors, restarting a crashed server", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { fx: fixture() }, mcp: { callTimeoutMs: 1_000 } });
    const from = server.requests.length;
    callTools(
      ["mcp__fx__crash", {}],
      ["mcp__fx__echo", { text: "restarted" }],
      ["mcp__fx__malformed", {}],
      ["mcp__fx__slow", { ms: 10_000 }],
    );
    const result = await run(box, "--allowedTools", "mcp__fx__*");
    expect(result.code).toBe(0);
    const messages = toolMessages(bodies(from).at(-1)!);
    expect(messages[0]).toMatch(/closed the connection during the call.*crashing now/s);
    expect(messages[1]).toBe("echo: restarted");
    expect(messages[2]).toMatch(/mcp__fx__malformed|malformed|not valid MCP/);
    expect(messages[3]).toMatch(/timed out after 1000 ms/);
    const results = jsonLines(result.stdout)
      .filter((line) => line.type === "user")
      .map((line) => (line.message as { content: Array<{ is_error: boolean }> }).content[0]!.is_error);
    expect(results).toEqual([true, false, true, true]);
  });

  it("adds and removes a server's tools when it says they changed (tools/list_changed)", async () => {
    using box = sandbox(openai());
    config(box, { mcpServers: { fx: fixture() } });
    const from = server.requests.length;
    callTools(["mcp__fx__grow", {}], ["mcp__fx__extra", {}]);
    const result = await run(box, "--allowedTools", "mcp__fx__*");
    expect(result.code, result.stderr).toBe(0);
    const sent = bodies(from);
    expect(toolNames(sent[0]!)).toContain("mcp__fx__fail");
    expect(toolNames(sent[1]!)).toContain("mcp__fx__extra");
    expect(toolNames(sent[1]!)).not.toContain("mcp__fx__fail");
    expect(toolMessages(sent.at(-1)!)).toEqual(["grew", "extra here"]);
    expect(result.stderr).toContain('MCP server "fx" changed its tools: +mcp__fx__extra, -mcp__fx__fail.');
  });

  it("runs a project's .mcp.json server only once the user approved that exact entry", async () => {
    using box = sandbox(openai());
    const entry = fixture();
    writeFileSync(join(box.cwd, ".mcp.json"), JSON.stringify({ mcpServers: { proj: entry } }));
    config(box, {});
    let from = server.requests.length;
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const unapproved = await run(box);
    expect(unapproved.code).toBe(0);
    expect(unapproved.stderr).toContain("pincer mcp approve proj");
    expect(toolNames(bodies(from)[0]!)).not.toContain("mcp__proj__echo");

    config(box, { mcp: { approvals: { [box.cwd]: { proj: serverFingerprint(entry) } } } });
    from = server.requests.length;
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const approved = await run(box);
    expect(approved.stderr).not.toContain("pincer mcp approve");
    expect(toolNames(bodies(from)[0]!)).toContain("mcp__proj__echo");
  });
});
