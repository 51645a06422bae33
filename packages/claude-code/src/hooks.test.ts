import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { answering, call, cleanUp, setup, temp, turn } from "./hooks/claude-hooks.fixture.js";
import { type BoundHook, runHookCommand } from "./hooks/hook-process.js";
import { conditionHolds, matches, matchesTool } from "./hooks/matchers.js";

afterEach(cleanUp);

describe("Claude Code's matchers and if conditions", () => {
  it("matches all, exact lists (| and ,), and unanchored regular expressions, on Claude's and Pincer's names", () => {
    expect(matches(undefined, "Bash")).toBe(true);
    expect(matches("*", "Bash")).toBe(true);
    expect(matchesTool("Bash", "bash")).toBe(true);
    expect(matchesTool("Edit|Write", "write")).toBe(true);
    expect(matchesTool("Edit, Write", "edit")).toBe(true);
    expect(matchesTool("Edit|Write", "bash")).toBe(false);
    expect(matchesTool("Edit.*", "edit")).toBe(true);
    expect(matchesTool("mcp__memory__.*", "mcp__memory__create")).toBe(true);
    expect(matchesTool("mcp__memory", "mcp__memory__create")).toBe(false);
    // Claude Code's older names for a tool still match it.
    expect(matchesTool("Task", "task")).toBe(true);
    expect(matchesTool("Agent", "task")).toBe(true);
    expect(matchesTool("MultiEdit", "edit")).toBe(true);
    expect(matchesTool("Task", "todo")).toBe(false);
    expect(matches("code-reviewer", "senior-code-reviewer")).toBe(false);
    expect(matches("startup|resume", "resume")).toBe(true);
  });

  it("reads if as one permission rule: any part of a command, a file pattern, a domain", () => {
    const cwd = "/w";
    const bash = (value: string) => ({ name: "bash", subject: { kind: "command" as const, value } });
    expect(conditionHolds("Bash(git *)", bash("FOO=bar git push"), cwd)).toBe(true);
    expect(conditionHolds("Bash(git *)", bash("npm test && git push"), cwd)).toBe(true);
    expect(conditionHolds("Bash(rm *)", bash("echo $(rm -rf /)"), cwd)).toBe(true);
    expect(conditionHolds("Bash(rm *)", bash("echo $(date)"), cwd)).toBe(false);
    expect(conditionHolds("Edit(*.ts)", { name: "write", subject: { kind: "path", value: "/w/src/a.ts" } }, cwd)).toBe(
      true,
    );
    expect(conditionHolds("Edit(*.ts)", { name: "edit", subject: { kind: "path", value: "/w/a.md" } }, cwd)).toBe(
      false,
    );
    expect(conditionHolds("Bash", bash("anything"), cwd)).toBe(true);
    expect(conditionHolds("Read", bash("cat x"), cwd)).toBe(false);
  });
});

describe("Claude Code hooks: their input", () => {
  it("gives PreToolUse Claude Code's fields, tool names and argument names, with absolute paths and a clean env", async () => {
    const { hooks, cwd, root } = setup([
      {
        event: "PreToolUse",
        matcher: "Read",
        command: 'cat > "$CLAUDE_PROJECT_DIR/event.json"; env > "$CLAUDE_PROJECT_DIR/env.txt"',
      },
    ]);
    expect(await hooks.beforeToolCall(call("read", { path: "src/a.ts", offset: 2 }), { cwd })).toEqual({});
    expect(JSON.parse(readFileSync(join(cwd, "event.json"), "utf8"))).toEqual({
      session_id: "session-1",
      transcript_path: join(cwd, "transcript.jsonl"),
      cwd,
      permission_mode: "default",
      hook_event_name: "PreToolUse",
      tool_name: "Read",
      tool_input: { file_path: join(cwd, "src/a.ts"), offset: 2 },
      tool_use_id: "c1",
    });
    const env = readFileSync(join(cwd, "env.txt"), "utf8");
    expect(env).toContain(`CLAUDE_PLUGIN_ROOT=${root}`);
    expect(env).toContain("CLAUDE_PLUGIN_DATA=");
    expect(env).toContain("PYTHONPYCACHEPREFIX=");
    expect(env).not.toContain("SECRET_TOKEN");
    // Not matched: not run.
    expect(await hooks.beforeToolCall(call("bash", { command: "ls" }), { cwd })).toBeUndefined();
  });

  it("runs the exec form with args and no shell, placeholders filled in", async () => {
    const { hooks, cwd, root } = setup([
      {
        event: "UserPromptSubmit",
        command: "node",
        args: ["-e", "console.log(process.argv[1])", "${CLAUDE_PLUGIN_ROOT}/x $HOME"],
      },
    ]);
    expect(await hooks.promptSubmit("hi")).toEqual({ context: `${root}/x $HOME` });
    expect(cwd).toBeTruthy();
  });

  it("tells SessionStart how the session started, filtered by its matcher", async () => {
    for (const source of ["startup", "resume", "clear"] as const) {
      const { hooks, cwd } = setup(
        [
          { event: "SessionStart", matcher: "startup|clear", command: answering("fresh start") },
          { event: "SessionStart", command: 'cat > "$CLAUDE_PROJECT_DIR/start.json"' },
        ],
        source,
      );
      const verdict = await hooks.sessionStart({ sessionId: "s", resumed: source === "resume" });
      expect(JSON.parse(readFileSync(join(cwd, "start.json"), "utf8"))).toMatchObject({
        source,
        model: "openai/gpt-5",
      });
      expect(verdict).toEqual(source === "startup" || source === "clear" ? { context: "fresh start" } : undefined);
    }
  });
});

describe("Claude Code hooks and the OS sandbox", () => {
  it("a hook that must run in bwrap on a machine without it does not run at all, even after an unconfined run of the same hook", async () => {
    const cwd = temp();
    const hook: BoundHook = {
      event: "PreToolUse",
      command: 'touch "$CLAUDE_PROJECT_DIR/ran"',
      timeout: 10,
      origin: { kind: "settings", file: join(cwd, ".claude", "settings.json"), scope: "project" },
    };
    const env = { PATH: process.env.PATH };
    // The user turned the sandbox off for one session: it runs.
    expect((await runHookCommand(hook, {}, { cwd, env, osSandbox: { os: "off" } }).done).code).toBe(0);
    rmSync(join(cwd, "ran"));
    // Another demands bubblewrap, which this machine (here: a missing binary) lacks: refused, not run unconfined.
    const refused = await runHookCommand(
      hook,
      {},
      { cwd, env, osSandbox: { os: "bwrap", bwrapPath: join(cwd, "no-bwrap") } },
    ).done;
    expect(refused.error).toBeTruthy();
    expect(existsSync(join(cwd, "ran"))).toBe(false);
  });
});

describe("Claude Code hooks: every documented output", () => {
  it("PreToolUse: exit 2 and deny block; ask and allow reach the permission engine; updatedInput and additionalContext", async () => {
    const { hooks, cwd } = setup([
      { event: "PreToolUse", matcher: "Bash", if: "Bash(rm *)", command: "echo 'no rm here' >&2; exit 2" },
      {
        event: "PreToolUse",
        matcher: "Bash",
        if: "Bash(curl *)",
        command: answering({
          hookSpecificOutput: {
            hookEventName: "PreToolUse",
            permissionDecision: "deny",
            permissionDecisionReason: "no network",
          },
        }),
      },
      {
        event: "PreToolUse",
        matcher: "Write",
        command: answering({
          hookSpecificOutput: {
            hookEventName: "PreToolUse",
            permissionDecision: "allow",
            permissionDecisionReason: "generated files are fine",
            updatedInput: { file_path: "/w/out/a.txt", content: "rewritten" },
            additionalContext: "Files under out/ are generated.",
          },
        }),
      },
      {
        event: "PreToolUse",
        matcher: "Edit",
        command: answering({
          hookSpecificOutput: { permissionDecision: "ask", permissionDecisionReason: "edits need a look" },
        }),
      },
      { event: "PreToolUse", matcher: "Glob", command: answering({ decision: "block", reason: "old style deny" }) },
    ]);
    expect(await hooks.beforeToolCall(call("bash", { command: "rm -rf build" }), { cwd })).toEqual({
      block: { reason: "no rm here" },
    });
    expect(await hooks.beforeToolCall(call("bash", { command: "curl x" }), { cwd })).toEqual({
      block: { reason: "no network" },
    });
    expect(await hooks.beforeToolCall(call("bash", { command: "ls" }), { cwd })).toBeUndefined();
    expect(await hooks.beforeToolCall(call("write", { path: "a.txt", content: "x" }), { cwd })).toEqual({
      allow: { reason: "generated files are fine" },
      args: { path: "/w/out/a.txt", content: "rewritten" },
      context: "Files under out/ are generated.",
    });
    expect(await hooks.beforeToolCall(call("edit", { path: "a" }), { cwd })).toEqual({
      ask: { reason: "edits need a look" },
    });
    expect(await hooks.beforeToolCall(call("glob", { pattern: "*" }), { cwd })).toEqual({
      block: { reason: "old style deny" },
    });
  });

  it("reads JSON only on exit 0: exit 2 blocks with stderr whatever stdout says; another exit is a warning, its JSON ignored", async () => {
    const deny = JSON.stringify({
      continue: false,
      hookSpecificOutput: {
        hookEventName: "PreToolUse",
        permissionDecision: "deny",
        permissionDecisionReason: "from JSON",
      },
    });
    const { hooks, cwd, warnings } = setup([
      {
        event: "PreToolUse",
        matcher: "Bash",
        if: "Bash(two)",
        command: `echo '${deny}'; echo 'from stderr' >&2; exit 2`,
      },
      { event: "PreToolUse", matcher: "Bash", if: "Bash(one)", command: `echo '${deny}'; exit 1` },
    ]);
    expect(await hooks.beforeToolCall(call("bash", { command: "two" }), { cwd })).toEqual({
      block: { reason: "from stderr" },
    });
    expect(await hooks.beforeToolCall(call("bash", { command: "one" }), { cwd })).toEqual({});
    expect(warnings).toEqual([expect.stringMatching(/failed with non-blocking status code 1; going on\.$/)]);
  });

  it("continue: false halts the session with its stopReason; systemMessage is shown; other exits warn and go on", async () => {
    const { hooks, cwd, warnings } = setup([
      {
        event: "PostToolUse",
        matcher: "Bash",
        command: answering({ continue: false, stopReason: "Build failed", systemMessage: "see the log" }),
      },
      { event: "PostToolUse", matcher: "Read", command: "echo broken >&2; exit 3" },
      { event: "PostToolUse", matcher: "Grep", command: "sleep 30", timeout: 0.3 },
    ]);
    expect(await hooks.afterToolCall(call("bash"), { content: "ok", isError: false })).toEqual({
      halt: { reason: "Build failed" },
    });
    expect(warnings[0]).toMatch(/p PostToolUse hook .*: see the log/);
    const started = Date.now();
    expect(await hooks.afterToolCall(call("read"), { content: "ok", isError: false })).toBeUndefined();
    expect(await hooks.afterToolCall(call("grep"), { content: "ok", isError: false })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(warnings[1]).toMatch(/failed with non-blocking status code 3: broken; going on/);
    expect(warnings[2]).toMatch(/was stopped after its 0.3s timeout; going on/);
    expect(cwd).toBeTruthy();
  });

  it("PostToolUse: a block's reason and additionalContext reach the model, updatedToolOutput replaces the result; failures go to PostToolUseFailure", async () => {
    const { hooks, cwd } = setup([
      {
        event: "PostToolUse",
        matcher: "Write",
        command: answering({
          decision: "block",
          reason: "lint failed",
          hookSpecificOutput: { additionalContext: "run pnpm lint" },
        }),
      },
      {
        event: "PostToolUse",
        matcher: "Bash",
        command: answering({ hookSpecificOutput: { updatedToolOutput: "[redacted]" } }),
      },
      {
        event: "PostToolUseFailure",
        command: answering({ hookSpecificOutput: { additionalContext: "try --force" } }, "failure.json"),
      },
      { event: "PostToolUse", matcher: "Read", command: "echo 'too big' >&2; exit 2" },
    ]);
    expect(await hooks.afterToolCall(call("write", { path: "a" }), { content: "ok", isError: false })).toEqual({
      context: "lint failed\nrun pnpm lint",
    });
    expect(await hooks.afterToolCall(call("bash"), { content: "secret output", isError: false })).toEqual({
      result: { content: "[redacted]", isError: false },
    });
    expect(await hooks.afterToolCall(call("read"), { content: "x", isError: false })).toEqual({ context: "too big" });
    expect(
      await hooks.afterToolCall(call("bash", { command: "x" }), { content: "exit code 1", isError: true }),
    ).toEqual({
      context: "try --force",
    });
    expect(JSON.parse(readFileSync(join(cwd, "failure.json"), "utf8"))).toMatchObject({
      hook_event_name: "PostToolUseFailure",
      tool_name: "Bash",
      error: "exit code 1",
    });
  });

  it("UserPromptSubmit: plain stdout and additionalContext are context; exit 2 and decision: block refuse the prompt", async () => {
    const { hooks } = setup([
      {
        event: "UserPromptSubmit",
        command: `node -e "process.stdin.on('data', d => { const e = JSON.parse(d); if (e.prompt.includes('secret')) { console.error('no secrets'); process.exit(2) } if (e.prompt.includes('json')) { console.log(JSON.stringify({ decision: 'block', reason: 'not today' })); return } console.log('today is Tuesday') })"`,
      },
      {
        event: "UserPromptSubmit",
        command: answering(
          { hookSpecificOutput: { hookEventName: "UserPromptSubmit", additionalContext: "branch: main" } },
          "p.json",
        ),
      },
    ]);
    expect(await hooks.promptSubmit("hello")).toEqual({ context: "today is Tuesday\nbranch: main" });
    expect(await hooks.promptSubmit("my secret")).toEqual({ block: { reason: "no secrets" } });
    expect(await hooks.promptSubmit("json please")).toEqual({ block: { reason: "not today" } });
  });

  it("Stop: exit 2, decision: block and additionalContext keep the turn going; stop_hook_active; at most 8 in a row", async () => {
    const { hooks, cwd, warnings } = setup([
      {
        event: "Stop",
        command: `node -e "process.stdin.on('data', d => { const e = JSON.parse(d); require('fs').writeFileSync(process.env.CLAUDE_PROJECT_DIR + '/stop.json', d); if (!e.stop_hook_active) { console.error('run the tests'); process.exit(2) } })"`,
      },
    ]);
    expect(await hooks.stop(turn("All done."))).toEqual({ continueWith: "run the tests" });
    expect(JSON.parse(readFileSync(join(cwd, "stop.json"), "utf8"))).toMatchObject({
      hook_event_name: "Stop",
      stop_hook_active: false,
      last_assistant_message: "All done.",
      background_tasks: [],
    });
    expect(await hooks.stop(turn())).toBeUndefined();
    const always = setup([
      { event: "Stop", command: answering({ hookSpecificOutput: { additionalContext: "keep going" } }) },
    ]);
    for (let n = 0; n < 8; n++) expect(await always.hooks.stop(turn())).toEqual({ continueWith: "keep going" });
    expect(await always.hooks.stop(turn())).toBeUndefined();
    expect(always.warnings.at(-1)).toMatch(/8 times in a row/);
    expect(warnings).toEqual([]);
  });
});
