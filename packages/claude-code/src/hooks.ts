import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  bwrapArgs,
  childEnv,
  createPrivateTmp,
  killGroup,
  type OsSandboxPolicy,
  type OsSandboxSettings,
  processRecordsFor,
  resolveOsSandbox,
  spawnGuarded,
} from "@pincer/host";
import type { HookSource, Hooks, ToolCall, ToolResult } from "@pincer/kernel";
import type { ClaudeHookCommand, ClaudeHookEvent } from "./plugins/claude-plugin-hooks.js";
import type { ClaudePlugin } from "./plugins/claude-plugin-read.js";
import { CLAUDE_TOOL_NAMES } from "./tool-names.js";

/**
 * Claude Code plugin hooks (`hooks/hooks.json`) as kernel hooks. Each is a shell command the user
 * saw and accepted at install; it gets the event as JSON on stdin (Claude Code's fields), and
 * answers with its exit code: 0 goes on (for UserPromptSubmit and SessionStart, stdout becomes
 * context for the model), 2 blocks (stderr is the reason the model reads), anything else is a
 * warning and the session goes on. One that outlives its timeout is killed with a warning.
 *
 * Commands run with the minimal environment every spawned command gets (PATH, HOME, locale…, no
 * keys or tokens; see @pincer/host child-env) plus CLAUDE_PLUGIN_ROOT and CLAUDE_PROJECT_DIR, die
 * with Pincer, and, where bubblewrap works, run in the OS sandbox: no network, writable only in
 * the workspace, the plugin's folder readable. Without bubblewrap they run unconfined (the user
 * approved each command at install; the start-up notice says there is no sandbox).
 */

const CLAUDE_NAME_OF = Object.fromEntries(Object.entries(CLAUDE_TOOL_NAMES).map(([claude, own]) => [own, claude]));

export interface HookRunnerOptions {
  plugins: ClaudePlugin[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  sessionId: () => string;
  /** Where the session's transcript is (Claude's `transcript_path`), when known. */
  transcriptPath?: () => string | undefined;
  osSandbox?: OsSandboxSettings;
  warn(message: string): void;
}

interface BoundHook extends ClaudeHookCommand {
  plugin: ClaudePlugin;
}

export interface HookOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the command could not start at all. */
  error?: string;
}

/**
 * Each installed Claude Code plugin's hook commands as one named source for the kernel's hook
 * dispatcher, the mechanism Pincer's own plugin hooks use too: a failure the adapter does not
 * handle itself is reported once under the plugin's name, and the session goes on.
 */
export function claudeCodeHookSets(options: HookRunnerOptions): Array<{ hooks: Hooks; source: HookSource }> {
  return options.plugins.flatMap((plugin) => {
    const hooks = createPluginHooks({ ...options, plugins: [plugin] });
    return hooks ? [{ hooks, source: { name: `Claude Code plugin ${plugin.name} (hooks.json)` } }] : [];
  });
}

/** Kernel hooks for every installed plugin's hook commands, or undefined when there are none. */
export function createPluginHooks(options: HookRunnerOptions): Hooks | undefined {
  const all: BoundHook[] = options.plugins.flatMap((plugin) => plugin.hooks.map((hook) => ({ ...hook, plugin })));
  if (all.length === 0) return undefined;
  const of = (event: ClaudeHookEvent) => all.filter((hook) => hook.event === event);
  const base = () => ({
    session_id: options.sessionId(),
    transcript_path: options.transcriptPath?.() ?? "",
    cwd: options.cwd,
  });
  const run = async (event: ClaudeHookEvent, hooks: BoundHook[], payload: Record<string, unknown>) => {
    const outcomes: Array<{ hook: BoundHook; outcome: HookOutcome }> = [];
    for (const hook of hooks) {
      const outcome = await runHookCommand(hook, { ...base(), hook_event_name: event, ...payload }, options);
      const who = `${hook.plugin.name} ${event} hook \`${hook.command}\``;
      if (outcome.error) options.warn(`${who} could not run: ${outcome.error}`);
      else if (outcome.timedOut) options.warn(`${who} was stopped after its ${hook.timeout}s timeout; going on.`);
      else if (outcome.code !== 0 && outcome.code !== 2) {
        const detail = outcome.stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300);
        options.warn(`${who} failed (exit ${outcome.code ?? "by signal"})${detail ? `: ${detail}` : ""}; going on.`);
      }
      outcomes.push({ hook, outcome });
    }
    return outcomes;
  };
  const blockReason = (outcome: HookOutcome) => {
    if (outcome.timedOut || outcome.error) return undefined;
    if (outcome.code === 2) return outcome.stderr.trim() || "a plugin hook refused it (exit 2)";
    // The JSON answer: `{ "decision": "block", "reason" }`, or PreToolUse's permissionDecision "deny".
    const json = parseJson(outcome.stdout);
    const specific = json?.hookSpecificOutput as
      | { permissionDecision?: unknown; permissionDecisionReason?: unknown }
      | undefined;
    if (outcome.code === 0 && specific?.permissionDecision === "deny") {
      return String(specific.permissionDecisionReason ?? "a plugin hook denied it");
    }
    if (outcome.code === 0 && json?.decision === "block") return String(json.reason ?? "a plugin hook blocked it");
    return undefined;
  };
  const context = (outcome: HookOutcome) => {
    if (outcome.code !== 0 || outcome.timedOut) return undefined;
    const json = parseJson(outcome.stdout);
    const extra = (json?.hookSpecificOutput as { additionalContext?: unknown } | undefined)?.additionalContext;
    if (json) return typeof extra === "string" && extra.trim() ? extra.trim() : undefined;
    return outcome.stdout.trim() || undefined;
  };

  const hooks: Hooks = {};
  const toolHooks = (event: "PreToolUse" | "PostToolUse", call: ToolCall) =>
    of(event).filter((hook) => matches(hook.matcher, call.name));
  if (of("PreToolUse").length) {
    hooks.beforeToolCall = async (call) => {
      const matching = toolHooks("PreToolUse", call);
      if (!matching.length) return undefined;
      const outcomes = await run("PreToolUse", matching, toolPayload(call));
      for (const { outcome } of outcomes) {
        const reason = blockReason(outcome);
        if (reason) return { block: { reason } };
      }
      return undefined;
    };
  }
  if (of("PostToolUse").length) {
    hooks.afterToolCall = async (call, result) => {
      const matching = toolHooks("PostToolUse", call);
      if (!matching.length) return undefined;
      const outcomes = await run("PostToolUse", matching, {
        ...toolPayload(call),
        tool_response: toolResponse(result),
      });
      // The tool has run: a "block" here is feedback for the model, as in Claude Code.
      const notes = outcomes.map(({ outcome }) => blockReason(outcome)).filter((note): note is string => !!note);
      return notes.length ? { context: notes.join("\n") } : undefined;
    };
  }
  if (of("UserPromptSubmit").length) {
    hooks.promptSubmit = async (prompt) => {
      const outcomes = await run("UserPromptSubmit", of("UserPromptSubmit"), { prompt });
      const notes: string[] = [];
      for (const { outcome } of outcomes) {
        const reason = blockReason(outcome);
        if (reason) return { block: { reason } };
        const note = context(outcome);
        if (note) notes.push(note);
      }
      return notes.length ? { context: notes.join("\n") } : undefined;
    };
  }
  if (of("SessionStart").length) {
    hooks.sessionStart = async ({ resumed }) => {
      const outcomes = await run("SessionStart", of("SessionStart"), { source: resumed ? "resume" : "startup" });
      const notes = outcomes.map(({ outcome }) => context(outcome)).filter((note): note is string => !!note);
      return notes.length ? { context: notes.join("\n") } : undefined;
    };
  }
  if (of("Stop").length) {
    // stop_hook_active tells a hook it already sent the model back once, so it can let it stop.
    let active = false;
    hooks.stop = async () => {
      const outcomes = await run("Stop", of("Stop"), { stop_hook_active: active });
      for (const { outcome } of outcomes) {
        const reason = blockReason(outcome);
        if (reason) {
          active = true;
          return { continueWith: reason };
        }
      }
      active = false;
      return undefined;
    };
  }
  return hooks;
}

/**
 * Claude Code's matcher rules: absent, "" or "*" match every tool; letters, digits and `|` only
 * are exact names; anything else is a regular expression searched in the name. Both Claude's
 * name (`Bash`) and Pincer's (`bash`) are tried, so either spelling works.
 */
export function matches(matcher: string | undefined, toolName: string): boolean {
  if (!matcher || matcher === "*") return true;
  const names = [toolName, CLAUDE_NAME_OF[toolName]].filter((name): name is string => !!name);
  if (/^[A-Za-z0-9_|]+$/.test(matcher)) {
    const wanted = matcher.split("|").map((name) => CLAUDE_TOOL_NAMES[name] ?? name);
    return wanted.includes(toolName);
  }
  try {
    const pattern = new RegExp(matcher);
    return names.some((name) => pattern.test(name));
  } catch {
    return false;
  }
}

function toolPayload(call: ToolCall): Record<string, unknown> {
  return { tool_name: CLAUDE_NAME_OF[call.name] ?? call.name, tool_input: call.arguments };
}

function toolResponse(result: ToolResult & { isError: boolean }): unknown {
  const text =
    typeof result.content === "string"
      ? result.content
      : result.content.map((block) => (block.type === "text" ? block.text : `[${block.type}]`)).join("\n");
  return { output: text, is_error: result.isError };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `CLAUDE_PLUGIN_DATA`, and Python's bytecode cache kept there (PYTHONPYCACHEPREFIX) rather than in
 * `__pycache__` beside the plugin's code: Python then neither writes into the consented folder nor
 * loads bytecode from it (see @pincer/host isRuntimeCache).
 */
export function pluginDataEnv(plugin: { dataDir?: string }): Record<string, string> {
  if (!plugin.dataDir) return {};
  mkdirSync(plugin.dataDir, { recursive: true });
  return { CLAUDE_PLUGIN_DATA: plugin.dataDir, PYTHONPYCACHEPREFIX: join(plugin.dataDir, "pycache") };
}

const policies = new Map<string, { policy: OsSandboxPolicy | undefined; tmp?: string }>();
const OUTPUT_LIMIT = 64 * 1024;

/** Runs one hook command: clean env, event JSON on stdin, killed (with its children) at its timeout. */
export function runHookCommand(
  hook: ClaudeHookCommand & { plugin: ClaudePlugin },
  payload: Record<string, unknown>,
  options: Pick<HookRunnerOptions, "cwd" | "env" | "osSandbox">,
): Promise<HookOutcome> {
  const root = hook.plugin.root;
  const command = hook.command.replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, () => root);
  const env = childEnv(options.env, options.osSandbox?.env ?? [], {
    CLAUDE_PLUGIN_ROOT: root,
    CLAUDE_PROJECT_DIR: options.cwd,
    ...pluginDataEnv(hook.plugin),
  });
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  let file = "/bin/sh";
  let args = ["-c", command];
  try {
    const key = `${options.cwd}\0${root}`;
    let sandbox = policies.get(key);
    if (!sandbox) {
      const policy = resolveOsSandbox(
        { ...options.osSandbox, network: false },
        {
          writeRoots: [options.cwd, ...(hook.plugin.dataDir ? [hook.plugin.dataDir] : [])],
          readRoots: [root],
          env: options.env,
        },
      );
      sandbox = policy ? { policy, tmp: createPrivateTmp() } : { policy: undefined };
      policies.set(key, sandbox);
    }
    if (sandbox.policy && sandbox.tmp) {
      file = sandbox.policy.bwrap;
      args = bwrapArgs(sandbox.policy, { cwd: options.cwd, privateTmp: sandbox.tmp, argv: ["/bin/sh", "-c", command] });
    }
  } catch (error) {
    // sandbox.os "bwrap" on a machine without it: the hook does not run unconfined.
    return Promise.resolve({ code: null, stdout: "", stderr: "", timedOut: false, error: (error as Error).message });
  }
  return new Promise((done) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const finish = (outcome: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(outcome);
    };
    const records = processRecordsFor(options.osSandbox?.stateDir);
    const child = spawnGuarded(file, args, {
      cwd: options.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      diesWithParent: file !== "/bin/sh",
      label: `hook (${hook.plugin.name}): ${command}`,
      ...(records ? { records } : {}),
    });
    const kill = () => {
      if (!child.pid || !killGroup(child.pid, "SIGKILL")) child.kill("SIGKILL");
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, hook.timeout * 1000);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk.toString("utf8");
    });
    child.on("error", (error) => finish({ code: null, stdout, stderr, timedOut, error: error.message }));
    let exitCode: number | null = null;
    const settle = () => finish({ code: timedOut ? null : exitCode, stdout, stderr, timedOut });
    child.on("close", settle);
    // A hook that leaves a background child holding its pipes still finishes soon after it exits.
    child.on("exit", (code) => {
      exitCode = code;
      setTimeout(settle, 500).unref();
    });
    child.stdin?.on("error", () => {
      // A hook that does not read its stdin closes it early; that is fine.
    });
    child.stdin?.end(`${JSON.stringify(payload)}\n`);
  });
}
