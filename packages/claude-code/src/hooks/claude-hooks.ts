import { resolve } from "node:path";
import type { OsSandboxSettings } from "@pincer/host";
import type {
  AfterToolCallVerdict,
  BeforeToolCallVerdict,
  HookSource,
  Hooks,
  PermissionSubject,
  PromptVerdict,
  StopVerdict,
  ToolCall,
  ToolResult,
} from "@pincer/kernel";
import type { ClaudeHookEvent } from "../plugins/claude-plugin-hooks.js";
import { claudeToolName, fromClaudeInput, toClaudeInput } from "../tool-names.js";
import { type HookAnswer, readAnswer } from "./hook-output.js";
import { type BoundHook, describeHook, type HookOutcome, type RunningHook, runHookCommand } from "./hook-process.js";
import { conditionHolds, matches, matchesTool } from "./matchers.js";

/** How the session started, as SessionStart's `source` says it. */
export type SessionStartSource = "startup" | "resume" | "clear";

export interface ClaudeHooksOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  osSandbox?: OsSandboxSettings;
  sessionId(): string;
  /** The session's Claude Code transcript (transcript.ts), when there is one. */
  transcriptPath(): string | undefined;
  permissionMode(): string;
  model(): string;
  /** SessionStart's `source` for this session (compaction reports "compact" itself). */
  startSource(): SessionStartSource;
  /** `--agent <name>`: hooks get it as `agent_type`. */
  agentType?: string;
  /**
   * These hooks are for a subagent's kernel (the `task` tool): tool hooks carry `agent_id` and
   * `agent_type`; SubagentStop (matched on the agent type) runs where Stop would, and no session
   * or prompt event runs (Claude Code fires those for the main session only).
   */
  subagent?: { id: string; type: string; transcriptPath(): string | undefined };
  /** Shown to the user: a hook's `systemMessage`, its failures and timeouts. */
  warn(message: string): void;
}

/** Claude Code stops a Stop hook from sending the model back after 8 blocks in a row. */
const MAX_STOP_BLOCKS = 8;

/**
 * Claude Code hooks (from installed plugins and settings files) as kernel hooks, one set per
 * origin so the dispatcher names each in its warnings. Every documented input field and output
 * Pincer can honour is honoured (see docs/compat.md):
 *
 * | Claude Code event          | kernel hook      | honoured output                                              |
 * | -------------------------- | ---------------- | ------------------------------------------------------------ |
 * | PreToolUse                 | beforeToolCall   | exit 2 / `deny` (block), `ask`, `allow`, `updatedInput`, `additionalContext` |
 * | PostToolUse                | afterToolCall    | exit 2 / `decision: block` (to the model), `additionalContext`, `updatedToolOutput` |
 * | PostToolUseFailure         | afterToolCall (failed calls) | exit 2, `additionalContext`                      |
 * | UserPromptSubmit           | promptSubmit     | exit 2 / `decision: block`, plain stdout and `additionalContext` |
 * | Stop                       | stop             | exit 2 / `decision: block` and `additionalContext` keep it going |
 * | SubagentStop (a `task` subagent's kernel) | stop | the same, for the subagent; its tool calls run the tool events too |
 * | SessionStart               | sessionStart (and after a compaction, `compact`) | plain stdout, `additionalContext` |
 * | PreCompact, PostCompact    | before/afterCompaction | run (their decisions have no effect here)              |
 *
 * On every event: `continue: false` stops the session (kernel `halt`) with `stopReason`;
 * `systemMessage` is shown as a warning; `suppressOutput` has no effect (as in Claude Code). Hooks
 * of one origin that match run in parallel; `async` hooks run in the background and what they
 * say reaches the model at its next step; so does a hook's own `{"async": true}` first line.
 */
export function claudeHookSets(
  hooks: readonly BoundHook[],
  options: ClaudeHooksOptions,
): { sets: Array<{ hooks: Hooks; source: HookSource }>; close(): void } {
  const origins = new Map<string, BoundHook[]>();
  for (const hook of hooks) {
    const key =
      hook.origin.kind === "plugin" ? `Claude Code plugin ${hook.origin.name} (hooks.json)` : hook.origin.file;
    origins.set(key, [...(origins.get(key) ?? []), hook]);
  }
  const background = new Set<RunningHook>();
  const sets = [...origins].map(([name, group]) => ({
    hooks: originHooks(group, options, background),
    source: { name },
  }));
  return {
    sets,
    close() {
      for (const running of background) running.kill();
      background.clear();
    },
  };
}

function originHooks(group: BoundHook[], options: ClaudeHooksOptions, background: Set<RunningHook>): Hooks {
  const of = (event: ClaudeHookEvent) => group.filter((hook) => hook.event === event);
  // What async hooks said, for the model at its next step.
  const pending: string[] = [];
  const takePending = () => pending.splice(0).join("\n") || undefined;

  const subagent = options.subagent;
  const common = (event: ClaudeHookEvent) => ({
    session_id: options.sessionId(),
    transcript_path: options.transcriptPath() ?? "",
    cwd: options.cwd,
    permission_mode: options.permissionMode(),
    hook_event_name: event,
    ...(subagent
      ? { agent_id: subagent.id, agent_type: subagent.type }
      : options.agentType
        ? { agent_type: options.agentType }
        : {}),
  });

  /** Runs the hooks that match, in parallel; the answers of those waited for. */
  const run = async (event: ClaudeHookEvent, hooks: BoundHook[], payload: Record<string, unknown>) => {
    const input = { ...common(event), ...payload };
    // The transcript is in PINCER_HOME, which the OS sandbox hides: this one file is shown, read-only.
    const readable = [input.transcript_path, (payload.agent_transcript_path as string | undefined) ?? ""].filter(
      Boolean,
    );
    const spawnOptions = { ...options, ...(readable.length ? { readable } : {}) };
    const answers = await Promise.all(
      hooks.map(async (hook) => {
        const running = runHookCommand(hook, input, spawnOptions);
        if (hook.async) {
          followInBackground(hook, event, running, running.done, pending, background);
          return undefined;
        }
        const outcome = await running.done;
        if (outcome.detached) {
          followInBackground(hook, event, running, outcome.detached, pending, background);
          return undefined;
        }
        return report(hook, event, outcome, options);
      }),
    );
    return answers.filter((answer): answer is HookAnswer => !!answer?.answered);
  };
  const halt = (answers: HookAnswer[]) => {
    const stop = answers.find((answer) => answer.halt);
    return stop ? { halt: { reason: stop.halt! } } : {};
  };
  const joined = (parts: Array<string | undefined>) => parts.filter(Boolean).join("\n") || undefined;

  const hooks: Hooks = {};
  if (of("PreToolUse").length) {
    hooks.beforeToolCall = async (call): Promise<BeforeToolCallVerdict | undefined> => {
      const matching = of("PreToolUse").filter((hook) => toolHookApplies(hook, call, options.cwd));
      if (!matching.length) return undefined;
      const answers = await run("PreToolUse", matching, toolPayload(call, options.cwd));
      const verdict: BeforeToolCallVerdict = { ...halt(answers) };
      // Claude Code's precedence: deny > defer > ask > allow.
      const denied = answers.find((answer) => answer.blocked);
      if (denied) return { ...verdict, block: { reason: denied.blocked! } };
      const ask = answers.find((answer) => answer.permission === "ask");
      if (ask) verdict.ask = { reason: ask.permissionReason ?? "a hook asks for your approval" };
      else {
        const allow = answers.find((answer) => answer.permission === "allow");
        if (allow) verdict.allow = { reason: allow.permissionReason ?? "a hook allowed it" };
      }
      for (const answer of answers) {
        if (answer.permission === "defer")
          options.warn(`A PreToolUse hook answered "defer", which Pincer does not do; the call goes on.`);
      }
      const updated = answers.find((answer) => answer.updatedInput)?.updatedInput;
      if (updated) verdict.args = fromClaudeInput(call.name, updated);
      const context = joined(answers.map((answer) => answer.context));
      if (context) verdict.context = context;
      return verdict;
    };
  }
  const post = of("PostToolUse");
  const failed = of("PostToolUseFailure");
  hooks.afterToolCall = async (call, result): Promise<AfterToolCallVerdict | undefined> => {
    const event = result.isError ? "PostToolUseFailure" : "PostToolUse";
    const matching = (result.isError ? failed : post).filter((hook) => toolHookApplies(hook, call, options.cwd));
    const text = resultText(result);
    const answers = matching.length
      ? await run(event, matching, {
          ...toolPayload(call, options.cwd),
          ...(result.isError
            ? { error: text, is_interrupt: false }
            : { tool_response: toolResponse(call, text, options.cwd) }),
        })
      : [];
    const verdict: AfterToolCallVerdict = { ...halt(answers) };
    // The tool has run: a block (exit 2 or `decision: block`) is its reason, for the model.
    const context = joined([...answers.map((answer) => joined([answer.blocked, answer.context])), takePending()]);
    if (context) verdict.context = context;
    const replaced = answers.find((answer) => answer.updatedToolOutput !== undefined)?.updatedToolOutput;
    if (replaced !== undefined) {
      verdict.result = {
        content: typeof replaced === "string" ? replaced : JSON.stringify(replaced),
        isError: result.isError,
      };
    }
    return Object.keys(verdict).length ? verdict : undefined;
  };
  // A subagent's prompt is the main agent's, not the user's: UserPromptSubmit is the main session's.
  if (!subagent)
    hooks.promptSubmit = async (prompt): Promise<PromptVerdict | undefined> => {
      const answers = of("UserPromptSubmit").length
        ? await run("UserPromptSubmit", of("UserPromptSubmit"), { prompt })
        : [];
      const verdict: PromptVerdict = { ...halt(answers) };
      const blocked = answers.find((answer) => answer.blocked);
      if (blocked) return { ...verdict, block: { reason: blocked.blocked! } };
      const context = joined([...answers.map((answer) => answer.context), takePending()]);
      if (context) verdict.context = context;
      return Object.keys(verdict).length ? verdict : undefined;
    };
  // A subagent's end is SubagentStop, matched on its type; the main session's is Stop.
  const stopHooks = subagent ? of("SubagentStop").filter((hook) => matches(hook.matcher, subagent.type)) : of("Stop");
  if (stopHooks.length) {
    // stop_hook_active tells a hook it already sent the model back, so it can let it stop.
    let blocks = 0;
    hooks.stop = async (result): Promise<StopVerdict | undefined> => {
      const answers = await run(subagent ? "SubagentStop" : "Stop", stopHooks, {
        stop_hook_active: blocks > 0,
        last_assistant_message: result.text,
        ...(subagent
          ? { agent_transcript_path: subagent.transcriptPath() ?? "" }
          : { background_tasks: [], session_crons: [] }),
      });
      const verdict: StopVerdict = { ...halt(answers) };
      const again = joined(answers.map((answer) => answer.blocked ?? answer.context));
      if (again && blocks < MAX_STOP_BLOCKS) {
        blocks++;
        return { ...verdict, continueWith: again };
      }
      if (again) options.warn(`Stop hooks sent the model back ${MAX_STOP_BLOCKS} times in a row; the turn ends.`);
      blocks = 0;
      return Object.keys(verdict).length ? verdict : undefined;
    };
  }
  const sessionStart = (source: SessionStartSource | "compact") =>
    run(
      "SessionStart",
      of("SessionStart").filter((hook) => matches(hook.matcher, source)),
      { source, model: options.model() },
    );
  if (subagent) return hooks;
  if (of("SessionStart").length) {
    hooks.sessionStart = async () => {
      const context = joined((await sessionStart(options.startSource())).map((answer) => answer.context));
      return context ? { context } : undefined;
    };
  }
  // What started the compaction under way, for PostCompact's `trigger`.
  let compactTrigger: "manual" | "auto" = "auto";
  if (of("PreCompact").length || of("PostCompact").length) {
    hooks.beforeCompaction = async (info) => {
      const trigger = info.manual ? "manual" : "auto";
      compactTrigger = trigger;
      const matching = of("PreCompact").filter((hook) => matches(hook.matcher, trigger));
      if (!matching.length) return undefined;
      const answers = await run("PreCompact", matching, { trigger, custom_instructions: "" });
      if (answers.some((answer) => answer.blocked)) {
        options.warn("A PreCompact hook asked to block the compaction; Pincer compacts anyway.");
      }
      return undefined;
    };
  }
  if (of("PostCompact").length || of("SessionStart").length) {
    hooks.afterCompaction = async (done) => {
      const trigger = compactTrigger;
      const matching = of("PostCompact").filter((hook) => matches(hook.matcher, trigger));
      if (matching.length) await run("PostCompact", matching, { trigger, compact_summary: done.summary });
      // Claude Code runs SessionStart again after a compaction, with source "compact".
      const context = joined((await sessionStart("compact")).map((answer) => answer.context));
      if (context) pending.push(context);
    };
  }
  return hooks;
}

/** The hook's matcher and `if` against a tool call. */
function toolHookApplies(hook: BoundHook, call: ToolCall, cwd: string): boolean {
  if (!matchesTool(hook.matcher, call.name)) return false;
  if (!hook.if) return true;
  const subject = subjectOf(call, cwd);
  return conditionHolds(hook.if, { name: call.name, ...(subject ? { subject } : {}) }, cwd);
}

/** What a call is about, for `if` rules: a command, a path, or a web request's domain. */
export function subjectOf(call: ToolCall, cwd: string): PermissionSubject | undefined {
  const args = call.arguments;
  if (typeof args.command === "string") return { kind: "command", value: args.command };
  if (typeof args.path === "string") return { kind: "path", value: resolve(cwd, args.path) };
  if (typeof args.url === "string") {
    try {
      return { kind: "text", value: `domain:${new URL(args.url).hostname}` };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function toolPayload(call: ToolCall, cwd: string): Record<string, unknown> {
  return {
    tool_name: claudeToolName(call.name),
    tool_input: toClaudeInput(call.name, call.arguments, cwd),
    tool_use_id: call.id,
  };
}

/** A tool's result in the shape Claude Code gives PostToolUse hooks for that tool, where it has one. */
function toolResponse(call: ToolCall, text: string, cwd: string): unknown {
  const input = toClaudeInput(call.name, call.arguments, cwd);
  switch (call.name) {
    case "bash":
      return { stdout: text, stderr: "", interrupted: false, isImage: false };
    case "write":
    case "edit":
      return { filePath: input.file_path, success: true };
    case "read":
      return { type: "text", file: { filePath: input.file_path, content: text } };
    default:
      return text;
  }
}

function resultText(result: ToolResult): string {
  return typeof result.content === "string"
    ? result.content
    : result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
}

/** A hook's failures and messages are the user's to see; its answer goes on. */
function report(
  hook: BoundHook,
  event: ClaudeHookEvent,
  outcome: HookOutcome,
  options: ClaudeHooksOptions,
): HookAnswer {
  const who = describeHook(hook);
  if (outcome.error) options.warn(`${who} could not run: ${outcome.error}`);
  else if (outcome.timedOut) options.warn(`${who} was stopped after its ${hook.timeout}s timeout; going on.`);
  const answer = readAnswer(event, outcome);
  if (answer.failure) options.warn(`${who} ${answer.failure}; going on.`);
  if (answer.systemMessage) options.warn(`${who}: ${answer.systemMessage}`);
  // SessionStart's exit 2 is shown to the user only.
  if (event === "SessionStart" && answer.blocked) {
    options.warn(`${who}: ${answer.blocked}`);
    delete answer.blocked;
  }
  return answer;
}

/**
 * An async hook (or one that said `{"async": true}`): not waited for; when it ends, its
 * `additionalContext` and `systemMessage` reach the model at its next step (neither is shown to
 * the user, as in Claude Code), and an `asyncRewake` hook's exit 2 brings its message. Its
 * decisions have no effect: what they would have decided has happened. Killed when the session ends.
 */
function followInBackground(
  hook: BoundHook,
  event: ClaudeHookEvent,
  running: RunningHook,
  done: Promise<HookOutcome>,
  pending: string[],
  background: Set<RunningHook>,
): void {
  background.add(running);
  void done.then((outcome) => {
    background.delete(running);
    if (outcome.error || outcome.timedOut) return;
    const answer = readAnswer(event, outcome);
    const said = [answer.context, answer.systemMessage];
    if (hook.asyncRewake && outcome.code === 2) said.push(outcome.stderr.trim() || outcome.stdout.trim());
    const text = said.filter(Boolean).join("\n");
    const who = hook.origin.kind === "plugin" ? `plugin ${hook.origin.name}` : hook.origin.file;
    if (text) pending.push(`A ${hook.event} hook of ${who} (it ran in the background) says: ${text}`);
  });
}
