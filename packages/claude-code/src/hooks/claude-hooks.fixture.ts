import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hooks, ToolCall } from "@pincer/kernel";
import type { ClaudeHookCommand } from "../plugins/claude-plugin-hooks.js";
import { claudeHookSets, type SessionStartSource } from "./claude-hooks.js";
import type { BoundHook } from "./hook-process.js";

/** Test fixtures for Claude Code hooks: hook sets over real commands in temporary folders. */

const dirs: string[] = [];
const closers: Array<() => void> = [];

/** For afterEach: stops background hooks and removes the folders. */
export function cleanUp(): void {
  for (const close of closers.splice(0)) close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), "pincer-hooks-"));
  dirs.push(dir);
  return dir;
}

export type Spec = Partial<ClaudeHookCommand> & Pick<ClaudeHookCommand, "event" | "command">;

/** One plugin's hooks as kernel hooks, run unconfined (the e2e tests cover the sandbox). */
export function setup(specs: Spec[], source: SessionStartSource = "startup", subagent?: { id: string; type: string }) {
  const cwd = temp();
  const root = temp();
  const bound: BoundHook[] = specs.map((spec) => ({
    timeout: 60,
    ...spec,
    origin: { kind: "plugin", name: "p", root, dataDir: join(root, "..", `${root.split("/").at(-1)}-data`) },
  }));
  dirs.push(join(root, "..", `${root.split("/").at(-1)}-data`));
  const warnings: string[] = [];
  const { sets, close } = claudeHookSets(bound, {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, SECRET_TOKEN: "nope" },
    osSandbox: { os: "off" },
    sessionId: () => "session-1",
    transcriptPath: () => join(cwd, "transcript.jsonl"),
    permissionMode: () => "default",
    model: () => "openai/gpt-5",
    startSource: () => source,
    warn: (message) => warnings.push(message),
    ...(subagent ? { subagent: { ...subagent, transcriptPath: () => join(cwd, "agent.jsonl") } } : {}),
  });
  closers.push(close);
  return { hooks: sets[0]!.hooks as Required<Hooks>, warnings, cwd, root };
}

export const call = (name: string, args: Record<string, unknown> = {}): ToolCall => ({
  type: "toolCall",
  id: "c1",
  name,
  arguments: args,
});

/** A hook that records its input in the workspace and answers `answer` (JSON) or plain text. */
export const answering = (answer: unknown, file = "event.json") =>
  `cat > "$CLAUDE_PROJECT_DIR/${file}"; printf '%s' '${typeof answer === "string" ? answer : JSON.stringify(answer)}'`;

export const turn = (text = "") => ({ stopReason: "end_turn", steps: 1, usage: {}, text }) as never;
