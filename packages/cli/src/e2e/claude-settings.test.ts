import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_COMMANDS, type Sandbox, sandbox } from "./run-cli.js";

// Scenario: Claude Code's settings files as people have them — ~/.claude/settings.json (the
// user's), a repository's .claude/settings.json — through `pincer -p`: permission rules in Claude
// Code's syntax, the project's narrowed; hooks that run only once approved, with Claude Code's
// input (a real transcript at transcript_path) and outputs (allow, continue: false).

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

type Body = { messages: Array<{ role: string; content: unknown; tool_call_id?: string }> };
const resultIn = (from: typeof server, index: number, id: string) =>
  String((from.requests[index]!.body as Body).messages.find((message) => message.tool_call_id === id)?.content);
const toolResult = (index: number, id: string) => resultIn(server, index, id);
async function ownServer() {
  const own = await startOpenAIServer();
  return Object.assign(own, { [Symbol.asyncDispose]: () => own.close() });
}

function put(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value, null, 2));
}
const env = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
const run = (box: Sandbox, ...args: string[]) => box.run(["--model", "openai/gpt-5", ...RUN_COMMANDS, ...args]);

describe("Claude Code settings files through pincer -p", () => {
  it("applies the user's rules as theirs and a project's only to narrow", async () => {
    using box = sandbox(env());
    put(join(box.home, ".claude", "settings.json"), {
      permissions: { allow: ["Bash(echo *)"], deny: ["Bash(echo forbidden*)"] },
    });
    put(join(box.cwd, ".claude", "settings.json"), {
      permissions: { allow: ["Bash(rm *)"], deny: ["Read(./secrets/**)"], defaultMode: "bypassPermissions" },
    });
    put(join(box.cwd, "secrets", "key.txt"), "KEY");
    server.enqueue([
      {
        toolCalls: [
          { id: "echo", name: "bash", arguments: { command: "echo from-user-rule" } },
          { id: "forbidden", name: "bash", arguments: { command: "echo forbidden thing" } },
          { id: "rm", name: "bash", arguments: { command: "rm -f nothing" } },
          { id: "secret", name: "read", arguments: { path: "secrets/key.txt" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await run(box, "-p", "go");
    // A run with refused calls exits 1 (pincer -p's contract), after doing the rest.
    expect(result.code, result.stderr).toBe(1);
    expect(toolResult(before + 1, "echo")).toContain("from-user-rule");
    expect(toolResult(before + 1, "forbidden")).toContain("Permission denied");
    expect(toolResult(before + 1, "rm")).toContain("Permission denied");
    expect(toolResult(before + 1, "secret")).toContain("Permission denied");
    const settingsFile = join(box.cwd, ".claude", "settings.json");
    expect(result.stderr).toContain(`Ignored permissions.allow in ${settingsFile}`);
    expect(result.stderr).toContain(`Ignored permissions.defaultMode in ${settingsFile}`);
  }, 60_000);

  it("runs a project's hooks only once approved, with Claude Code's input and a real transcript; allow and continue: false are honoured", async () => {
    using box = sandbox(env());
    const log = join(box.cwd, "hook-log.jsonl");
    put(
      join(box.cwd, ".claude", "hooks", "approve-make.sh"),
      [
        "#!/bin/sh",
        `input=$(cat); printf '%s\\n' "$input" >> "${log}"`,
        // Hooks read the transcript themselves (it is in PINCER_HOME, which the OS sandbox hides).
        `tp=$(printf '%s' "$input" | sed -n 's/.*"transcript_path":"\\([^"]*\\)".*/\\1/p'); cat "$tp" > "${log}.transcript"`,
        `echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"make is fine"}}'`,
      ].join("\n"),
    );
    const settings = {
      hooks: {
        PreToolUse: [
          {
            matcher: "Bash",
            hooks: [
              {
                type: "command",
                command: 'sh "$CLAUDE_PROJECT_DIR/.claude/hooks/approve-make.sh"',
                if: "Bash(make *)",
              },
            ],
          },
        ],
        PostToolUse: [
          {
            matcher: "Bash",
            hooks: [
              {
                type: "command",
                command: `echo '{"continue": false, "stopReason": "The build broke; fix it by hand"}'`,
                if: "Bash(make broken)",
              },
            ],
          },
        ],
      },
    };
    put(join(box.cwd, ".claude", "settings.json"), settings);
    put(join(box.cwd, "Makefile"), "test:\n\t@echo made-test\nbroken:\n\t@echo made-broken\n");
    // Never approved: the hook does not run, so headless nothing allows `make test`.
    server.enqueue([
      { toolCalls: [{ id: "make1", name: "bash", arguments: { command: "make test" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    let before = server.requests.length;
    const unapproved = await run(box, "-p", "test it");
    expect(unapproved.code, unapproved.stderr).toBe(1);
    expect(unapproved.stderr).toContain(
      "did not run: not approved yet. Review and approve them with pincer hooks approve.",
    );
    expect(toolResult(before + 1, "make1")).toContain("Permission denied");
    expect(existsSync(log)).toBe(false);

    const approved = await box.run(["hooks", "approve"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(
      'PreToolUse on Bash if Bash(make *): sh "$CLAUDE_PROJECT_DIR/.claude/hooks/approve-make.sh"',
    );
    expect(approved.stdout).toContain("Approved 2 hook(s)");

    // Approved: the hook sees Claude Code's input and allows `make test` (a deny rule would still win).
    server.enqueue([
      { toolCalls: [{ id: "make2", name: "bash", arguments: { command: "make test" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    before = server.requests.length;
    const ran = await run(box, "-p", "test it");
    expect(ran.code, ran.stderr).toBe(0);
    expect(toolResult(before + 1, "make2")).toContain("made-test");
    const event = JSON.parse(readFileSync(log, "utf8").trim().split("\n")[0]!);
    expect(event).toMatchObject({
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "make test" },
      tool_use_id: "make2",
      cwd: box.cwd,
      permission_mode: "default",
    });
    // transcript_path: Claude Code's JSONL, with the call as Claude Code names it.
    const transcript = readFileSync(event.transcript_path, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(transcript[0]).toMatchObject({
      type: "user",
      message: { role: "user", content: "test it" },
      sessionId: event.session_id,
    });
    expect(transcript[1].message.content).toContainEqual({
      type: "tool_use",
      id: "make2",
      name: "Bash",
      input: { command: "make test" },
    });
    expect(transcript[1].parentUuid).toBe(transcript[0].uuid);
    // …and the hook itself could read it, inside the OS sandbox where there is one.
    expect(readFileSync(`${log}.transcript`, "utf8")).toContain('"content":"test it"');

    // continue: false stops the session with its reason.
    server.enqueue([
      { toolCalls: [{ id: "make3", name: "bash", arguments: { command: "make broken" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "never sent" }, { finish: "stop" }]);
    before = server.requests.length;
    const halted = await run(box, "-p", "break it");
    expect(halted.code).toBe(1);
    expect(halted.stderr).toContain("The build broke; fix it by hand");
    expect(server.requests.length).toBe(before + 1);

    // A changed hook asks again.
    put(join(box.cwd, ".claude", "settings.json"), {
      hooks: { ...settings.hooks, Stop: [{ hooks: [{ type: "command", command: "true" }] }] },
    });
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const changed = await run(box, "-p", "hi");
    expect(changed.stderr).toContain("did not run: changed since you approved them");
    // pincer hooks list says where each hook stands; disableAllHooks turns them all off.
    const listed = JSON.parse((await box.run(["hooks", "list", "--json"])).stdout) as Array<Record<string, string>>;
    expect(listed.map((hook) => [hook.event, hook.status])).toEqual([
      ["PreToolUse", "changed since approved"],
      ["PostToolUse", "changed since approved"],
      ["Stop", "changed since approved"],
    ]);
    put(join(box.cwd, ".claude", "settings.local.json"), { disableAllHooks: true });
    const off = JSON.parse((await box.run(["hooks", "list", "--json"])).stdout) as Array<Record<string, string>>;
    expect(new Set(off.map((hook) => hook.status))).toEqual(new Set(["off (disableAllHooks)"]));
  }, 90_000);

  it("gives a subagent's tool calls to the user's hooks (agent_id, agent_type) and runs SubagentStop at its end", async () => {
    // A server of its own: the tests above leave replies queued that were never asked for.
    await using model = await ownServer();
    using box = sandbox({ ...env(), OPENAI_BASE_URL: model.url });
    const server = model;
    const log = join(box.cwd, "sub-log.jsonl");
    const field = (name: string) => `sed -n 's/.*"${name}":"\\([^"]*\\)".*/\\1/p'`;
    put(join(box.home, ".claude", "settings.json"), {
      hooks: {
        PreToolUse: [
          {
            matcher: "Bash",
            hooks: [
              {
                type: "command",
                if: "Bash(rm *)",
                command: `cat >> "${log}"; echo >> "${log}"; echo 'no rm in subagents' >&2; exit 2`,
              },
            ],
          },
        ],
        SubagentStop: [
          {
            matcher: "general-purpose",
            hooks: [
              {
                type: "command",
                // Once: send it back to check its work; and read its own transcript, inside the OS sandbox.
                command: `input=$(cat); printf '%s\\n' "$input" >> "${log}"; cat "$(printf '%s' "$input" | ${field("agent_transcript_path")})" > "${log}.agent"; case "$input" in *'"stop_hook_active":false'*) echo 'check your work' >&2; exit 2;; esac`,
              },
            ],
          },
        ],
      },
    });
    put(join(box.cwd, "junk.txt"), "keep me");
    server.enqueue([
      { toolCalls: [{ id: "task1", name: "task", arguments: { description: "clean up", prompt: "remove junk.txt" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      { toolCalls: [{ id: "rm1", name: "bash", arguments: { command: "rm -f junk.txt" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "removed it" }, { finish: "stop" }]);
    server.enqueue([{ text: "could not remove it: a hook refused" }, { finish: "stop" }]);
    server.enqueue([{ text: "all done" }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await run(box, "-p", "tidy up");
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests.length).toBe(before + 5);
    // The subagent's rm was refused by the user's hook, which heard who asked.
    expect(readFileSync(join(box.cwd, "junk.txt"), "utf8")).toBe("keep me");
    expect(resultIn(server, before + 2, "rm1")).toContain("no rm in subagents");
    const events = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({
      hook_event_name: "PreToolUse",
      agent_type: "general-purpose",
      tool_name: "Bash",
    });
    expect(events[0].agent_id).toMatch(/^[0-9a-f]{16}$/);
    // SubagentStop sent it back once, then let it end; the parent got its last word.
    expect(
      events.slice(1).map((event) => [event.hook_event_name, event.stop_hook_active, event.last_assistant_message]),
    ).toEqual([
      ["SubagentStop", false, "removed it"],
      ["SubagentStop", true, "could not remove it: a hook refused"],
    ]);
    expect(events[1].agent_id).toBe(events[0].agent_id);
    expect(resultIn(server, before + 4, "task1")).toContain("could not remove it: a hook refused");
    // Its transcript: Claude Code's subagent JSONL, readable by the hook.
    const agentLines = readFileSync(`${log}.agent`, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(agentLines[0]).toMatchObject({ type: "user", isSidechain: true, agentId: events[0].agent_id });
    expect(events[1].agent_transcript_path).toContain(`subagents/agent-${events[0].agent_id}.jsonl`);
  }, 60_000);
});
