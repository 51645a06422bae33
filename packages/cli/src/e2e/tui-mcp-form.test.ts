import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { everythingServer } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";
import { KEYS } from "./terminal.js";
import { terminalSession } from "./tui-session.js";

const tui = terminalSession({ key: "sk-test-tui-form-0001" });

describe("an MCP server's form in the terminal", () => {
  it("shows the official everything server's form, takes typed answers, and sends them", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ mcpServers: { everything: everythingServer() }, mcp: { startTimeoutMs: 30_000 } }),
    );
    tui.model.enqueue([
      { toolCalls: [{ id: "f1", name: "mcp__everything__trigger-elicitation-request", arguments: {} }] },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([{ text: "Thanks, Ada." }, { finish: "stop" }]);
    const terminal = tui.launch(box, { args: ["--allowedTools", "mcp__everything__*"] });
    await terminal.waitFor("Ask anything");
    await terminal.type("fill the form");
    terminal.press(KEYS.enter);
    await terminal.waitFor('The MCP server "everything" asks:');
    await terminal.waitFor("Please provide inputs for the following fields:");
    // The first field (String: your name) has the cursor; tab moves to the next (Boolean).
    await terminal.type("Ada Lovelace");
    await terminal.waitFor("String*: Ada Lovelace");
    terminal.press(KEYS.tab);
    await terminal.type("yes");
    await terminal.waitFor("Boolean: yes");
    terminal.press(KEYS.enter);
    await terminal.waitFor("Thanks, Ada.");
    const results = JSON.stringify(tui.model.requests.at(-1)!.body);
    expect(results).toContain("Ada Lovelace");
    expect(results).toMatch(/accept/);
  }, 60_000);
});

describe("an MCP server's sampling request in the terminal", () => {
  it("asks which server wants the model and for what, and once allowed the session's model answers it", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ mcpServers: { everything: everythingServer() }, mcp: { startTimeoutMs: 30_000 } }),
    );
    tui.model.enqueue([
      {
        toolCalls: [
          { id: "s1", name: "mcp__everything__trigger-sampling-request", arguments: { prompt: "What is 2+2?" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    tui.model.enqueue([{ text: "four" }, { finish: "stop" }]);
    tui.model.enqueue([{ text: "The server heard four." }, { finish: "stop" }]);
    // The server's tools are allowed; its use of the model is a question of its own.
    const terminal = tui.launch(box, { args: ["--allowedTools", "mcp__everything__*"] });
    await terminal.waitFor("Ask anything");
    await terminal.type("sample");
    terminal.press(KEYS.enter);
    // The whole dialog: its title can reach the pty in an earlier read than its options.
    const dialog = await terminal.waitFor('Allow the MCP server "everything" to use your model (up to 100 tokens)?', {
      settled: true,
    });
    expect(dialog).toContain("What is 2+2?");
    expect(dialog).toContain("don't ask again for mcp_sampling(everything)");
    expect(tui.model.requests).toHaveLength(1);
    terminal.press("1");
    await terminal.waitFor("The server heard four.");
    expect(JSON.stringify(tui.model.requests[1]!.body)).toContain("You are a helpful test server.");
    expect(JSON.stringify(tui.model.requests[2]!.body)).toContain("four");
  }, 60_000);
});
