import type { StreamEnd } from "./provider-event-inbox.js";
import type { RawCommandOutput } from "./sandbox-types.js";

/**
 * Reading what a call's entry in the isolate answered: JSON made by the isolate's half of the bridge,
 * which runs beside the plugin's code, so every shape is checked again here.
 */

/** A model call's end as the isolate's half reported it (see prelude.ts); undefined when it is not that. */
export function streamEnd(value: unknown): StreamEnd | undefined {
  const { sent, rest, error } = (parseReply(value) ?? {}) as { sent?: unknown; rest?: unknown; error?: unknown };
  if (typeof sent !== "number" || !Number.isSafeInteger(sent) || sent < 0) return undefined;
  return {
    sent,
    ...(typeof rest === "string" ? { rest } : {}),
    ...(typeof error === "string" ? { problem: error } : {}),
  };
}

/** Whether a model call's entry answered that it does not hold a message the request named (request-wire.ts). */
export function isResend(value: unknown): boolean {
  return value === RESEND;
}

/** What the isolate's half answers then (prelude.ts: `stringify({ resend: true })`). */
const RESEND = JSON.stringify({ resend: true });

/** The deepest a tool result may nest: the host writes it to the session and hands it to the model. */
export const MAX_RESULT_DEPTH = 64;

/** A call's JSON answer from the isolate; undefined when it is not JSON. */
export function parseReply(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` nests at most `max` levels (looked at without recursion: the host's stack is not the plugin's to use up). */
export function withinDepth(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    if (depth >= max) return false;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return true;
}

export function isRawCommandOutput(value: unknown): value is RawCommandOutput {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([key, field]) =>
      ((key === "text" || key === "prompt") && typeof field === "string") ||
      (key === "exitCode" && typeof field === "number"),
  );
}
