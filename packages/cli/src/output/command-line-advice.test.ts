import { emptyUsage, type PermissionDenial, type TurnResult } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { commandLineAdvice, commandLineDenialReason, commandLineStop } from "./command-line-advice.js";

const headless = (extra: Partial<Extract<PermissionDenial, { code: "denied_headless" }>> = {}): PermissionDenial => ({
  code: "denied_headless",
  tool: "bash",
  reason: "bash runs commands, and default mode asks before that",
  suggestedRules: ["bash(git push:*)"],
  ...extra,
});
const budget: PermissionDenial = {
  code: "budget_exceeded",
  tool: "gpu_job",
  reason: "gpu_job would cost an estimated $1.00 (a10g-small), and this run has spent $4.50 of its $5.00 budget",
  estimateUsd: 1,
  spentUsd: 4.5,
  capUsd: 5,
};

describe("the command line's words for what the kernel reports as codes", () => {
  it("names --allowedTools with the narrow rules, and --budget for a costed call", () => {
    expect(commandLineAdvice.denial?.(headless())).toBe(
      'The user can allow it with --allowedTools "bash(git push:*)" or a permission mode.',
    );
    expect(commandLineAdvice.denial?.(headless({ suggestedRules: [] }))).toBe(
      "The user can allow it with a permission mode or by running it themselves.",
    );
    expect(commandLineAdvice.denial?.(headless({ estimate: { usd: 2, summary: "a10g" } }))).toMatch(
      /, or give the run a budget with --budget <usd>\.$/,
    );
    expect(commandLineAdvice.denial?.(budget)).toBe("raise the cap with --budget <usd> to let it run");
    expect(commandLineAdvice.denial?.({ code: "denied_by_user", tool: "bash" })).toBeUndefined();
  });

  it("tells how to go on after the turn limit, and keeps the result line's denial reasons", () => {
    const stopped: TurnResult = {
      stopReason: "max_turns",
      steps: 50,
      usage: emptyUsage(),
      text: "",
      error: "Stopped after 50 model calls, the limit of this run.",
      stop: { code: "max_turns", limit: 50 },
    };
    expect(commandLineStop(stopped)).toBe(
      "Stopped after 50 model calls (the --max-turns limit). Run again with --continue to go on, or raise --max-turns.",
    );
    expect(
      commandLineStop({ ...stopped, stopReason: "error", error: "boom", stop: { code: "error", message: "boom" } }),
    ).toBe("boom");
    expect(commandLineStop({ stopReason: "end_turn", steps: 1, usage: emptyUsage(), text: "ok" })).toBeUndefined();
    expect(commandLineDenialReason(budget.reason, budget)).toBe(
      `${budget.reason}; raise the cap with --budget <usd> to let it run`,
    );
    expect(commandLineDenialReason("plan mode is read-only", undefined)).toBe("plan mode is read-only");
  });
});
