import type { MessageParam, OutputConfig, ThinkingConfigParam } from "@anthropic-ai/sdk/resources/messages";
import type { ModelRequest } from "@pincer/sdk";
import { cataloguedThinking } from "./models.js";

export type Effort = NonNullable<ModelRequest["reasoning"]>;

/**
 * How a model takes a request to think.
 * - `adaptive`: `thinking: { type: "adaptive" }` plus `output_config.effort`; the model decides how
 *   much to think. Opus 4.7+, every 5.x model, Fable and Mythos accept only this (a budget is a 400).
 *   `alwaysOnEffort`: the model thinks even when not asked, at this default effort.
 * - `budget`: extended thinking, `{ type: "enabled", budget_tokens }` (Haiku 4.5, Sonnet and Opus 4.5
 *   and earlier), which know no adaptive mode.
 */
export type ThinkingStyle = { kind: "adaptive"; alwaysOnEffort?: Effort } | { kind: "budget" };

/** The catalogue's answer for a known model; for any other id, the naming rule below. */
export function thinkingStyle(model: string): ThinkingStyle {
  return cataloguedThinking(model) ?? (adaptiveByName(model) ? { kind: "adaptive" } : { kind: "budget" });
}

// `claude-<family>-<major>[-<minor>]`, optionally followed by a date (`-20260205`) or a vendor tail.
const VERSIONED = /claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?(?!\d)/;
const ADAPTIVE_FAMILIES = /(?:^|[^a-z])(?:fable|mythos)(?:-|$)/;

/**
 * Models newer than this plugin only take adaptive thinking, so a new id works on the day it ships:
 * major 5 and up, Opus 4.6–4.9, Sonnet 4.6 and up, Fable and Mythos. Everything older takes a budget.
 */
function adaptiveByName(model: string): boolean {
  const id = model.toLowerCase();
  if (ADAPTIVE_FAMILIES.test(id)) return true;
  const match = VERSIONED.exec(id);
  if (!match) return false;
  const [, family, majorText, minorText] = match;
  const major = Number(majorText);
  const minor = Number(minorText ?? 0);
  if (major >= 5) return true;
  return major === 4 && (family === "opus" || family === "sonnet") && minor >= 6;
}

/** Budgets for the kernel's reasoning levels, and what adaptive thinking at that effort may use. */
const THINKING_BUDGET: Record<Effort, number> = { low: 2_048, medium: 8_192, high: 24_576 };
/** Thinking and the answer share max_tokens: this much is kept for the answer. */
const ANSWER_ROOM = 4_096;
const DEFAULT_MAX_TOKENS = 16_384;

export interface ThinkingParams {
  max_tokens: number;
  thinking?: ThinkingConfigParam;
  output_config?: OutputConfig;
}

/**
 * max_tokens and the thinking fields of a Messages request. Without `request.reasoning` no thinking
 * field is sent (models that always think still do, so their max_tokens keeps room for it).
 */
export function thinkingParams(request: ModelRequest): ThinkingParams {
  const style = thinkingStyle(request.model);
  const requested = request.maxOutputTokens ?? DEFAULT_MAX_TOKENS;
  const level = request.reasoning;
  const roomFor = (effort: Effort | undefined) =>
    effort ? Math.max(requested, THINKING_BUDGET[effort] + ANSWER_ROOM) : requested;
  if (style.kind === "budget") {
    if (!level) return { max_tokens: requested };
    return { max_tokens: roomFor(level), thinking: { type: "enabled", budget_tokens: THINKING_BUDGET[level] } };
  }
  if (!level) return { max_tokens: roomFor(style.alwaysOnEffort) };
  return {
    max_tokens: roomFor(level),
    thinking: { type: "adaptive", display: "summarized" },
    output_config: { effort: level },
  };
}

/**
 * Whether thinking can be asked for with these messages. With thinking on, the API requires the
 * assistant turn a tool loop continues from to start with its thinking block, and one written by
 * another model (or before thinking was turned on) was dropped or never existed: that request
 * goes without thinking rather than fail with a 400. Models that always think get it regardless.
 */
export function thinkingAllowed(messages: readonly MessageParam[]): boolean {
  const last = messages.at(-1);
  const continuesToolLoop =
    last?.role === "user" && Array.isArray(last.content) && last.content.some((block) => block.type === "tool_result");
  if (!continuesToolLoop) return true;
  const assistant = messages.at(-2);
  if (assistant?.role !== "assistant" || !Array.isArray(assistant.content)) return true;
  const first = assistant.content[0];
  return first?.type === "thinking" || first?.type === "redacted_thinking";
}

/** thinkingParams, less the thinking fields when the conversation can't take them (see thinkingAllowed). */
export function thinkingParamsFor(request: ModelRequest, messages: readonly MessageParam[]): ThinkingParams {
  const params = thinkingParams(request);
  if (!params.thinking || thinkingAllowed(messages)) return params;
  return { max_tokens: params.max_tokens };
}
