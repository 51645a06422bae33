import { readFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { afterEach, describe, expect, it } from "vitest";
import { answering, call, cleanUp, type Spec, setup, turn } from "./hooks/claude-hooks.fixture.js";

afterEach(cleanUp);

describe("Claude Code hooks in a subagent", () => {
  it("tool hooks carry agent_id and agent_type; SubagentStop, matched on the type, runs where Stop would", async () => {
    const specs: Spec[] = [
      { event: "PreToolUse", matcher: "Bash", command: answering({}, "pre.json") },
      { event: "Stop", command: answering({ decision: "block", reason: "main stop" }) },
      {
        event: "SubagentStop",
        matcher: "^reviewer$",
        command: `node -e "process.stdin.on('data', d => { const e = JSON.parse(d); require('fs').writeFileSync(process.env.CLAUDE_PROJECT_DIR + '/sub.json', d); if (!e.stop_hook_active) { console.error('review the tests too'); process.exit(2) } })"`,
      },
      { event: "UserPromptSubmit", command: answering("never in a subagent", "prompt.json") },
      { event: "SessionStart", command: answering("never in a subagent", "start.json") },
    ];
    const { hooks, cwd } = setup(specs, "startup", { id: "a1b2", type: "reviewer" });
    expect(await hooks.beforeToolCall(call("bash", { command: "ls" }), { cwd })).toEqual({});
    expect(JSON.parse(readFileSync(join(cwd, "pre.json"), "utf8"))).toMatchObject({
      hook_event_name: "PreToolUse",
      agent_id: "a1b2",
      agent_type: "reviewer",
      tool_name: "Bash",
    });
    // The main session's events are not a subagent's.
    expect(hooks.promptSubmit).toBeUndefined();
    expect(hooks.sessionStart).toBeUndefined();
    expect(await hooks.stop(turn("reviewed"))).toEqual({ continueWith: "review the tests too" });
    expect(JSON.parse(readFileSync(join(cwd, "sub.json"), "utf8"))).toMatchObject({
      hook_event_name: "SubagentStop",
      agent_id: "a1b2",
      agent_type: "reviewer",
      agent_transcript_path: join(cwd, "agent.jsonl"),
      last_assistant_message: "reviewed",
      stop_hook_active: false,
    });
    expect(await hooks.stop(turn("reviewed again"))).toBeUndefined();
    expect(JSON.parse(readFileSync(join(cwd, "sub.json"), "utf8")).stop_hook_active).toBe(true);

    // Another agent type: SubagentStop's matcher leaves it alone, and Stop never runs for it.
    const other = setup(specs, "startup", { id: "c3d4", type: "explorer" });
    expect(other.hooks.stop).toBeUndefined();
    // And the main session runs Stop, never SubagentStop.
    const main = setup(specs);
    expect(await main.hooks.stop(turn("done"))).toEqual({ continueWith: "main stop" });
  });
});

describe("Claude Code hooks around a compaction", () => {
  it("PreCompact and PostCompact hear the trigger and the summary; SessionStart runs again with source compact", async () => {
    const { hooks, cwd, warnings } = setup([
      {
        event: "PreCompact",
        matcher: "manual",
        command: answering({ decision: "block", reason: "keep it" }, "pre.json"),
      },
      { event: "PostCompact", command: answering("", "post.json") },
      { event: "SessionStart", matcher: "compact", command: answering("re-read the plan", "start.json") },
    ]);
    expect(await hooks.beforeCompaction({ tokensBefore: 900, manual: true })).toBeUndefined();
    expect(JSON.parse(readFileSync(join(cwd, "pre.json"), "utf8"))).toMatchObject({
      hook_event_name: "PreCompact",
      trigger: "manual",
      custom_instructions: "",
    });
    // Claude Code's PreCompact cannot stop a compaction here: said, not obeyed silently.
    expect(warnings).toEqual(["A PreCompact hook asked to block the compaction; Pincer compacts anyway."]);
    await hooks.afterCompaction({ summary: "we did things", tokensBefore: 900, tokensAfter: 100 });
    expect(JSON.parse(readFileSync(join(cwd, "post.json"), "utf8"))).toMatchObject({
      hook_event_name: "PostCompact",
      trigger: "manual",
      compact_summary: "we did things",
    });
    expect(JSON.parse(readFileSync(join(cwd, "start.json"), "utf8"))).toMatchObject({ source: "compact" });
    // Its context reaches the model at the next step.
    expect((await hooks.promptSubmit("go on"))?.context).toBe("re-read the plan");
  });
});

describe("Claude Code hooks in the background", () => {
  it("does not wait for an async hook; what it says reaches the model at its next step, never as raw JSON", async () => {
    const { hooks, cwd } = setup([
      {
        event: "PostToolUse",
        async: true,
        command: `sleep 0.3; printf '%s' '{"hookSpecificOutput":{"additionalContext":"tests passed"}}'`,
      },
      // A hook that detaches itself with {"async":true} as its first line (the Agent SDK's way).
      {
        event: "UserPromptSubmit",
        command: `echo '{"async":true}'; sleep 0.3; echo '{"hookSpecificOutput":{"additionalContext":"indexed"}}'`,
      },
    ]);
    const started = Date.now();
    expect(await hooks.afterToolCall(call("write", { path: "a" }), { content: "ok", isError: false })).toBeUndefined();
    expect(await hooks.promptSubmit("go")).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_500);
    // Each prompt takes what has arrived since the last; the two may arrive at different steps.
    let delivered = "";
    await until(async () => {
      delivered += (await hooks.promptSubmit("next"))?.context ?? "";
      return delivered.includes("tests passed") && delivered.includes("indexed") ? true : undefined;
    });
    expect(delivered).not.toContain('{"async"');
    expect(cwd).toBeTruthy();
  });
});
