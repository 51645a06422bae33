import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { MCP_TEST_SERVER, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, type Sandbox, sandbox } from "./run-cli.js";

// Scenario: a Claude Code plugin (commands, agents, skills, hooks, an MCP server) and a
// marketplace, installed and used through the real CLI against the loopback OpenAI server.
const MCP_FIXTURE = MCP_TEST_SERVER;

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
const made: string[] = [];
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
type Body = {
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string; description?: string } }>;
};
const body = (index: number) => server.requests[index]!.body as Body;
const toolResult = (request: Body, id: string) =>
  String(request.messages.find((message) => message.role === "tool" && message.tool_call_id === id)?.content);

function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** The fixture plugin, written into `root` (a fresh folder unless given). */
function writePlugin(root = mkdtempSync(join(tmpdir(), "pincer-claude-plugin-")), name = "demo"): string {
  made.push(root);
  put(
    join(root, ".claude-plugin", "plugin.json"),
    JSON.stringify({ name, version: "1.0.0", description: "A demo plugin", author: { name: "Ada" } }),
  );
  put(
    join(root, "commands", "greet.md"),
    "---\ndescription: Greet someone\nargument-hint: <name> <mood>\n---\nGreet $0 in a $1 way. Full request: $ARGUMENTS\n",
  );
  put(join(root, "agents", "helper.md"), "---\nname: helper\ndescription: Helps with chores\n---\nYou help.\n");
  put(
    join(root, "skills", "notes", "SKILL.md"),
    "---\nname: notes\ndescription: Keep meeting notes\n---\nWrite notes.\n",
  );
  put(join(root, "block.sh"), 'echo "bash is off in this project" >&2\nexit 2\n');
  put(
    join(root, "hooks", "hooks.json"),
    JSON.stringify({
      hooks: {
        PreToolUse: [
          { matcher: ".*", hooks: [{ type: "command", command: 'cat >> "$CLAUDE_PROJECT_DIR/hook-log.jsonl"' }] },
          { matcher: "Bash", hooks: [{ type: "command", command: "sh ${CLAUDE_PLUGIN_ROOT}/block.sh" }] },
        ],
        PostToolUse: [
          {
            hooks: [
              { type: "command", command: "echo lint crashed >&2; exit 1" },
              { type: "command", command: "sleep 30", timeout: 1 },
            ],
          },
        ],
        Notification: [{ hooks: [{ type: "command", command: "notify-send hi" }] }],
      },
    }),
  );
  put(
    join(root, ".mcp.json"),
    JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [MCP_FIXTURE] } } }),
  );
  return root;
}

const pincer = (box: Sandbox, ...args: string[]) => box.run(args);

describe("Claude Code plugins", () => {
  it("shows what a plugin brings, installs only with consent, and uses it in a session", async () => {
    using box = sandbox(openai());
    const plugin = writePlugin();

    const refused = await pincer(box, "plugin", "install", plugin);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("demo@1.0.0 (Claude Code plugin)\n  It brings:");
    expect(refused.stderr).toContain("Its manifest describes it as: A demo plugin");
    expect(refused.stderr).toContain("1 command, 1 agent, 1 skill");
    expect(refused.stderr).toContain(
      'hook PreToolUse on .* runs the shell command: cat >> "$CLAUDE_PROJECT_DIR/hook-log.jsonl"',
    );
    expect(refused.stderr).toContain(
      "hook PreToolUse on Bash runs the shell command: sh ${CLAUDE_PLUGIN_ROOT}/block.sh",
    );
    expect(refused.stderr).toContain(`MCP server fx runs: ${process.execPath} ${MCP_FIXTURE}`);
    expect(refused.stderr).toContain("not supported: the hook event Notification");
    expect(refused.stderr).toContain("--yes");
    expect(existsSync(join(box.env.PINCER_HOME!, "claude-plugins", "demo"))).toBe(false);

    const installed = await pincer(box, "plugin", "install", plugin, "--yes");
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain("Installed demo@1.0.0 (Claude Code plugin)");
    const listed = JSON.parse((await pincer(box, "plugin", "list", "--json")).stdout) as Array<Record<string, unknown>>;
    expect(listed.find((item) => item.name === "demo")).toMatchObject({
      kind: "claude-code",
      version: "1.0.0",
      brings: { commands: 1, agents: 1, skills: 1, mcpServers: ["plugin_demo_fx"] },
    });
    const lock = JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "claude-plugins", "lock.json"), "utf8"));
    expect(lock.plugins.demo.integrity).toMatch(/^sha512-/);

    // A session: the slash command expands, bash is blocked by the hook, the MCP tool works.
    server.enqueue([
      {
        toolCalls: [
          { id: "call_bash", name: "bash", arguments: { command: "echo hi" } },
          { id: "call_mcp", name: "mcp__plugin_demo_fx__echo", arguments: { text: "from plugin" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await box.run([
      "-p",
      "/greet Ada cheerful",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      "--allowedTools",
      "bash",
      "mcp__plugin_demo_fx__*",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const first = body(before);
    expect(first.messages.find((message) => message.role === "user")?.content).toContain(
      "Greet Ada in a cheerful way. Full request: Ada cheerful",
    );
    const tools = first.tools ?? [];
    expect(tools.find((tool) => tool.function.name === "skill")?.function.description).toContain(
      "- demo:notes: Keep meeting notes",
    );
    expect(tools.find((tool) => tool.function.name === "task")?.function.description).toContain(
      "- demo:helper: Helps with chores",
    );
    expect(tools.map((tool) => tool.function.name)).toContain("mcp__plugin_demo_fx__echo");
    const last = body(before + 1);
    expect(toolResult(last, "call_bash")).toContain("bash is off in this project");
    expect(toolResult(last, "call_mcp")).toBe("echo: from plugin");
    // The logging hook saw both calls, as Claude Code's JSON.
    const log = readFileSync(join(box.cwd, "hook-log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(log.map((event) => event.tool_name)).toEqual(["Bash", "mcp__plugin_demo_fx__echo"]);
    expect(log[0]).toMatchObject({ hook_event_name: "PreToolUse", cwd: box.cwd, tool_input: { command: "echo hi" } });
    expect(log[0].session_id).toBe(jsonLines(result.stdout).at(-1)!.session_id);
    // The failing and the hanging PostToolUse hooks are warnings; the session went on.
    expect(result.stderr).toMatch(
      /demo PostToolUse hook `echo lint crashed >&2; exit 1` failed with non-blocking status code 1: lint crashed/,
    );
    expect(result.stderr).toMatch(/demo PostToolUse hook `sleep 30` was stopped after its 1s timeout/);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "done" });

    const removed = await pincer(box, "plugin", "remove", "demo");
    expect(removed.code).toBe(0);
    expect(existsSync(join(box.env.PINCER_HOME!, "claude-plugins", "demo"))).toBe(false);
    expect((await pincer(box, "plugin", "list", "--json")).stdout).not.toContain('"demo"');
  }, 60_000);

  it("disable keeps a plugin installed but out of sessions (its update too); enable brings it back", async () => {
    using box = sandbox(openai());
    const plugin = writePlugin();
    expect((await pincer(box, "plugin", "install", plugin, "--yes")).code).toBe(0);
    const toolsOfARun = async () => {
      server.enqueue([{ text: "ok" }, { finish: "stop" }]);
      const before = server.requests.length;
      const run = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
      expect(run.code, run.stderr).toBe(0);
      return (body(before).tools ?? []).map((tool) => tool.function.name);
    };
    const disabled = await pincer(box, "plugin", "disable", "demo@somewhere");
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toContain("Disabled demo: it stays installed");
    expect((await pincer(box, "plugin", "list")).stdout).toMatch(/demo@1\.0\.0 .*disabled/);
    expect(await toolsOfARun()).not.toContain("mcp__plugin_demo_fx__echo");
    // Reinstalling (an update) keeps it disabled.
    expect((await pincer(box, "plugin", "install", plugin, "--yes")).code).toBe(0);
    expect(
      JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "claude-plugins", "lock.json"), "utf8")).plugins.demo.disabled,
    ).toBe(true);
    expect((await pincer(box, "plugin", "enable", "demo")).stdout).toContain("Enabled demo");
    expect(await toolsOfARun()).toContain("mcp__plugin_demo_fx__echo");
    const unknown = await pincer(box, "plugin", "disable", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No Claude Code plugin named nope is installed (installed: demo)");
  }, 60_000);

  it("refuses a broken plugin.json, naming the file", async () => {
    using box = sandbox(openai());
    const plugin = writePlugin();
    writeFileSync(join(plugin, ".claude-plugin", "plugin.json"), '{ "name": "demo", ');
    const result = await pincer(box, "plugin", "install", plugin, "--yes");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(plugin, ".claude-plugin", "plugin.json")} is not valid JSON`);
  });

  it("adds a marketplace, searches it, installs from it, and names an entry pointing nowhere", async () => {
    using box = sandbox(openai());
    const market = mkdtempSync(join(tmpdir(), "pincer-market-"));
    made.push(market);
    writePlugin(join(market, "plugins", "demo"));
    put(
      join(market, ".claude-plugin", "marketplace.json"),
      JSON.stringify({
        name: "team",
        owner: { name: "Team" },
        plugins: [
          { name: "demo", source: "./plugins/demo", description: "Greets people and guards bash", version: "1.0.0" },
          { name: "ghost", source: "./plugins/ghost", description: "Not there" },
          { name: "remote", source: { source: "npm", package: "@acme/remote" }, description: "On npm" },
        ],
      }),
    );
    const added = await pincer(box, "plugin", "marketplace", "add", market);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("Added marketplace team (3 plugins)");
    expect((await pincer(box, "plugin", "marketplace", "list")).stdout).toMatch(/team {2}.*\n {4}demo@1\.0\.0/);
    const found = await pincer(box, "plugin", "search", "guards");
    expect(found.stdout).toContain("demo@team");
    expect(found.stdout).not.toContain("ghost");

    const ghost = await pincer(box, "plugin", "install", "ghost@team", "--yes");
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain("marketplace team, entry ghost: its source ./plugins/ghost points nowhere");
    const remote = await pincer(box, "plugin", "install", "remote@team", "--yes");
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("npm sources are not supported by Pincer");

    const installed = await pincer(box, "plugin", "install", "demo@team", "--yes");
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain("Installed demo@1.0.0 (Claude Code plugin)");
    const listed = JSON.parse((await pincer(box, "plugin", "list", "--json")).stdout) as Array<Record<string, unknown>>;
    expect(listed.find((item) => item.name === "demo")?.source).toBe("claude-code from marketplace team");

    expect((await pincer(box, "plugin", "marketplace", "remove", "team")).code).toBe(0);
    expect((await pincer(box, "plugin", "marketplace", "list")).stdout).toContain("No marketplaces");
  }, 60_000);
});
