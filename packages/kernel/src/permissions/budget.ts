import type { CostEstimate } from "../tool.js";

/** Spending warnings start here and double: $5, $10, $20, $40 … */
export const FIRST_SPENDING_WARNING_USD = 5;
const MAX_SUMMARY_CHARS = 300;

export interface SpendingOptions {
  /**
   * The budget of an unattended run (the CLI's `--budget 20`): a costed call that would ask is approved
   * while spending stays within it. Absent: spending is counted and warned about, never approved.
   */
  capUsd?: number;
  /** Dollars the model has cost this run so far (the kernel's own usage accounting). */
  modelSpendUsd?: () => number;
  /** Told each time spending passes a threshold ($5, then each doubling). */
  warn?: (message: string) => void;
}

export type BudgetVerdict =
  | { allowed: true; reason: string }
  /** With the figures when the cap is what refused it (a front end words how to raise it). */
  | { allowed: false; reason: string; over?: { estimateUsd: number; spentUsd: number; capUsd: number } };

/** `$2.00`; amounts under a cent read as such rather than as `$0.00`. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return "under $0.01";
  return `$${usd.toFixed(2)}`;
}

/** `estimated $2.00: a10g-small at $1.00/h × up to 2 h`. */
export function describeEstimate(estimate: CostEstimate): string {
  return `estimated ${formatUsd(estimate.usd)}: ${estimate.summary}`;
}

/**
 * A tool's estimate as the kernel accepts it: a finite, non-negative figure and a one-line
 * summary (control characters dropped, length capped). Anything else is no estimate, so the call
 * keeps its ordinary decision: a broken estimator never approves anything.
 */
export function checkEstimate(value: unknown): CostEstimate | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { usd, summary, recurring, category } = value as Record<string, unknown>;
  if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) return undefined;
  if (typeof summary !== "string") return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to remove them.
  const line = summary.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return {
    usd,
    summary: line.length > MAX_SUMMARY_CHARS ? `${line.slice(0, MAX_SUMMARY_CHARS - 1)}…` : line,
    ...(recurring === true ? { recurring: true } : {}),
    ...(typeof category === "string" && CATEGORY.test(category) ? { category } : {}),
  };
}

const CATEGORY = /^[a-z][a-z0-9-]{0,31}$/;

/** What a run spent, by kind: the model's own cost, and the estimates of the costed calls that went ahead by category. */
export interface SpendBreakdown {
  modelUsd: number;
  /** "job", "endpoint", "tool" (calls whose estimate named no category) … */
  calls: Record<string, number>;
  totalUsd: number;
  capUsd?: number;
}

/**
 * What this run has spent, and the cap an unattended run may spend up to without a person.
 *
 * Spending = the estimates of every costed tool call that went ahead (approved by a rule, a mode,
 * a person or this budget), plus what the model itself has cost. Model spend counts because the
 * cap is what the user is willing to pay for the whole run, and the kernel already prices every
 * model call; it is never blocked here (that is the turn limit's job), but it leaves less room for
 * costed calls. Estimates are upper bounds (price × the job's timeout), so spending errs high.
 */
export class SpendingBudget {
  readonly capUsd: number | undefined;
  private toolUsd = 0;
  private readonly byCategory = new Map<string, number>();
  /** Model dollars added with addModelSpend: the kernels sharing this ledger (a run and its subagents). */
  private addedModelUsd = 0;
  private nextWarningUsd = FIRST_SPENDING_WARNING_USD;

  constructor(private readonly options: SpendingOptions = {}) {
    const cap = options.capUsd;
    if (cap !== undefined && !(typeof cap === "number" && Number.isFinite(cap) && cap > 0)) {
      throw new Error(`A budget must be a positive number of US dollars (e.g. 20), not ${String(cap)}.`);
    }
    this.capUsd = cap;
  }

  /** Estimated dollars of the costed tool calls that went ahead. */
  get toolSpendUsd(): number {
    return this.toolUsd;
  }

  get modelSpendUsd(): number {
    const spent = this.options.modelSpendUsd?.() ?? 0;
    return (Number.isFinite(spent) && spent > 0 ? spent : 0) + this.addedModelUsd;
  }

  /**
   * Counts dollars a model call cost, and warns when spending passes a threshold. Every kernel
   * that spends from this ledger reports its model calls here, a subagent's as its parent's, so
   * the run has one total.
   */
  addModelSpend(usd: number): void {
    if (Number.isFinite(usd) && usd > 0) this.addedModelUsd += usd;
    this.checkThresholds();
  }

  get spentUsd(): number {
    return this.toolUsd + this.modelSpendUsd;
  }

  /** The run's spending by kind, for its summary. */
  breakdown(): SpendBreakdown {
    return {
      modelUsd: this.modelSpendUsd,
      calls: Object.fromEntries(this.byCategory),
      totalUsd: this.spentUsd,
      ...(this.capUsd !== undefined ? { capUsd: this.capUsd } : {}),
    };
  }

  /**
   * A costed call that would otherwise ask: approved, and counted at once (so calls decided
   * together cannot all squeeze into the same room), when it fits in the cap. Recurring work and
   * runs without a cap are never approved here.
   */
  approve(toolName: string, estimate: CostEstimate): BudgetVerdict {
    const cap = this.capUsd;
    if (cap === undefined) return { allowed: false, reason: "no budget was given for this run" };
    if (estimate.recurring) return { allowed: false, reason: recurringReason(toolName, estimate) };
    const spent = this.spentUsd;
    const after = spent + estimate.usd;
    if (after <= cap + 1e-9) {
      this.record(estimate);
      return {
        allowed: true,
        reason: `within the budget of ${formatUsd(cap)} (${describeEstimate(estimate)}; ${formatUsd(after)} spent with it)`,
      };
    }
    return {
      allowed: false,
      reason: `${toolName} would cost an estimated ${formatUsd(estimate.usd)} (${estimate.summary}), and this run has spent ${formatUsd(spent)} of its ${formatUsd(cap)} budget`,
      over: { estimateUsd: estimate.usd, spentUsd: spent, capUsd: cap },
    };
  }

  /** Counts a costed call that went ahead, and warns when spending passes a threshold. */
  record(estimate: CostEstimate | undefined): void {
    if (!estimate || estimate.usd === 0) return;
    this.toolUsd += estimate.usd;
    const category = estimate.category ?? "tool";
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + estimate.usd);
    this.checkThresholds();
  }

  /**
   * Warns once per threshold passed: $5, $10, $20, $40 … A jump past several says only the
   * highest. Call after model usage is added too.
   */
  checkThresholds(): void {
    const spent = this.spentUsd;
    if (spent < this.nextWarningUsd) return;
    while (spent >= this.nextWarningUsd * 2) this.nextWarningUsd *= 2;
    const passed = this.nextWarningUsd;
    this.nextWarningUsd *= 2;
    const parts = `${formatUsd(this.toolUsd)} estimated for tool calls, ${formatUsd(this.modelSpendUsd)} for the model`;
    const cap = this.capUsd === undefined ? "" : ` of a ${formatUsd(this.capUsd)} budget`;
    this.options.warn?.(`Spending passed ${formatUsd(passed)}: ${formatUsd(spent)} so far${cap} (${parts}).`);
  }
}

/** Why a recurring call always waits for a person. */
export function recurringReason(toolName: string, estimate: CostEstimate): string {
  return `${toolName} schedules recurring work (${describeEstimate(estimate)}), which always needs a person to approve it`;
}
