/**
 * What one plugin may make the host hold or do through its bridge, whatever its code does: the caps
 * that keep host memory and liveness bounded by the plugin's own limits. The isolate's half checks
 * its caps before data crosses (bridge-inside.ts); the host's half checks again on arrival.
 */

/** Caps the isolate's half of the bridge applies; sent to it at attach. */
export interface IsolateCaps {
  /** Bytes of event JSON one model call may send. */
  maxStreamBytes: number;
  /** Bytes of progress one tool call may send (the sandbox's `maxUpdateBytes`). */
  maxUpdateBytes: number;
  /** Bytes of console output per call window. */
  maxLogBytes: number;
  /** Bytes one host call may carry, and the arguments of unsettled calls together. */
  maxArgBytes: number;
  /** Characters of one path. */
  maxPathChars: number;
  /** Timers pending at once. */
  maxTimers: number;
}

export const ISOLATE_CAPS: Omit<IsolateCaps, "maxUpdateBytes"> = {
  maxStreamBytes: 64 * 1024 * 1024,
  maxLogBytes: 1024 * 1024,
  maxArgBytes: 64 * 1024 * 1024,
  maxPathChars: 4096,
  maxTimers: 10_000,
};

/** File reads of one plugin running at once (each returns at most 64 MB): more wait their turn. */
export const MAX_READS_IN_FLIGHT = 2;
/** The most output a spawned command's result keeps for the plugin (it asks for less, usually). */
export const MAX_EXEC_OUTPUT_BYTES = 16 * 1024 * 1024;
/** The most output of one command streamed into the isolate as it runs; the result still has its tail. */
export const MAX_EXEC_STREAM_BYTES = 4 * 1024 * 1024;
/** The longest a timer may be set for (Node's own maximum). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * CPU an isolate may use with no call running (what a call left behind: the end of its promise
 * chains, a collection). Past this, it is stopped: a plugin works during its calls only.
 */
export const IDLE_CPU_MS = 1000;
