import type {
  AssistantMessage,
  KernelEvent,
  SpendBreakdown,
  ToolResultMessage,
  TurnResult,
  Usage,
} from "@pincer/kernel";
import { attachPieces, formatUsd, messageText, piecesOf } from "@pincer/kernel";

/**
 * Headless output in Claude Code's `stream-json` / `json` shapes, so scripts and SDK
 * consumers written for it read Pincer unchanged.
 */
export function assistantLine(message: AssistantMessage, sessionId: string) {
  return {
    type: "assistant",
    session_id: sessionId,
    message: {
      role: "assistant",
      model: message.model,
      // A long text keeps its flat pieces (long-text.ts): the line is written from them, never flattened.
      content: message.content.map((block) => {
        if (block.type === "text") {
          const line = { type: "text", text: block.text };
          attachPieces(line, "text", piecesOf(block, "text"));
          return line;
        }
        if (block.type === "thinking") {
          const line = { type: "thinking", thinking: block.thinking };
          attachPieces(line, "thinking", piecesOf(block, "thinking"));
          return line;
        }
        return { type: "tool_use", id: block.id, name: block.name, input: block.arguments };
      }),
      stop_reason: message.stopReason,
      usage: usageFields(message.usage),
    },
  };
}

export function toolResultLine(result: ToolResultMessage, sessionId: string) {
  return {
    type: "user",
    session_id: sessionId,
    message: {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: result.toolCallId, content: messageText(result), is_error: result.isError },
      ],
    },
  };
}

export function initLine(event: Extract<KernelEvent, { type: "session_start" }>, permissionMode: string) {
  return {
    type: "system",
    subtype: "init",
    session_id: event.sessionId,
    cwd: event.cwd,
    model: event.model,
    tools: event.tools,
    permissionMode,
    resumed: event.resumed,
  };
}

export interface PermissionDenial {
  tool_name: string;
  tool_use_id: string;
  reason: string;
}

export function resultLine(options: {
  result: TurnResult;
  sessionId: string;
  durationMs: number;
  denials: PermissionDenial[];
  /** What the run spent, by kind (Pincer's addition to the line). */
  spend?: SpendBreakdown;
  /** The flat pieces of `result.text`, where `result` is a copy that lost them (long-text.ts). */
  textPieces?: readonly string[] | undefined;
}) {
  const { result } = options;
  const failed = result.stopReason !== "end_turn" || options.denials.length > 0;
  const subtype =
    result.stopReason === "end_turn"
      ? "success"
      : result.stopReason === "max_turns"
        ? "error_max_turns"
        : "error_during_execution";
  const line = {
    type: "result",
    subtype,
    is_error: failed,
    duration_ms: options.durationMs,
    num_turns: result.steps,
    result: result.error ?? result.text,
    stop_reason: result.stopReason,
    session_id: options.sessionId,
    total_cost_usd: result.usage.cost.total,
    usage: usageFields(result.usage),
    permission_denials: options.denials,
    ...(options.spend ? { spend: spendFields(options.spend) } : {}),
  };
  if (result.error === undefined) attachPieces(line, "result", options.textPieces ?? piecesOf(result, "text"));
  return line;
}

/** `spend` on the result line: the model's cost and the costed calls' estimates by kind (job, endpoint, tool). */
function spendFields(spend: SpendBreakdown) {
  return {
    model_usd: spend.modelUsd,
    ...Object.fromEntries(Object.entries(spend.calls).map(([kind, usd]) => [`${kind}_usd`, usd])),
    total_usd: spend.totalUsd,
    ...(spend.capUsd !== undefined ? { budget_usd: spend.capUsd } : {}),
  };
}

/**
 * The run's spending as a person reads it, when something besides the model was spent or a
 * budget was set: `Spent $3.20: model $0.20, job $3.00 (estimated) of a $5.00 budget`.
 */
export function spendSummary(spend: SpendBreakdown): string | undefined {
  const calls = Object.entries(spend.calls).filter(([, usd]) => usd > 0);
  if (calls.length === 0 && spend.capUsd === undefined) return undefined;
  const parts = [`model ${formatUsd(spend.modelUsd)}`, ...calls.map(([kind, usd]) => `${kind} ${formatUsd(usd)}`)];
  const estimated = calls.length > 0 ? " (calls as estimated)" : "";
  const cap = spend.capUsd !== undefined ? ` of a ${formatUsd(spend.capUsd)} budget` : "";
  return `Spent ${formatUsd(spend.totalUsd)}${cap}: ${parts.join(", ")}${estimated}`;
}

function usageFields(usage: Usage) {
  return {
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_read_input_tokens: usage.cacheRead,
    cache_creation_input_tokens: usage.cacheWrite,
  };
}
