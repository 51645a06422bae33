import type { ToolResultMessage } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { type PlanItem, planFromResult, planSummary, planWindow } from "./plan.js";

const result = (details: unknown, isError = false): ToolResultMessage => ({
  role: "toolResult",
  toolCallId: "t",
  toolName: "todo",
  content: [{ type: "text", text: "…" }],
  details,
  isError,
  timestamp: 0,
});

const plan: PlanItem[] = [
  { content: "Read the paper", status: "completed" },
  { content: "Inspect the dataset", status: "completed" },
  { content: "Train", status: "in_progress" },
  { content: "Evaluate", status: "pending" },
  { content: "Publish", status: "pending" },
];

describe("the plan (todo tool)", () => {
  it("is read from a todo call's details, and only from a well-formed one", () => {
    expect(planFromResult("todo", result({ todos: plan }))).toEqual(plan);
    expect(planFromResult("bash", result({ todos: plan }))).toBeUndefined();
    expect(planFromResult("todo", result({ todos: plan }, true))).toBeUndefined();
    expect(planFromResult("todo", result({ todos: [{ content: "x", status: "done" }] }))).toBeUndefined();
    expect(planFromResult("todo", result({ todos: "all of it" }))).toBeUndefined();
    expect(planFromResult("todo", result(undefined))).toBeUndefined();
    expect(planFromResult("todo", result({ todos: [] }))).toEqual([]);
    // Hostile text: an escape sequence in a step does not survive to be printed.
    expect(
      planFromResult(
        "todo",
        result({ todos: [{ content: "Publish\u001b]0;pwned\u0007 it\u001b[2J\nnow", status: "pending" }] }),
      ),
    ).toEqual([{ content: "Publish it now", status: "pending" }]);
  });

  it("sums up in one line, and shows a long plan around the step in progress", () => {
    expect(planSummary(plan)).toBe("2/5 done · now: Train");
    expect(planSummary([])).toBe("the plan is empty");
    expect(planWindow(plan, 6)).toEqual({ shown: plan, before: 0, after: 0 });
    expect(planWindow(plan, 3)).toEqual({ shown: plan.slice(1, 4), before: 1, after: 1 });
    const done = plan.map((item) => ({ ...item, status: "completed" as const }));
    expect(planWindow(done, 2)).toEqual({ shown: done.slice(3), before: 3, after: 0 });
  });
});
