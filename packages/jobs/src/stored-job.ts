import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { metricsOf, resultOf, TAIL_LINES } from "./job-outcome.js";
import { readStatus, type StatusRecord, settleStale, writeJson } from "./job-store.js";
import { alive, killGroup } from "./process-group.js";
import { type Job, type JobResult, type JobStatus, type MetricPoint, TERMINAL_STATUSES } from "./types.js";

const POLL_MS = 100;

/** A job read from its directory: started by another process (or an earlier run of this one). */
export class StoredJob implements Job {
  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly killGraceMs: number,
  ) {}

  #record(): StatusRecord {
    const record = readStatus(this.dir);
    if (!record) throw new Error(`Job ${this.id} has no status.json in ${this.dir}`);
    return settleStale(record);
  }
  #lines(): string[] {
    let text = "";
    try {
      text = readFileSync(join(this.dir, "log.txt"), "utf8");
    } catch {}
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines;
  }

  get status(): JobStatus {
    return this.#record().status;
  }
  get exitCode(): number | null {
    return this.#record().exitCode;
  }
  get signal(): string | null {
    return this.#record().signal;
  }
  get error(): string | undefined {
    return this.#record().error;
  }
  get metrics(): readonly MetricPoint[] {
    return metricsOf(this.#lines());
  }

  async *logs(): AsyncIterable<string> {
    let emitted = 0;
    for (;;) {
      // Read the status first: once it is terminal the log is complete.
      const ended = TERMINAL_STATUSES.has(this.#record().status);
      const text = (() => {
        try {
          return readFileSync(join(this.dir, "log.txt"), "utf8");
        } catch {
          return "";
        }
      })();
      const lines = text.split("\n");
      const partial = lines.pop() ?? "";
      if (ended && partial) lines.push(partial);
      while (emitted < lines.length) yield lines[emitted++]!;
      if (ended) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  tail(n = TAIL_LINES): string[] {
    return n <= 0 ? [] : this.#lines().slice(-n);
  }

  async wait(): Promise<JobResult> {
    for (;;) {
      const record = this.#record();
      if (TERMINAL_STATUSES.has(record.status)) {
        const lines = this.#lines();
        return resultOf(record, lines, metricsOf(lines));
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async cancel(): Promise<void> {
    const record = this.#record();
    if (TERMINAL_STATUSES.has(record.status)) return;
    // The owner reads this marker when the script ends and records `cancelled`.
    writeFileSync(join(this.dir, "cancel"), `${process.pid}\n`);
    if (record.pid !== undefined) {
      killGroup(record.pid, "SIGTERM");
      setTimeout(() => killGroup(record.pid!, "SIGKILL"), this.killGraceMs).unref();
    }
    if (record.ownerPid !== process.pid && !alive(record.ownerPid)) {
      writeJson(join(this.dir, "status.json"), {
        ...readStatus(this.dir),
        status: "cancelled",
        error: "Cancelled; the process group was stopped.",
        endedAt: new Date().toISOString(),
      });
      return;
    }
    await this.wait();
  }
}
