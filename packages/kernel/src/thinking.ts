import type { ModelInfo } from "./catalog.js";
import type { ModelRequest } from "./provider.js";

/** How hard the model thinks before it answers; `off` sends no reasoning field at all. */
export const THINKING_LEVELS = ["off", "low", "medium", "high"] as const;
export type ThinkingLevel = (typeof THINKING_LEVELS)[number];

export function isThinkingLevel(value: unknown): value is ThinkingLevel {
  return typeof value === "string" && (THINKING_LEVELS as readonly string[]).includes(value);
}

/** The level, or an error that names the allowed ones (for flags, config, APIs). */
export function checkThinkingLevel(value: unknown, where = "thinking"): ThinkingLevel {
  if (isThinkingLevel(value)) return value;
  throw new Error(`${where} must be one of ${THINKING_LEVELS.join(", ")} (got ${JSON.stringify(value)}).`);
}

/**
 * The request's `reasoning` for a level and model. A catalogued model that does not reason gets
 * none: OpenAI-compatible servers (Ollama, vLLM…) reject fields they do not know. A model missing
 * from the catalogue gets what the user asked for, since the user may know it better than we do.
 */
export function reasoningFor(level: ThinkingLevel, model: ModelInfo | undefined): ModelRequest["reasoning"] {
  if (level === "off") return undefined;
  if (model && model.reasoning !== true) return undefined;
  return level;
}
