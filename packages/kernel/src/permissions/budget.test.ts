import { describe, expect, it } from "vitest";
import type { KernelEvent } from "../events.js";
import { scriptedProvider, text, toolCalls } from "../fixtures/scripted-provider.js";
import { createKernel } from "../kernel.js";
import type { ToolResultMessage } from "../messages.js";
import type { AnyTool, CostEstimate } from "../tool.js";
import { checkEstimate, formatUsd, SpendingBudget } from "./budget.js";
import { rulesFromConfig } from "./engine.js";
import type { PermissionResolver } from "./types.js";

const gpu = (usd: number, extra: Partial<CostEstimate> = {}): CostEstimate => ({
  usd,
  summary: `a10g-small at $1.00/h × up to ${usd} h`,
  ...extra,
});

/** A tool that spends money: the estimate is whatever the call says, or none. */
function paidTool(ran: string[]): AnyTool {
  return {
    name: "gpu_job",
    description: "Runs a job on paid hardware",
    kind: "execute",
    parameters: {
      type: "object",
      properties: { id: { type: "string" }, usd: { type: "number" }, recurring: { type: "boolean" } },
      required: ["id"],
    },
    estimateCost: (args: { usd?: number; recurring?: boolean }) =>
      args.usd === undefined ? undefined : gpu(args.usd, args.recurring ? { recurring: true } : {}),
    async execute(args: { id: string }) {
      ran.push(args.id);
      return { content: `ran ${args.id}` };
    },
  };
}

/** Runs one turn calling gpu_job once per entry of `calls`, and returns what the model was told. */
async function runCalls(
  calls: Array<Record<string, unknown>>,
  options: { capUsd?: number; resolver?: PermissionResolver; mode?: "bypassPermissions"; allow?: string[] } = {},
) {
  const ran: string[] = [];
  const events: KernelEvent[] = [];
  const kernel = createKernel({
    model: "test/m",
    providers: [
      scriptedProvider([...calls.map((args, at) => toolCalls({ id: `c${at}`, name: "gpu_job", args })), text("done")]),
    ],
    tools: [paidTool(ran)],
    permissions: {
      ...(options.capUsd !== undefined ? { budget: { capUsd: options.capUsd } } : {}),
      ...(options.resolver ? { resolver: options.resolver } : {}),
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.allow ? { rules: rulesFromConfig({ allow: options.allow }, "flag") } : {}),
    },
  });
  kernel.subscribe((event) => events.push(event));
  await kernel.prompt("go");
  const results = events
    .filter((event): event is Extract<KernelEvent, { type: "tool_end" }> => event.type === "tool_end")
    .map((event) => resultText(event.result));
  const warnings = events.flatMap((event) => (event.type === "warning" ? [event.message] : []));
  return { ran, results, warnings, kernel, events };
}

const resultText = (message: ToolResultMessage): string =>
  message.content.map((block) => (block.type === "text" ? block.text : "")).join("");

describe("SpendingBudget", () => {
  it("approves within the cap and counts what it approved", () => {
    const budget = new SpendingBudget({ capUsd: 5 });
    expect(budget.approve("gpu_job", gpu(2)).allowed).toBe(true);
    expect(budget.approve("gpu_job", gpu(3)).allowed).toBe(true);
    expect(budget.spentUsd).toBe(5);
    const over = budget.approve("gpu_job", gpu(0.5));
    expect(over.allowed).toBe(false);
    expect(over.reason).toBe(
      "gpu_job would cost an estimated $0.50 (a10g-small at $1.00/h × up to 0.5 h), and this run has spent $5.00 of its $5.00 budget",
    );
    expect(over).toMatchObject({ over: { estimateUsd: 0.5, spentUsd: 5, capUsd: 5 } });
    expect(budget.spentUsd).toBe(5);
  });

  it("counts the model's cost against the cap", () => {
    let model = 4;
    const budget = new SpendingBudget({ capUsd: 5, modelSpendUsd: () => model });
    expect(budget.approve("gpu_job", gpu(2)).allowed).toBe(false);
    model = 1;
    expect(budget.approve("gpu_job", gpu(2)).allowed).toBe(true);
    expect(budget.spentUsd).toBe(3);
  });

  it("warns at $5, $10, $20, $40 … once each, naming only the highest of a jump", () => {
    const warnings: string[] = [];
    const budget = new SpendingBudget({ warn: (message) => warnings.push(message) });
    budget.record(gpu(4));
    expect(warnings).toEqual([]);
    budget.record(gpu(1));
    expect(warnings).toEqual([
      "Spending passed $5.00: $5.00 so far ($5.00 estimated for tool calls, $0.00 for the model).",
    ]);
    budget.record(gpu(3));
    expect(warnings).toHaveLength(1);
    budget.record(gpu(2));
    expect(warnings[1]).toMatch(/^Spending passed \$10\.00: \$10\.00 so far/);
    budget.record(gpu(35));
    expect(warnings[2]).toMatch(/^Spending passed \$40\.00: \$45\.00 so far/);
    budget.record(gpu(40));
    expect(warnings[3]).toMatch(/^Spending passed \$80\.00/);
    expect(warnings).toHaveLength(4);
  });

  it("never approves recurring work, nor anything without a cap", () => {
    expect(new SpendingBudget({ capUsd: 100 }).approve("cron", gpu(1, { recurring: true }))).toMatchObject({
      allowed: false,
      reason: expect.stringContaining("always needs a person"),
    });
    expect(new SpendingBudget().approve("gpu_job", gpu(0)).allowed).toBe(false);
  });

  it("refuses a cap that is not a positive number", () => {
    for (const cap of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new SpendingBudget({ capUsd: cap })).toThrow(/positive number of US dollars/);
    }
  });

  it("takes only sane estimates", () => {
    expect(checkEstimate({ usd: 2, summary: "ok\n\u001b[31mred" })).toEqual({ usd: 2, summary: "ok [31mred" });
    expect(checkEstimate({ usd: -1, summary: "x" })).toBeUndefined();
    expect(checkEstimate({ usd: Number.NaN, summary: "x" })).toBeUndefined();
    expect(checkEstimate({ usd: "2", summary: "x" })).toBeUndefined();
    expect(checkEstimate({ usd: 1 })).toBeUndefined();
    expect(checkEstimate("$2")).toBeUndefined();
    expect(checkEstimate({ usd: 1, summary: "x".repeat(1000) })?.summary).toHaveLength(300);
    expect(formatUsd(0.004)).toBe("under $0.01");
    expect(formatUsd(0)).toBe("$0.00");
  });
});

describe("costed tool calls in the kernel", () => {
  it("headless without a budget: denied, and the denial shows the estimate", async () => {
    const { ran, results } = await runCalls([{ id: "a", usd: 2 }]);
    expect(ran).toEqual([]);
    expect(results[0]).toMatch(
      /^Permission denied: gpu_job needs approval \(estimated \$2\.00: a10g-small at \$1\.00\/h × up to 2 h; gpu_job runs commands/,
    );
    expect(results[0]).toContain("or give the run a budget.");
    expect(results[0]).not.toContain("--");
  });

  it("with a budget: approves while the calls fit, then denies with the cap and what was spent", async () => {
    const { ran, results, kernel, events } = await runCalls(
      [
        { id: "a", usd: 2 },
        { id: "b", usd: 2.5 },
        { id: "c", usd: 1 },
      ],
      { capUsd: 5 },
    );
    expect(ran).toEqual(["a", "b"]);
    expect(results[2]).toBe(
      "Permission denied: gpu_job would cost an estimated $1.00 (a10g-small at $1.00/h × up to 1 h), and this run has spent $4.50 of its $5.00 budget; the user can raise the run's budget to let it run. Do not retry this call; choose a cheaper approach or ask the user.",
    );
    const denial = events.flatMap((event) => (event.type === "permission" && !event.allowed ? [event.denial] : []));
    expect(denial).toEqual([
      expect.objectContaining({ code: "budget_exceeded", tool: "gpu_job", estimateUsd: 1, spentUsd: 4.5, capUsd: 5 }),
    ]);
    expect(kernel.spending.spentUsd).toBe(4.5);
    const approvals = events.flatMap((event) => (event.type === "permission" && event.allowed ? [event] : []));
    expect(approvals[0]?.decision.reason).toMatch(/^within the budget of \$5\.00 \(estimated \$2\.00/);
  });

  it("warns as committed spending doubles from $5", async () => {
    const { warnings } = await runCalls(
      [
        { id: "a", usd: 6 },
        { id: "b", usd: 6 },
      ],
      { capUsd: 50 },
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^Spending passed \$5\.00: \$6\.00 so far of a \$50\.00 budget/),
      expect.stringMatching(/^Spending passed \$10\.00: \$12\.00 so far/),
    ]);
  });

  it("never approves recurring work without a person: not the budget, not bypassPermissions, not an allow rule", async () => {
    const recurring = [{ id: "cron", usd: 1, recurring: true }];
    for (const options of [{ capUsd: 100 }, { mode: "bypassPermissions" as const }, { allow: ["gpu_job"] }]) {
      const { ran, results } = await runCalls(recurring, options);
      expect(ran).toEqual([]);
      expect(results[0]).toMatch(/^Permission denied: gpu_job schedules recurring work .*\(it needs a human\)/);
    }
    const asked: string[] = [];
    const { ran } = await runCalls(recurring, {
      capUsd: 100,
      resolver: async (request) => {
        asked.push(request.decision.reason);
        expect(request.estimate).toMatchObject({ usd: 1, recurring: true });
        return { allow: true };
      },
    });
    expect(ran).toEqual(["cron"]);
    expect(asked[0]).toContain("always needs a person");
  });

  it("calls without an estimate keep their ordinary decision", async () => {
    const denied = await runCalls([{ id: "a" }], { capUsd: 100 });
    expect(denied.ran).toEqual([]);
    expect(denied.results[0]).toMatch(/^Permission denied: gpu_job needs approval \(gpu_job runs commands/);
    expect(denied.results[0]).not.toContain("budget");
    const allowed = await runCalls([{ id: "a" }], { allow: ["gpu_job"] });
    expect(allowed.ran).toEqual(["a"]);
    expect(allowed.kernel.spending.spentUsd).toBe(0);
  });

  it("an ask rule is answered by a person, never by the budget; over the cap a person is asked", async () => {
    const reasons: string[] = [];
    const resolver: PermissionResolver = async (request) => {
      reasons.push(`${request.estimate?.usd}: ${request.decision.reason}`);
      return { allow: false };
    };
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ id: "a", name: "gpu_job", args: { id: "a", usd: 1 } }), text("ok")])],
      tools: [paidTool(ran)],
      permissions: { budget: { capUsd: 10 }, resolver, rules: rulesFromConfig({ ask: ["gpu_job"] }, "user") },
    });
    await kernel.prompt("go");
    expect(ran).toEqual([]);
    expect(reasons[0]).toMatch(/^1: rule "gpu_job" from user settings says to ask first/);

    const over = await runCalls([{ id: "b", usd: 20 }], { capUsd: 10, resolver });
    expect(over.ran).toEqual([]);
    expect(reasons[1]).toMatch(/^20: gpu_job would cost an estimated \$20\.00 .* of its \$10\.00 budget/);
  });

  it("an allow rule or bypassPermissions never spends past the cap: a $72 GPU job is refused headless", async () => {
    for (const options of [{ allow: ["gpu_job"] }, { mode: "bypassPermissions" as const }]) {
      const { ran, results, events, kernel } = await runCalls(
        [
          { id: "small", usd: 2 },
          { id: "h100", usd: 72 },
          { id: "after", usd: 1 },
        ],
        { ...options, capUsd: 5 },
      );
      // The over-budget job never ran; the work around it went on.
      expect(ran).toEqual(["small", "after"]);
      expect(results[1]).toMatch(
        /^Permission denied: gpu_job would cost an estimated \$72\.00 .*this run has spent \$2\.00 of its \$5\.00 budget/,
      );
      const denial = events.flatMap((event) => (event.type === "permission" && !event.allowed ? [event.denial] : []));
      expect(denial).toEqual([expect.objectContaining({ code: "budget_exceeded", estimateUsd: 72, capUsd: 5 })]);
      expect(kernel.spending.toolSpendUsd).toBe(3);
    }
    // With a person there, the rule's call over the cap is asked rather than sent.
    const asked: string[] = [];
    const withPerson = await runCalls([{ id: "h100", usd: 72 }], {
      allow: ["gpu_job"],
      capUsd: 5,
      resolver: async (request) => {
        asked.push(request.decision.reason);
        return { allow: false };
      },
    });
    expect(withPerson.ran).toEqual([]);
    expect(asked).toEqual([expect.stringMatching(/^gpu_job would cost an estimated \$72\.00/)]);
  });

  it("counts calls allowed by a rule or a person, and the model's cost", async () => {
    const allowed = await runCalls([{ id: "a", usd: 3 }], { allow: ["gpu_job"], capUsd: 5 });
    expect(allowed.kernel.spending.toolSpendUsd).toBe(3);

    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      // $0.10 per input token: the first call's 20 tokens cost $2.
      models: [
        {
          id: "test/m",
          contextWindow: 1000,
          maxOutputTokens: 100,
          price: { input: 100_000, output: 0, cacheRead: 0, cacheWrite: 0 },
        },
      ],
      providers: [scriptedProvider([toolCalls({ name: "gpu_job", args: { id: "a", usd: 3.5 } }), text("ok")])],
      tools: [paidTool(ran)],
      permissions: { budget: { capUsd: 5 } },
    });
    await kernel.prompt("go");
    expect(ran).toEqual([]);
    expect(kernel.spending.modelSpendUsd).toBeCloseTo(3);
  });

  it("an estimator that throws, hangs past its limit or answers nonsense yields no estimate", async () => {
    const base = paidTool([]);
    for (const estimateCost of [
      () => {
        throw new Error("boom");
      },
      () => ({ usd: "lots", summary: 1 }) as unknown as CostEstimate,
    ]) {
      const kernel = createKernel({
        model: "test/m",
        providers: [scriptedProvider([toolCalls({ name: "gpu_job", args: { id: "a", usd: 1 } }), text("ok")])],
        tools: [{ ...base, estimateCost }],
        permissions: { budget: { capUsd: 100 } },
      });
      const seen: string[] = [];
      kernel.on("tool_end", (event) => seen.push(resultText(event.result)));
      await kernel.prompt("go");
      expect(seen[0]).toMatch(/^Permission denied: gpu_job needs approval \(gpu_job runs commands/);
    }
  });
});

describe("one ledger for a run and its subagents", () => {
  // $0.10 per input token: a tool-call answer (20 input tokens) costs $2, a text answer (10) $1.
  const priced = [
    {
      id: "test/m",
      contextWindow: 1000,
      maxOutputTokens: 100,
      price: { input: 100_000, output: 0, cacheRead: 0, cacheWrite: 0 },
    },
  ];

  it("a kernel given its parent's ledger spends from the parent's cap, and its model cost counts there", async () => {
    const ran: string[] = [];
    const warnings: string[] = [];
    const parent = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "gpu_job", args: { id: "parent", usd: 2 } }), text("ok")])],
      tools: [paidTool(ran)],
      permissions: { budget: { capUsd: 8 } },
    });
    parent.on("warning", (event) => warnings.push(event.message));
    const child = createKernel({
      model: "test/m",
      models: priced,
      providers: [scriptedProvider([toolCalls({ name: "gpu_job", args: { id: "child", usd: 3 } }), text("done")])],
      tools: [paidTool(ran)],
      spending: parent.spending,
    });
    expect(child.spending).toBe(parent.spending);
    await child.prompt("go");
    // Approved by the parent's budget though the child was given none; its $3 model cost counted too.
    expect(ran).toEqual(["child"]);
    expect(parent.spending.toolSpendUsd).toBe(3);
    expect(parent.spending.modelSpendUsd).toBeCloseTo(3);
    // The parent's own warning channel hears of it: the child's $2 answer and $3 call reach $5 (its
    // closing $1 answer lands after the warning).
    expect(warnings).toEqual([
      "Spending passed $5.00: $5.00 so far of a $8.00 budget ($3.00 estimated for tool calls, $2.00 for the model).",
    ]);

    // $6 of $8 gone: the parent's $2 call just fits, and after it nothing more does.
    await parent.prompt("go");
    expect(ran).toEqual(["child", "parent"]);
    expect(parent.spending.spentUsd).toBeCloseTo(8);
    expect(parent.spending.approve("gpu_job", gpu(0.5)).allowed).toBe(false);
  });

  it("refuses a kernel given both its own budget and a shared ledger", () => {
    const ledger = new SpendingBudget({ capUsd: 5 });
    expect(() => createKernel({ model: "test/m", spending: ledger, permissions: { budget: { capUsd: 5 } } })).toThrow(
      /either permissions\.budget or a shared spending ledger/,
    );
  });
});

describe("what a run spent, by kind", () => {
  it("counts each costed call under its estimate's category (tool when none), and the model apart", () => {
    const budget = new SpendingBudget({ capUsd: 100 });
    budget.record(gpu(2, { category: "job" }));
    budget.record(gpu(1.5, { category: "endpoint" }));
    budget.record(gpu(0.25));
    budget.addModelSpend(0.1);
    expect(budget.breakdown()).toEqual({
      modelUsd: 0.1,
      calls: { job: 2, endpoint: 1.5, tool: 0.25 },
      totalUsd: 3.85,
      capUsd: 100,
    });
  });

  it("keeps only a short lowercase word as a category", () => {
    expect(checkEstimate({ usd: 1, summary: "x", category: "job" })).toMatchObject({ category: "job" });
    for (const category of ["Job", "a b", "x".repeat(40), 3, "job\n"]) {
      expect(checkEstimate({ usd: 1, summary: "x", category })).not.toHaveProperty("category");
    }
  });
});
