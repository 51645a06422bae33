import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolCall } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { createPluginHooks, matches } from "./hooks.js";
import type { ClaudeHookCommand } from "./plugins/claude-plugin-hooks.js";
import type { ClaudePlugin } from "./plugins/claude-plugin-read.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-hooks-"));
  dirs.push(dir);
  return dir;
}

function setup(hooks: Array<Partial<ClaudeHookCommand> & Pick<ClaudeHookCommand, "event" | "command">>) {
  const cwd = temp();
  const root = temp();
  const plugin = { name: "p", root, hooks: hooks.map((hook) => ({ timeout: 60, ...hook })) } as unknown as ClaudePlugin;
  const warnings: string[] = [];
  const created = createPluginHooks({
    plugins: [plugin],
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, SECRET_TOKEN: "nope" },
    sessionId: () => "session-1",
    // The unit tests run the commands unconfined; the e2e test covers the sandbox.
    osSandbox: { os: "off" },
    warn: (message) => warnings.push(message),
  });
  return { hooks: created!, warnings, cwd, root };
}

const call = (name: string, args: Record<string, unknown> = {}): ToolCall => ({
  type: "toolCall",
  id: "c1",
  name,
  arguments: args,
});

describe("Claude Code hooks as kernel hooks", () => {
  it("matches Claude's tool names and regexes against Pincer's tools", () => {
    expect(matches(undefined, "bash")).toBe(true);
    expect(matches("Bash", "bash")).toBe(true);
    expect(matches("Write|Edit", "edit")).toBe(true);
    expect(matches("Write|Edit", "bash")).toBe(false);
    expect(matches("mcp__.*", "mcp__fx__echo")).toBe(true);
    expect(matches("Bas.*", "bash")).toBe(true);
  });

  it("blocks on exit 2 with stderr as the reason, and hands the event JSON on stdin with a clean env", async () => {
    const { hooks, cwd, root, warnings } = setup([
      {
        event: "PreToolUse",
        matcher: "Bash",
        command:
          'cat > "$CLAUDE_PROJECT_DIR/event.json"; env > "$CLAUDE_PROJECT_DIR/env.txt"; echo "no shell today" >&2; exit 2',
      },
    ]);
    const verdict = await hooks.beforeToolCall!(call("bash", { command: "ls" }), { cwd });
    expect(verdict).toEqual({ block: { reason: "no shell today" } });
    expect(JSON.parse(readFileSync(join(cwd, "event.json"), "utf8"))).toMatchObject({
      session_id: "session-1",
      cwd,
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "ls" },
    });
    const env = readFileSync(join(cwd, "env.txt"), "utf8");
    expect(env).toContain(`CLAUDE_PLUGIN_ROOT=${root}`);
    expect(env).not.toContain("SECRET_TOKEN");
    expect(await hooks.beforeToolCall!(call("read"), { cwd })).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("warns about a failing and a hanging hook and goes on", async () => {
    const { hooks, cwd, warnings } = setup([
      { event: "PreToolUse", command: "echo broken >&2; exit 3" },
      { event: "PreToolUse", command: "sleep 30", timeout: 0.3 },
    ]);
    const started = Date.now();
    expect(await hooks.beforeToolCall!(call("bash"), { cwd })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(warnings[0]).toMatch(/p PreToolUse hook `echo broken >&2; exit 3` failed \(exit 3\): broken; going on/);
    expect(warnings[1]).toMatch(/was stopped after its 0.3s timeout; going on/);
  });

  it("maps prompt submit, stop, post-tool and session start", async () => {
    const { hooks, cwd } = setup([
      {
        event: "UserPromptSubmit",
        command: `node -e "process.stdin.on('data', d => { const e = JSON.parse(d); if (e.prompt.includes('secret')) { console.error('no secrets'); process.exit(2) } console.log('today is Tuesday') })"`,
      },
      {
        event: "Stop",
        command: `node -e "process.stdin.on('data', d => { if (!JSON.parse(d).stop_hook_active) { console.error('run the tests'); process.exit(2) } })"`,
      },
      { event: "PostToolUse", matcher: "Write", command: 'echo \'{"decision":"block","reason":"lint failed"}\'' },
      { event: "SessionStart", command: "echo project uses pnpm" },
    ]);
    expect(await hooks.promptSubmit!("hello")).toEqual({ context: "today is Tuesday" });
    expect(await hooks.promptSubmit!("my secret")).toEqual({ block: { reason: "no secrets" } });
    const turn = { stopReason: "end_turn", steps: 1, usage: {}, text: "" } as never;
    expect(await hooks.stop!(turn)).toEqual({ continueWith: "run the tests" });
    expect(await hooks.stop!(turn)).toBeUndefined();
    expect(await hooks.afterToolCall!(call("write"), { content: "ok", isError: false })).toEqual({
      context: "lint failed",
    });
    expect(await hooks.afterToolCall!(call("read"), { content: "ok", isError: false })).toBeUndefined();
    expect(await hooks.sessionStart!({ sessionId: "s", resumed: false })).toEqual({ context: "project uses pnpm" });
    expect(cwd).toBeTruthy();
  });
});
