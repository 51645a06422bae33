import { addUsage } from "./catalog.js";
import { emptyUsage, type Usage } from "./messages.js";
import type { SpendingBudget } from "./permissions/budget.js";

/**
 * Usage accounting, in one place: what this session has used (the turns of earlier runs
 * included), what the running turn has, and the model dollars the spending ledger counts against
 * a budget. Each kind of spend says where it goes, so no figure is added twice or missed.
 */
export class UsageLedger {
  private sessionTotal: Usage = emptyUsage();
  private turnTotal: Usage = emptyUsage();

  constructor(
    private readonly spending: SpendingBudget,
    /** Told after every change: the front ends' live figures (the `usage` event). */
    private readonly changed: (ledger: UsageLedger) => void = () => {},
  ) {}

  /** Everything this session has used, earlier runs' turns included. */
  get session(): Usage {
    return this.sessionTotal;
  }

  /** The running (or last) turn's model calls, and what its tools spent on models. */
  get turn(): Usage {
    return this.turnTotal;
  }

  /** Usage a resumed session recorded: counted in its total, never spent again by this run. */
  restore(usage: Usage): void {
    this.sessionTotal = addUsage(this.sessionTotal, usage);
  }

  startTurn(): void {
    this.turnTotal = emptyUsage();
  }

  /** One of this kernel's model calls (priced): the turn's, the session's, and the run's dollars. */
  model(usage: Usage): void {
    this.turnTotal = addUsage(this.turnTotal, usage);
    this.sessionTotal = addUsage(this.sessionTotal, usage);
    this.spending.addModelSpend(usage.cost.total);
    this.changed(this);
  }

  /**
   * A compaction summary (priced): the session's and the run's dollars, not the turn's (it is
   * the session's housekeeping, not an answer).
   */
  compaction(usage: Usage): void {
    this.sessionTotal = addUsage(this.sessionTotal, usage);
    this.spending.addModelSpend(usage.cost.total);
    this.changed(this);
  }

  /**
   * What a tool spent on models (a subagent's turns): the turn's and the session's. Its dollars
   * already went to the spending ledger the subagent shares, so they are not added there again.
   */
  tool(usage: Usage): void {
    this.turnTotal = addUsage(this.turnTotal, usage);
    this.sessionTotal = addUsage(this.sessionTotal, usage);
    this.changed(this);
  }
}
