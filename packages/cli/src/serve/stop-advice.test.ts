import { emptyUsage, type TurnResult } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { serveStopAdvice } from "./stop-advice.js";

const result = (stop: TurnResult["stop"], stopReason: TurnResult["stopReason"] = "max_turns"): TurnResult => ({
  stopReason,
  steps: 3,
  usage: emptyUsage(),
  text: "",
  ...(stop ? { stop } : {}),
});

describe("pincer serve's words for a turn that stopped short", () => {
  it("names its own endpoint, never a command-line flag", () => {
    const advice = serveStopAdvice(result({ code: "max_turns", limit: 3 }), "s1");
    expect(advice).toBe(
      "The turn made 3 model calls, the most one prompt may (maxTurns in the server's config.json). Send another prompt (POST /sessions/s1/prompt) to go on.",
    );
    expect(serveStopAdvice(result({ code: "loop_guard", kind: "repeat" }, "loop_guard"), "s1")).toContain(
      "POST /sessions/s1/prompt",
    );
    for (const stop of [{ code: "max_turns", limit: 3 } as const, { code: "loop_guard", kind: "cycle" } as const]) {
      expect(serveStopAdvice(result(stop), "s1")).not.toMatch(/--[a-z]/);
    }
    expect(serveStopAdvice(result(undefined, "end_turn"), "s1")).toBeUndefined();
  });
});
