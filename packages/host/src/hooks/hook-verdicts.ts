import type {
  AfterToolCallVerdict,
  BeforeCompactionVerdict,
  BeforeToolCallVerdict,
  PromptVerdict,
  StopVerdict,
  TextContent,
} from "@pincer/kernel";
import type { DecisionHookName } from "@pincer/sdk";
import { withinDepth } from "../sandbox/call-replies.js";

/** What a plugin hook's answer may hold, at most: the loop hands it to the model and the session. */
export const VERDICT_LIMITS = {
  /** A reason (block, ask), in characters. */
  reason: 4 * 1024,
  /** Context for the model, a stop's message, one pin. */
  text: 16 * 1024,
  /** Rewritten arguments, as JSON. */
  argsJson: 256 * 1024,
  /** A replacement result's text. */
  resultText: 256 * 1024,
  pins: 8,
  depth: 16,
} as const;

/**
 * A plugin hook's answer as the kernel's verdict, checked field by field: the shape each hook may
 * answer and the sizes above. Throws saying what is wrong (the kernel reports it once and treats
 * the hook as having said nothing, or refuses the call for a guard). null and undefined are no verdict.
 */
export function pluginVerdict(name: DecisionHookName, answer: unknown): object | undefined {
  if (answer === null || answer === undefined) return undefined;
  if (typeof answer !== "object" || Array.isArray(answer))
    throw new Error(`it answered ${kind(answer)}, not a verdict`);
  const fields = answer as Record<string, unknown>;
  const allowed = FIELDS[name];
  const verdict: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    const check = allowed?.[key];
    if (!check) throw new Error(`its ${name} verdict has a field ${JSON.stringify(key.slice(0, 40))} it may not have`);
    verdict[key] = check(value, key);
  }
  return verdict;
}

type Check = (value: unknown, key: string) => unknown;

const text =
  (max: number): Check =>
  (value, key) => {
    if (typeof value !== "string") throw new Error(`${key} must be text, not ${kind(value)}`);
    if (value.length > max) throw new Error(`${key} is ${value.length} characters; the most is ${max}`);
    return value;
  };

const reason: Check = (value, key) => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${key} must be { reason: string }, not ${kind(value)}`);
  return { reason: text(VERDICT_LIMITS.reason)((value as { reason?: unknown }).reason, `${key}.reason`) };
};

const args: Check = (value, key) => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${key} must be an object of arguments, not ${kind(value)}`);
  if (!withinDepth(value, VERDICT_LIMITS.depth)) throw new Error(`${key} nests deeper than ${VERDICT_LIMITS.depth}`);
  const json = JSON.stringify(value);
  if (json.length > VERDICT_LIMITS.argsJson)
    throw new Error(`${key} is ${json.length} characters of JSON; the most is ${VERDICT_LIMITS.argsJson}`);
  return JSON.parse(json) as Record<string, unknown>;
};

/** A replacement result: text, or text blocks, and whether it is an error. */
const result: Check = (value, key) => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`${key} must be { content, isError? }, not ${kind(value)}`);
  const { content, isError, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new Error(`${key} has fields it may not have (${Object.keys(rest)[0]})`);
  if (isError !== undefined && typeof isError !== "boolean") throw new Error(`${key}.isError must be true or false`);
  let blocks: TextContent[];
  if (typeof content === "string") blocks = [{ type: "text", text: content }];
  else if (Array.isArray(content) && content.every(isTextBlock))
    blocks = content.map(({ text }) => ({ type: "text", text }));
  else throw new Error(`${key}.content must be text or a list of { type: "text", text } blocks`);
  const length = blocks.reduce((sum, block) => sum + block.text.length, 0);
  if (length > VERDICT_LIMITS.resultText)
    throw new Error(`${key} is ${length} characters of text; the most is ${VERDICT_LIMITS.resultText}`);
  return { content: blocks, isError: isError === true };
};

const pins: Check = (value, key) => {
  if (!Array.isArray(value)) throw new Error(`${key} must be a list of text, not ${kind(value)}`);
  if (value.length > VERDICT_LIMITS.pins)
    throw new Error(`${key} lists ${value.length}; the most is ${VERDICT_LIMITS.pins}`);
  return value.map((pin, index) => text(VERDICT_LIMITS.text)(pin, `${key}[${index}]`));
};

const FIELDS: Record<DecisionHookName, Record<string, Check>> = {
  beforeToolCall: { block: reason, ask: reason, args, context: text(VERDICT_LIMITS.text) },
  afterToolCall: { result, context: text(VERDICT_LIMITS.text) },
  promptSubmit: { block: reason, context: text(VERDICT_LIMITS.text) },
  stop: { continueWith: text(VERDICT_LIMITS.text) },
  sessionStart: { context: text(VERDICT_LIMITS.text) },
  beforeCompaction: { pins },
  afterCompaction: {},
};

function isTextBlock(block: unknown): block is TextContent {
  return (
    typeof block === "object" &&
    block !== null &&
    (block as { type?: unknown }).type === "text" &&
    typeof (block as { text?: unknown }).text === "string"
  );
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The kernel verdict types these checks produce, for the callers' casts. */
export type PluginVerdicts = {
  beforeToolCall: BeforeToolCallVerdict;
  afterToolCall: AfterToolCallVerdict;
  promptSubmit: PromptVerdict;
  stop: StopVerdict;
  sessionStart: { context?: string };
  beforeCompaction: BeforeCompactionVerdict;
  afterCompaction: undefined;
};
