import { sha256Hex } from "./sha256.js";
import { type ToolProgress, toolProgress } from "./tool.js";

export interface LoopGuardOptions {
  /** The same call (name + arguments) with the same result this many times in a row. */
  repeatThreshold: number;
  /**
   * The same error text this many times in a row, whatever the arguments; or from the same call
   * (name + arguments) this many times within the window, whatever ran between (edit → run → the
   * same error, with a different edit each time).
   */
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
  /** Name + canonical arguments. */
  call: string;
  /** The result (see resultKey): with the call and the progress tag, what makes two observations the same. */
  result: string;
  /** The progress the result reports (see progressTag); undefined when it reports none. */
  progress: string | undefined;
  name: string;
  /** The call as a person reads it: `bash {"command":"python train.py"}`, shortened. */
  shown: string;
  /** The line of the result that tells most, shortened: the first; for a failure, its last (the error). */
  gist: string;
  /** The result when the call failed: the same error is the same key. */
  error?: string;
}

interface Detection {
  kind: LoopKind;
  /** What happened, as a clause: "the same bash call returned the same result 3 times in a row". */
  summary: string;
  /** The calls that repeated, shown with their arguments. */
  repeated: string[];
  /** The first line of the last result, the thing the model kept getting back. */
  lastResult: string;
  /** Told to the model, appended to the tool result. */
  message: string;
  /** Told to the user when the run stops. */
  advice: string;
}

const SHOWN_ARGS = 100;
const SHOWN_RESULT = 160;

/**
 * The doom-loop detector. It watches tool calls and their results; when the model keeps doing
 * the same thing and getting the same answer, it writes a corrective message, and after
 * `maxCorrections` of those it stops the run with a reason.
 */
export class LoopGuard {
  private readonly options: LoopGuardOptions;
  private history: Observation[] = [];
  private corrections = 0;
  /** Each call's (name + arguments) progress when it last moved on, to tell waiting from looping. */
  private lastProgress = new Map<string, { progress: ToolProgress; tag: string }>();

  constructor(options: Partial<LoopGuardOptions> = {}) {
    this.options = { ...DEFAULT_LOOP_GUARD, ...options };
  }

  /** A new user prompt starts with a clean slate. */
  reset(): void {
    this.history = [];
    this.corrections = 0;
    this.lastProgress.clear();
  }

  /**
   * Which stretch of progress this result belongs to: a new tag when work outside the call moved
   * on since the call last looked (its state changed, or it is still active and more time has
   * passed), else the tag of the last move. Two results with one tag are the same answer; a new
   * tag makes the same text a different one. Undefined: the result reports no progress.
   */
  private progressTag(call: string, details: unknown): string | undefined {
    const now = toolProgress(details);
    if (!now) return undefined;
    const before = this.lastProgress.get(call);
    const moved =
      !before ||
      before.progress.key !== now.key ||
      before.progress.state !== now.state ||
      (now.active && now.elapsedSeconds > before.progress.elapsedSeconds);
    if (!moved) return before.tag;
    const tag = hash(`${now.key ?? ""}|${now.state}|${now.elapsedSeconds}`);
    this.lastProgress.delete(call);
    this.lastProgress.set(call, { progress: now, tag });
    // Bounded: the calls seen lately are enough to compare with.
    if (this.lastProgress.size > 64) this.lastProgress.delete(this.lastProgress.keys().next().value!);
    return tag;
  }

  /**
   * `details` is the result's structured data: a numeric non-zero `details.exitCode` (a command
   * that ran and failed, which tools such as bash report without isError) counts as an error.
   */
  observe(call: { name: string; args: unknown; resultText: string; isError: boolean; details?: unknown }): LoopVerdict {
    const result = resultKey(call.resultText);
    const args = canonicalJson(call.args);
    const failed = call.isError || exitedNonZero(call.details);
    const key = `${call.name}:${args}`;
    // A result that reports progress differs from the last one even when its text is the same.
    const progress = this.progressTag(key, call.details);
    this.history.push({
      call: key,
      result,
      progress,
      name: call.name,
      shown: `${call.name} ${shorten(args, SHOWN_ARGS)}`,
      gist: shorten(gist(call.resultText, failed), SHOWN_RESULT),
      ...(failed ? { error: result } : {}),
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
      const last = found.lastResult ? ` The last result said: "${found.lastResult}".` : "";
      return {
        action: "stop",
        kind: found.kind,
        reason: `Stopped by the loop guard: ${found.summary}, and it kept happening after ${this.corrections} correction(s). Repeated: ${found.repeated.join(" → ")}.${last} ${found.advice}`,
      };
    }
    this.corrections++;
    return { action: "correct", kind: found.kind, message: found.message };
  }

  private detect(name: string): Detection | undefined {
    const { repeatThreshold, errorRepeatThreshold, cycleLengths, cycleRepeats } = this.options;
    const history = this.history;
    const tail = (count: number) => history.slice(-count);
    const last = history.at(-1)!;
    const again = "Go on in this session with a different instruction, or do this step yourself.";

    const repeated = tail(repeatThreshold);
    if (repeated.length === repeatThreshold && repeated.every((entry) => same(entry, repeated[0]!))) {
      const summary = `the same ${name} call returned the same result ${repeatThreshold} times in a row`;
      return {
        kind: "repeat",
        summary,
        repeated: [last.shown],
        lastResult: last.gist,
        message: `You made ${summary}. Repeating it will not change the outcome: change your approach, use what the result already says, or ask the user. If you are waiting for something (a job, a download), wait longer between checks or wait for it to finish instead of polling.`,
        advice: `Nothing changed between the calls: if it was waiting for a job, let the job finish (or wait longer between checks); otherwise the approach needs to change. ${again}`,
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
        repeated: unique(errors.map((entry) => entry.shown)),
        lastResult: last.gist,
        message: `${capitalize(summary)}. Read the error text carefully and fix its cause before calling ${name} again, or ask the user.`,
        advice: `Fix the cause of that error first. ${again}`,
      };
    }

    // The same failing call with the same error, whatever ran between: the fixes are not reaching the cause.
    if (last.error) {
      const same = history.filter((entry) => entry.call === last.call && entry.error === last.error);
      if (same.length >= errorRepeatThreshold) {
        const between = unique(
          history
            .slice(history.indexOf(same[0]!))
            .filter((entry) => entry.call !== last.call)
            .map((entry) => entry.name),
        );
        const summary = `the call ${last.shown} failed with the same error ${same.length} times, with ${between.join(", ") || "other calls"} in between`;
        return {
          kind: "error",
          summary,
          repeated: [last.shown],
          lastResult: last.gist,
          message: `${capitalize(summary)}: your changes are not reaching the cause. Stop changing things at random: read the whole error, find the line it points at, and check your assumption about it (print the data, the shapes, the column names) before the next change.`,
          advice: `The changes made between the runs did not touch the cause of the error; find it before running again. ${again}`,
        };
      }
    }

    for (const length of cycleLengths) {
      const span = tail(length * cycleRepeats);
      if (span.length < length * cycleRepeats) continue;
      const cycle = span.slice(0, length);
      // A cycle of one repeated call is the repeat case, not a cycle.
      if (cycle.every((entry) => same(entry, cycle[0]!))) continue;
      if (span.every((entry, index) => same(entry, cycle[index % length]!))) {
        const names = cycle.map((entry) => entry.name).join(" → ");
        const summary = `the sequence ${names} repeated ${cycleRepeats} times with identical results`;
        return {
          kind: "cycle",
          summary,
          repeated: cycle.map((entry) => entry.shown),
          lastResult: last.gist,
          message: `You are going in circles: ${summary}. Step back, say what you are trying to achieve, and try something different.`,
          advice: `The same steps gave the same results each time; a different approach is needed. ${again}`,
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
  return sha256Hex(text).slice(0, 16);
}

/** Results up to this many characters are compared as they are; longer ones by their SHA-256. */
const COMPARED_AS_TEXT = 4096;

/**
 * What stands for a result in the window: a short one itself (the string the message already
 * holds, so keeping it costs nothing, and comparing two is cheaper than hashing one: a read's
 * few KB took ~0.1-0.4 ms of JavaScript SHA-256 per call), a long one by a digest (node:crypto
 * past that size, see sha256.ts), marked so that no short text equals it.
 */
function resultKey(text: string): string {
  return text.length <= COMPARED_AS_TEXT ? text : `\u0000sha256:${hash(text)}`;
}

/** The same call, answered the same way: polling a changing log is not a loop. */
function same(a: Observation, b: Observation): boolean {
  return a.call === b.call && a.result === b.result && a.progress === b.progress;
}

const SAYS_NOTHING = /^(exit code -?\d+|killed by \w+)$/;

/**
 * A traceback's last line is the error; a status's first line is the state. Exit-code lines say
 * nothing. Found by walking the lines from that end, not by splitting the whole result.
 */
function gist(text: string, failed: boolean): string {
  let start = failed ? text.length : 0;
  for (;;) {
    let line: string;
    if (failed) {
      if (start <= 0) return "";
      const from = text.lastIndexOf("\n", start - 1);
      line = text.slice(from + 1, start);
      start = from;
    } else {
      if (start > text.length) return "";
      const end = text.indexOf("\n", start);
      line = text.slice(start, end === -1 ? text.length : end);
      start = end === -1 ? text.length + 1 : end + 1;
    }
    const trimmed = line.trim();
    if (trimmed && !SAYS_NOTHING.test(trimmed)) return trimmed;
  }
}

function exitedNonZero(details: unknown): boolean {
  const code = (details as { exitCode?: unknown } | undefined)?.exitCode;
  return typeof code === "number" && code !== 0;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
