import type { DrivenEvent } from "@pincer/sdk";

/** How many times an unfinished plan sends the engineer back to work before the run ends with it as a problem. */
export const CONTINUATIONS = 1;

export interface PlanItem {
  content: string;
  status: string;
}

/**
 * The plan the engineer keeps with the `todo` tool, as its last successful call left it: what a
 * run that ends its turn early (a text-only reply with steps still open) has not done.
 */
export function createPlanTracker(): {
  listener(event: DrivenEvent): void;
  unfinished(): PlanItem[];
  size(): number;
} {
  let plan: PlanItem[] = [];
  return {
    listener(event) {
      if (event.type !== "tool_end" || event.name !== "todo" || event.isError) return;
      const todos = (event.details as { todos?: unknown } | undefined)?.todos;
      if (!Array.isArray(todos)) return;
      plan = todos.flatMap((item) =>
        item && typeof item.content === "string" && typeof item.status === "string"
          ? [{ content: item.content.slice(0, 300), status: item.status }]
          : [],
      );
    },
    unfinished: () => plan.filter((item) => item.status !== "completed"),
    size: () => plan.length,
  };
}

/** What the engineer is told when it ends its turn with its plan unfinished. */
export function continuationPrompt(open: readonly PlanItem[]): string {
  return [
    `You ended your turn, but your plan is not finished: ${open.length} step${open.length === 1 ? "" : "s"} still open.`,
    ...open.map((item) => `- [${item.status === "in_progress" ? ">" : " "}] ${item.content}`),
    "Nobody is there to answer: carry on until every step is done, updating the plan as you go. A step that truly cannot be done: mark it completed and say in your final answer why it was not done.",
  ].join("\n");
}

/** How an unfinished plan reads in the final report. */
export function describeUnfinished(open: readonly PlanItem[], total: number): string {
  const steps = open.map((item) => item.content).join("; ");
  return `${open.length} of ${total} step${total === 1 ? "" : "s"} not done after ${CONTINUATIONS + 1} turns: ${steps}`;
}
