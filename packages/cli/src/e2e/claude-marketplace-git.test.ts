import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type GitRepo, gitRepo, MCP_TEST_SERVER, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox } from "./run-cli.js";

// Issue 21's "done when": a marketplace in a local git repository, added and installed through the
// CLI, whose plugin's command, agent, skill, hook and MCP server all work in one `pincer -p` run
// against the loopback model; then an update that adds a hook asks again.

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

type Body = {
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string; description?: string } }>;
};
const body = (index: number) => server.requests[index]!.body as Body;
const toolResult = (request: Body, id: string) =>
  String(request.messages.find((message) => message.role === "tool" && message.tool_call_id === id)?.content);
const systemText = (request: Body) => String(request.messages.find((message) => message.role === "system")?.content);

// The plugin's MCP server speaks real MCP through the official SDK (the copy the repository has).
const sdk = createRequire(MCP_TEST_SERVER);
const MCP_SERVER = `const { Server } = require(${JSON.stringify(sdk.resolve("@modelcontextprotocol/sdk/server/index.js"))});
const { StdioServerTransport } = require(${JSON.stringify(sdk.resolve("@modelcontextprotocol/sdk/server/stdio.js"))});
const { CallToolRequestSchema, ListToolsRequestSchema } = require(${JSON.stringify(sdk.resolve("@modelcontextprotocol/sdk/types.js"))});
const server = new Server({ name: "kit-notes", version: "1.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [{ name: "lookup", description: "Looks up the team's review note on a topic",
    inputSchema: { type: "object", properties: { topic: { type: "string" } }, required: ["topic"] } }],
}));
server.setRequestHandler(CallToolRequestSchema, async (request) => ({
  content: [{ type: "text", text: "note on " + request.params.arguments.topic + ": check every error path" }],
}));
server.connect(new StdioServerTransport());
`;

// A Claude Code command hook script: logs every tool call; refuses the shell during a review.
const HOOK = `input=$(cat)
printf '%s\\n' "$input" >> "$CLAUDE_PROJECT_DIR/kit-hook.jsonl"
case "$input" in
  *'"tool_name":"Bash"'*) echo "kit: no shell during a review" >&2; exit 2 ;;
esac
exit 0
`;

/** A marketplace repository shaped like anthropics/claude-code's: plugins/<name>/ with the conventional folders. */
function marketplaceRepo(): GitRepo {
  return gitRepo(
    {
      ".claude-plugin/marketplace.json": JSON.stringify({
        $schema: "https://anthropic.com/claude-code/marketplace.schema.json",
        name: "review-tools",
        version: "1.0.0",
        description: "Code review helpers",
        owner: { name: "Review Team", email: "review@example.com" },
        plugins: [
          {
            name: "kit",
            description: "Review kit: a command, an agent, a skill, a hook and an MCP server",
            version: "1.0.0",
            author: { name: "Review Team" },
            source: "./plugins/kit",
            category: "development",
          },
        ],
      }),
      "plugins/kit/.claude-plugin/plugin.json": JSON.stringify({
        name: "kit",
        version: "1.0.0",
        description: "Review kit",
        author: { name: "Review Team" },
      }),
      "plugins/kit/commands/review.md":
        "---\ndescription: Review a file\nargument-hint: <file>\nallowed-tools: Bash, Skill, Task, mcp__plugin_kit_notes__lookup\n---\nReview $ARGUMENTS with the team's checklist.\n",
      "plugins/kit/agents/reviewer.md":
        "---\nname: reviewer\ndescription: Reviews a change for error handling\ntools: Read, Grep\n---\nYou are the kit reviewer. Answer in one line.\n",
      "plugins/kit/skills/checklist/SKILL.md":
        "---\nname: checklist\ndescription: The team's review checklist\n---\n1. Every error path is tested.\n",
      "plugins/kit/hooks/hooks.json": JSON.stringify({
        hooks: { PreToolUse: [{ hooks: [{ type: "command", command: "sh ${CLAUDE_PLUGIN_ROOT}/hooks/guard.sh" }] }] },
      }),
      "plugins/kit/hooks/guard.sh": HOOK,
      "plugins/kit/.mcp.json": JSON.stringify({
        mcpServers: { notes: { command: "node", args: ["${CLAUDE_PLUGIN_ROOT}/servers/notes.cjs"] } },
      }),
      "plugins/kit/servers/notes.cjs": MCP_SERVER,
    },
    "review-tools",
  );
}

describe("a Claude Code marketplace from a git repository", () => {
  it("is added, its plugin installed, and the plugin's command, agent, skill, hook and MCP server work through pincer -p", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
    using repo = marketplaceRepo();
    const added = await box.run(["plugin", "marketplace", "add", repo.bare]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`Added marketplace review-tools (1 plugins) at ${repo.head().slice(0, 12)}`);
    const installed = await box.run(["plugin", "install", "kit@review-tools", "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`Installed kit@1.0.0 (Claude Code plugin) at ${repo.head().slice(0, 12)}`);
    expect(installed.stderr).toContain(
      "hook PreToolUse on every tool runs the shell command: sh ${CLAUDE_PLUGIN_ROOT}/hooks/guard.sh",
    );
    expect(installed.stderr).toContain("MCP server notes runs: node ${CLAUDE_PLUGIN_ROOT}/servers/notes.cjs");
    const lock = JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "claude-plugins", "lock.json"), "utf8"));
    expect(lock.plugins.kit.source).toMatchObject({
      type: "marketplace",
      marketplace: "review-tools",
      commit: repo.head(),
    });

    server.enqueue([
      {
        toolCalls: [
          { id: "call_skill", name: "skill", arguments: { name: "kit:checklist" } },
          { id: "call_mcp", name: "mcp__plugin_kit_notes__lookup", arguments: { topic: "errors" } },
          { id: "call_bash", name: "bash", arguments: { command: "git diff" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      {
        toolCalls: [
          {
            id: "call_task",
            name: "task",
            arguments: { agent: "kit:reviewer", description: "review", prompt: "Review app.ts" },
          },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "app.ts handles its errors." }, { finish: "stop" }]);
    server.enqueue([{ text: "Reviewed." }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await box.run([
      "-p",
      "/kit:review app.ts",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      // A plugin command's allowed-tools narrows the turn; approving a tool stays the user's.
      "--allowedTools",
      "mcp__plugin_kit_notes__lookup",
    ]);
    expect(result.code, `${result.stderr}\n${result.stdout.slice(-3000)}`).toBe(0);
    expect(server.requests.length).toBe(before + 4);
    // The command expanded.
    const first = body(before);
    expect(first.messages.find((message) => message.role === "user")?.content).toContain(
      "Review app.ts with the team's checklist.",
    );
    expect(first.tools?.map((tool) => tool.function.name)).toContain("mcp__plugin_kit_notes__lookup");
    // The skill loaded, the MCP tool answered, the hook refused the shell.
    const second = body(before + 1);
    expect(toolResult(second, "call_skill")).toContain("1. Every error path is tested.");
    expect(toolResult(second, "call_mcp")).toBe("note on errors: check every error path");
    expect(toolResult(second, "call_bash")).toContain("kit: no shell during a review");
    const hooked = readFileSync(join(box.cwd, "kit-hook.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { tool_name: string; hook_event_name: string });
    expect(hooked.map((event) => event.tool_name)).toEqual(["Skill", "mcp__plugin_kit_notes__lookup", "Bash", "Agent"]);
    expect(hooked.every((event) => event.hook_event_name === "PreToolUse")).toBe(true);
    // The agent ran as a subagent and its answer came back.
    expect(systemText(body(before + 2)).startsWith("You are the kit reviewer. Answer in one line.")).toBe(true);
    expect(toolResult(body(before + 3), "call_task")).toBe("app.ts handles its errors.");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "Reviewed." });
  }, 60_000);

  it("updates: shows the commits and the new hook, asks again, and re-pins the commit", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
    using repo = marketplaceRepo();
    const first = repo.head();
    expect((await box.run(["plugin", "marketplace", "add", `file://${repo.bare}`])).code).toBe(0);
    expect((await box.run(["plugin", "install", "kit@review-tools", "--yes"])).code).toBe(0);
    expect((await box.run(["plugin", "update", "kit"])).stdout).toContain(
      `kit is up to date (1.0.0) (${first.slice(0, 12)})`,
    );

    repo.commit(
      {
        "plugins/kit/hooks/hooks.json": JSON.stringify({
          hooks: {
            PreToolUse: [{ hooks: [{ type: "command", command: "sh ${CLAUDE_PLUGIN_ROOT}/hooks/guard.sh" }] }],
            Stop: [{ hooks: [{ type: "command", command: "sh ${CLAUDE_PLUGIN_ROOT}/hooks/report.sh" }] }],
          },
        }),
        "plugins/kit/hooks/report.sh": "exit 0\n",
      },
      "report when a session stops",
    );
    const market = await box.run(["plugin", "marketplace", "update", "review-tools"]);
    expect(market.code, market.stderr).toBe(0);
    expect(market.stdout).toContain(
      `Updated marketplace review-tools ${first.slice(0, 12)}..${repo.head().slice(0, 12)}`,
    );
    expect(market.stdout).toMatch(/ {4}[0-9a-f]+ report when a session stops/);

    const refused = await box.run(["plugin", "update", "kit"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`kit: changes ${first.slice(0, 12)}..${repo.head().slice(0, 12)}`);
    expect(refused.stderr).toMatch(/[0-9a-f]+ report when a session stops/);
    expect(refused.stderr).toContain("+ hook Stop runs: sh ${CLAUDE_PLUGIN_ROOT}/hooks/report.sh");
    expect(refused.stderr).toContain("files changed: hooks/hooks.json, hooks/report.sh");
    expect(refused.stderr).toContain("--yes");
    const lock = () => JSON.parse(readFileSync(join(box.env.PINCER_HOME!, "claude-plugins", "lock.json"), "utf8"));
    expect(lock().plugins.kit.source.commit).toBe(first);

    const updated = await box.run(["plugin", "update", "kit", "--yes"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain(`Updated kit 1.0.0 → 1.0.0 (${repo.head().slice(0, 12)}) (Claude Code plugin)`);
    expect(lock().plugins.kit.source.commit).toBe(repo.head());
  }, 60_000);
});
