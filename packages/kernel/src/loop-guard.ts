import { createHash } from "node:crypto";

export interface LoopGuardOptions {
  /** The same call (name + arguments) with the same result this many times in a row. */
  repeatThreshold: number;
  /** The same error text this many times in a row, whatever the arguments. */
  errorRepeatThreshold: number;
  /** Cycle lengths to look for (A,B,A,B… is length 2). */
  cycleLengths: number[];
  /** Full repetitions of a cycle that count as a loop. */
  cycleRepeats: number;
  /** Corrections before the next detection stops the run. */
  maxCorrections: number;
}

export const DEFAULT_LOOP_GUARD: LoopGuardOptions = {
  repeatThreshold: 3,
  errorRepeatThreshold: 3,
  cycleLengths: [2, 3, 4, 5],
  cycleRepeats: 3,
  maxCorrections: 2,
};

export type LoopKind = "repeat" | "error" | "cycle";

export type LoopVerdict =
  | { action: "none" }
  | { action: "correct"; kind: LoopKind; message: string }
  | { action: "stop"; kind: LoopKind; reason: string };

interface Observation {
  /** Name + canonical arguments + result: polling a changing log is not a loop. */
  signature: string;
  name: string;
  error?: string;
}

/**
 * The doom-loop detector. It watches tool calls and their results; when the model keeps doing
 * the same thing and getting the same answer, it writes a corrective message, and after
 * `maxCorrections` of those it stops the run with a reason.
 */
export class LoopGuard {
  private readonly options: LoopGuardOptions;
  private history: Observation[] = [];
  private corrections = 0;

  constructor(options: Partial<LoopGuardOptions> = {}) {
    this.options = { ...DEFAULT_LOOP_GUARD, ...options };
  }

  /** A new user prompt starts with a clean slate. */
  reset(): void {
    this.history = [];
    this.corrections = 0;
  }

  observe(call: { name: string; args: unknown; resultText: string; isError: boolean }): LoopVerdict {
    const resultHash = hash(call.resultText);
    this.history.push({
      signature: `${call.name}:${canonicalJson(call.args)}:${resultHash}`,
      name: call.name,
      ...(call.isError ? { error: resultHash } : {}),
    });
    const keep = Math.max(
      this.options.repeatThreshold,
      this.options.errorRepeatThreshold,
      Math.max(...this.options.cycleLengths) * this.options.cycleRepeats,
    );
    if (this.history.length > keep) this.history.splice(0, this.history.length - keep);

    const found = this.detect(call.name);
    if (!found) return { action: "none" };
    // Clear the window so the same streak is not reported again on the very next call.
    this.history = [];
    if (this.corrections >= this.options.maxCorrections) {
      return {
        action: "stop",
        kind: found.kind,
        reason: `Stopped: ${found.summary}, and it kept happening after ${this.corrections} correction(s).`,
      };
    }
    this.corrections++;
    return { action: "correct", kind: found.kind, message: found.message };
  }

  private detect(name: string): { kind: LoopKind; summary: string; message: string } | undefined {
    const { repeatThreshold, errorRepeatThreshold, cycleLengths, cycleRepeats } = this.options;
    const history = this.history;
    const tail = (count: number) => history.slice(-count);

    const repeated = tail(repeatThreshold);
    if (repeated.length === repeatThreshold && repeated.every((entry) => entry.signature === repeated[0]!.signature)) {
      const summary = `the same ${name} call returned the same result ${repeatThreshold} times in a row`;
      return {
        kind: "repeat",
        summary,
        message: `You made ${summary}. Repeating it will not change the outcome: change your approach, use what the result already says, or ask the user.`,
      };
    }

    const errors = tail(errorRepeatThreshold);
    if (
      errors.length === errorRepeatThreshold &&
      errors.every((entry) => entry.error && entry.error === errors[0]!.error)
    ) {
      const summary = `the same error came back ${errorRepeatThreshold} times in a row`;
      return {
        kind: "error",
        summary,
        message: `${capitalize(summary)}. Read the error text carefully and fix its cause before calling ${name} again, or ask the user.`,
      };
    }

    for (const length of cycleLengths) {
      const span = tail(length * cycleRepeats);
      if (span.length < length * cycleRepeats) continue;
      const cycle = span.slice(0, length);
      // A cycle of one repeated call is the repeat case, not a cycle.
      if (new Set(cycle.map((entry) => entry.signature)).size < 2) continue;
      if (span.every((entry, index) => entry.signature === cycle[index % length]!.signature)) {
        const names = cycle.map((entry) => entry.name).join(" → ");
        const summary = `the sequence ${names} repeated ${cycleRepeats} times with identical results`;
        return {
          kind: "cycle",
          summary,
          message: `You are going in circles: ${summary}. Step back, say what you are trying to achieve, and try something different.`,
        };
      }
    }
    return undefined;
  }
}

/** JSON with sorted keys, so {a,b} and {b,a} are the same call. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function hash(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 16);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
