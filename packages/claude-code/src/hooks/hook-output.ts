import type { ClaudeHookEvent } from "../plugins/claude-plugin-hooks.js";
import type { HookOutcome } from "./hook-process.js";

/**
 * What one hook's run said, read as Claude Code reads it (hooks reference, "Exit code output" and
 * "JSON output"): exit 0 — stdout that is one JSON object is the structured answer, plain stdout
 * is context where the event takes it (UserPromptSubmit, SessionStart); exit 2 — a blocking
 * error, stderr is the message and stdout (JSON included) is ignored; any other exit — a
 * non-blocking error, stdout ignored. A timed-out hook or one that could not start says nothing.
 */
export interface HookAnswer {
  /** The run gave an answer (false: it timed out or did not start). */
  answered: boolean;
  /** A non-blocking error to report (another exit code without JSON), its first stderr line. */
  failure?: string;
  /** Exit 2, or a blocking decision (`decision: "block"`, `permissionDecision: "deny"`): the message. */
  blocked?: string;
  /** `continue: false`: the session stops, `stopReason` shown to the user. */
  halt?: string;
  /** `systemMessage`: a warning shown to the user. */
  systemMessage?: string;
  /** Context for the model: `additionalContext`, or plain stdout where the event takes it. */
  context?: string;
  /** PreToolUse: `permissionDecision` other than deny. */
  permission?: "allow" | "ask" | "defer";
  permissionReason?: string;
  /** PreToolUse: `updatedInput`, in Claude Code's argument names. */
  updatedInput?: Record<string, unknown>;
  /** PostToolUse: `updatedToolOutput` (or `updatedMCPToolOutput`). */
  updatedToolOutput?: unknown;
}

/** Events where plain stdout on exit 0 is context for the model. */
const PLAIN_CONTEXT: readonly ClaudeHookEvent[] = ["UserPromptSubmit", "SessionStart"];

/** Claude Code caps hook output strings at 10,000 characters. */
export const HOOK_TEXT_MAX = 10_000;

export function readAnswer(event: ClaudeHookEvent, outcome: HookOutcome): HookAnswer {
  if (outcome.error || outcome.timedOut) return { answered: false };
  const stderr = outcome.stderr.trim();
  const answer: HookAnswer = { answered: true };
  if (outcome.code === 2) {
    answer.blocked = cap(stderr) || "a hook refused it (exit 2)";
    return answer;
  }
  if (outcome.code !== 0) {
    answer.failure = `failed with non-blocking status code ${outcome.code ?? "(killed)"}${stderr ? `: ${stderr.split("\n")[0]!.slice(0, 300)}` : ""}`;
    return answer;
  }
  const json = parseJson(outcome.stdout);
  const specific = (json?.hookSpecificOutput ?? {}) as Record<string, unknown>;
  if (json) {
    if (json.continue === false) answer.halt = text(json.stopReason) ?? "a hook stopped the session";
    const message = text(json.systemMessage);
    if (message) answer.systemMessage = message;
    const context = text(specific.additionalContext);
    if (context) answer.context = context;
  }
  // The blocking decision JSON makes, per event.
  let jsonBlock: string | undefined;
  if (json && event === "PreToolUse") {
    // `decision: approve|block` is PreToolUse's deprecated form of allow|deny.
    const legacy = json.decision === "approve" ? "allow" : json.decision === "block" ? "deny" : undefined;
    const decision = (typeof specific.permissionDecision === "string" ? specific.permissionDecision : legacy) as
      | string
      | undefined;
    const reason = text(specific.permissionDecisionReason) ?? text(json.reason);
    if (decision === "deny") jsonBlock = reason ?? "a hook denied it";
    else if (decision === "allow" || decision === "ask" || decision === "defer") {
      answer.permission = decision;
      if (reason) answer.permissionReason = reason;
    }
    const input = specific.updatedInput;
    if (input && typeof input === "object" && !Array.isArray(input))
      answer.updatedInput = input as Record<string, unknown>;
  } else if (json?.decision === "block") {
    jsonBlock = text(json.reason) ?? "a hook blocked it";
  }
  if (json && event === "PostToolUse") {
    const replaced = specific.updatedToolOutput ?? specific.updatedMCPToolOutput;
    if (replaced !== undefined) answer.updatedToolOutput = replaced;
  }
  if (jsonBlock) answer.blocked = jsonBlock;
  else if (!json) {
    const plain = outcome.stdout.trim();
    if (plain && PLAIN_CONTEXT.includes(event)) answer.context = cap(plain);
  }
  return answer;
}

function parseJson(stdout: string): Record<string, unknown> | undefined {
  const trimmed = stdout.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? cap(value.trim()) : undefined;
}

function cap(value: string): string {
  return value.length > HOOK_TEXT_MAX
    ? `${value.slice(0, HOOK_TEXT_MAX)}… [cut at ${HOOK_TEXT_MAX} characters]`
    : value;
}
