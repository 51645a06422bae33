import type { ToolResultMessage } from "@pincer/kernel";
import { sanitize } from "../tui/styled.js";

/** One step of the plan the model keeps with the `todo` tool. */
export interface PlanItem {
  content: string;
  status: "pending" | "in_progress" | "completed";
}

const STATUSES = new Set(["pending", "in_progress", "completed"]);

/**
 * The plan a finished `todo` call left: the list the tool validated and returned in its details,
 * escape sequences removed. Anything else (another tool, a failed call, a malformed list) is no plan.
 */
export function planFromResult(name: string, result: ToolResultMessage): PlanItem[] | undefined {
  if (name !== "todo" || result.isError) return undefined;
  const todos = (result.details as { todos?: unknown } | undefined)?.todos;
  if (!Array.isArray(todos)) return undefined;
  const items = todos.filter(
    (todo): todo is PlanItem =>
      typeof todo?.content === "string" && typeof todo?.status === "string" && STATUSES.has(todo.status),
  );
  if (items.length !== todos.length) return undefined;
  // Display text from the model: no escape sequence reaches a terminal through it, and a step is one line.
  return items.map((item) => ({ content: sanitize(item.content).replace(/\s*\n\s*/g, " "), status: item.status }));
}

/** `2/5 done · now: Train the model` — the plan in one line. */
export function planSummary(plan: readonly PlanItem[]): string {
  if (plan.length === 0) return "the plan is empty";
  const done = plan.filter((item) => item.status === "completed").length;
  const now = plan.find((item) => item.status === "in_progress");
  return `${done}/${plan.length} done${now ? ` · now: ${now.content}` : ""}`;
}

/**
 * At most `max` steps to show, around the first one not done, and how many were left out before
 * and after: a long plan stays a few lines on screen.
 */
export function planWindow(
  plan: readonly PlanItem[],
  max: number,
): { shown: PlanItem[]; before: number; after: number } {
  if (plan.length <= max) return { shown: [...plan], before: 0, after: 0 };
  const next = plan.findIndex((item) => item.status !== "completed");
  const focus = next < 0 ? plan.length - 1 : next;
  const start = Math.max(0, Math.min(focus - 1, plan.length - max));
  return { shown: plan.slice(start, start + max), before: start, after: plan.length - start - max };
}
