import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  bwrapArgs,
  childEnv,
  createPrivateTmp,
  type OsSandboxPolicy,
  type OsSandboxSettings,
  processRecordsFor,
  resolveOsSandbox,
  spawnGuarded,
} from "@pincer/host";
import type { ClaudeHookCommand } from "../plugins/claude-plugin-hooks.js";

/** Where a hook came from: a plugin the user accepted at install, or a settings file. */
export type HookOrigin =
  | { kind: "plugin"; name: string; root: string; dataDir?: string }
  | { kind: "settings"; file: string; scope: "user" | "project" };

export interface BoundHook extends ClaudeHookCommand {
  origin: HookOrigin;
}

export interface HookOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the command could not start at all. */
  error?: string;
  /**
   * The hook said `{"async": true}` as its first line of output (the Agent SDK's way for a hook to
   * go on in the background): it was not waited for; this is what it says when it ends.
   */
  detached?: Promise<HookOutcome>;
}

export interface HookProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  osSandbox?: OsSandboxSettings;
  /**
   * More paths the hook may read inside the OS sandbox: the session's transcript, which lives in
   * PINCER_HOME (masked for every command) and which hooks read at `transcript_path`.
   */
  readable?: string[];
}

/** A running hook: its outcome, and how to stop it early (an async hook when the session ends). */
export interface RunningHook {
  done: Promise<HookOutcome>;
  kill(): void;
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

/** Who a hook is, in messages: `plugin lint PreToolUse hook \`…\``. */
export function describeHook(hook: BoundHook): string {
  const who = hook.origin.kind === "plugin" ? hook.origin.name : hook.origin.file;
  return `${who} ${hook.event} hook \`${[hook.command, ...(hook.args ?? [])].join(" ")}\``;
}

const policies = new Map<string, { policy: OsSandboxPolicy | undefined; tmp?: string }>();
const OUTPUT_LIMIT = 64 * 1024;

/**
 * Runs one hook command as Claude Code does (the event JSON on stdin; shell form through `sh -c`,
 * exec form with `args` and no shell; `${CLAUDE_PROJECT_DIR}`, `${CLAUDE_PLUGIN_ROOT}`,
 * `${CLAUDE_PLUGIN_DATA}` filled in and exported), with what Pincer adds: the minimal environment
 * every spawned command gets (no keys or tokens), killed with its children at its timeout and
 * with Pincer, and — where bubblewrap works — in the OS sandbox: writable only in the workspace
 * (and a plugin's data folder), a plugin's folder readable, no network unless it is the user's own
 * hook and their sandbox settings give it.
 */
export function runHookCommand(
  hook: BoundHook,
  payload: Record<string, unknown>,
  options: HookProcessOptions,
): RunningHook {
  const origin = hook.origin;
  const plugin = origin.kind === "plugin" ? origin : undefined;
  const data = plugin ? pluginDataEnv(plugin) : {};
  const fill = (text: string) =>
    text
      .replace(/\$\{CLAUDE_PROJECT_DIR\}/g, () => options.cwd)
      .replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, () => plugin?.root ?? "${CLAUDE_PLUGIN_ROOT}")
      .replace(/\$\{CLAUDE_PLUGIN_DATA\}/g, () => data.CLAUDE_PLUGIN_DATA ?? "${CLAUDE_PLUGIN_DATA}");
  const env = childEnv(options.env, options.osSandbox?.env ?? [], {
    CLAUDE_PROJECT_DIR: options.cwd,
    ...(plugin ? { CLAUDE_PLUGIN_ROOT: plugin.root } : {}),
    ...data,
  });
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  const argv = hook.args ? [fill(hook.command), ...hook.args.map(fill)] : ["/bin/sh", "-c", fill(hook.command)];
  let file = argv[0]!;
  let args = argv.slice(1);
  const userOwn = origin.kind === "settings" && origin.scope === "user";
  try {
    const readable = options.readable ?? [];
    // The sandbox settings are part of the key: a session that demands bwrap never reuses the
    // unconfined answer an earlier session's settings gave for the same folder.
    const key = JSON.stringify([options.cwd, plugin?.root ?? "", userOwn, readable, options.osSandbox ?? {}]);
    let sandbox = policies.get(key);
    if (!sandbox) {
      const policy = resolveOsSandbox(userOwn ? { ...options.osSandbox } : { ...options.osSandbox, network: false }, {
        writeRoots: [options.cwd, ...(plugin?.dataDir ? [plugin.dataDir] : [])],
        readRoots: [...(plugin ? [plugin.root] : []), ...readable],
        env: options.env,
      });
      sandbox = policy ? { policy, tmp: createPrivateTmp() } : { policy: undefined };
      policies.set(key, sandbox);
    }
    if (sandbox.policy && sandbox.tmp) {
      file = sandbox.policy.bwrap;
      args = bwrapArgs(sandbox.policy, { cwd: options.cwd, privateTmp: sandbox.tmp, argv });
    }
  } catch (error) {
    // sandbox.os "bwrap" on a machine without it: the hook does not run unconfined.
    const outcome = { code: null, stdout: "", stderr: "", timedOut: false, error: (error as Error).message };
    return { done: Promise.resolve(outcome), kill: () => {} };
  }
  let kill = () => {};
  let detach: ((rest: Promise<HookOutcome>) => void) | undefined;
  const done = new Promise<HookOutcome>((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    let detachedLine: string | undefined;
    let resolveRest: ((outcome: HookOutcome) => void) | undefined;
    detach = (rest) => resolve({ code: null, stdout: detachedLine ?? "", stderr: "", timedOut: false, detached: rest });
    const finish = (outcome: HookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (resolveRest) resolveRest({ ...outcome, stdout: outcome.stdout.slice((detachedLine ?? "").length) });
      else resolve(outcome);
    };
    const records = processRecordsFor(options.osSandbox?.stateDir);
    const child = spawnGuarded(file, args, {
      cwd: options.cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      diesWithParent: file !== "/bin/sh",
      label: `hook: ${describeHook(hook)}`,
      ...(records ? { records } : {}),
    });
    kill = () => child.signalGroup("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, hook.timeout * 1000);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk.toString("utf8");
      if (detachedLine === undefined && !resolveRest && stdout.includes("\n")) {
        const first = stdout.slice(0, stdout.indexOf("\n") + 1);
        if (isAsyncAnnouncement(first)) {
          detachedLine = first;
          detach?.(new Promise<HookOutcome>((rest) => (resolveRest = rest)));
        } else detachedLine = "";
      }
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
  return { done, kill: () => kill() };
}

/** `{"async": true}` (with an optional `asyncTimeout`) as a line of its own. */
function isAsyncAnnouncement(line: string): boolean {
  try {
    const value = JSON.parse(line) as { async?: unknown } | null;
    return !!value && typeof value === "object" && value.async === true;
  } catch {
    return false;
  }
}
