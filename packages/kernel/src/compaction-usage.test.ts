import { describe, expect, it } from "vitest";
import { SUMMARY_SYSTEM_PROMPT } from "./compaction.js";
import { text } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { Provider } from "./provider.js";
import { Session } from "./session/session.js";

// A dollar per token in, two per token out: each turn (10 in, 5 out) costs $20, the summary
// (100 in, 50 out) $200, so every sum below is exact.
const MODEL = {
  id: "test/priced",
  contextWindow: 100_000,
  maxOutputTokens: 1_000,
  price: { input: 1_000_000, output: 2_000_000, cacheRead: 0, cacheWrite: 0 },
};

function summarizing(): Provider {
  return {
    id: "test",
    async *stream(request) {
      if (request.systemPrompt === SUMMARY_SYSTEM_PROMPT) {
        yield { type: "text_delta", text: "The user asked twice; both were answered." };
        yield { type: "usage", usage: { input: 100, output: 50 } };
        yield { type: "stop", reason: "stop" };
        return;
      }
      yield* text("Done.");
    },
  };
}

describe("the compaction summary is a model call that is paid for", () => {
  it("counts in the session's usage and the spending ledger, and is written on the compaction entry", async () => {
    const kernel = createKernel({
      model: MODEL.id,
      models: [MODEL],
      providers: [summarizing()],
      compaction: { threshold: 0.99, keepRecentTokens: 1 },
      loopGuard: false,
    });
    await kernel.prompt("first");
    await kernel.prompt("second");
    expect(kernel.usage.cost.total).toBe(40);
    expect(await kernel.compact()).toBe(true);

    expect(kernel.usage.cost.total).toBe(240);
    expect(kernel.usage.input).toBe(120);
    expect(kernel.spending.modelSpendUsd).toBe(240);
    const entry = kernel.session.entries().find((candidate) => candidate.type === "compaction");
    expect(entry?.type === "compaction" && entry.usage?.cost.total).toBe(200);
  });

  it("is rebuilt on resume from the whole path: summarised turns and the summary included", async () => {
    const session = Session.inMemory({ cwd: "/tmp" });
    const first = createKernel({
      model: MODEL.id,
      models: [MODEL],
      providers: [summarizing()],
      session,
      compaction: { threshold: 0.99, keepRecentTokens: 1 },
      loopGuard: false,
    });
    await first.prompt("first");
    await first.prompt("second");
    await first.compact();
    await first.prompt("third");
    expect(first.usage.cost.total).toBe(260);

    // The context now holds the summary and the last turn only; the bill is the whole session's.
    const resumed = createKernel({ model: MODEL.id, models: [MODEL], providers: [summarizing()], session });
    expect(resumed.usage.cost.total).toBe(260);
  });

  it("spends against a budget: after a costly summary, a costed call that fitted no longer does", async () => {
    const kernel = createKernel({
      model: MODEL.id,
      models: [MODEL],
      providers: [summarizing()],
      permissions: { budget: { capUsd: 300 } },
      compaction: { threshold: 0.99, keepRecentTokens: 1 },
      loopGuard: false,
    });
    await kernel.prompt("first");
    await kernel.prompt("second");
    // $40 spent: a $100 job would fit in the $300 cap here; the $200 summary leaves no room for it.
    await kernel.compact();
    expect(kernel.spending.spentUsd).toBe(240);
    const verdict = kernel.spending.approve("hf_job_run", { usd: 100, summary: "a10g-small for 1 h" });
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toContain("spent $240.00 of its $300.00 budget");
  });
});
