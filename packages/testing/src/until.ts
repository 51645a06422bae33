/**
 * Waiting in tests: for a state or an event, never for a fixed time. Every deadline here is
 * multiplied by PINCER_TEST_TIMEOUT_SCALE (default 1), so a loaded machine (CI beside a build,
 * two cores shared by many) can stretch them all at once without touching a test.
 */

/** The factor every test deadline is multiplied by: PINCER_TEST_TIMEOUT_SCALE, a positive number, else 1. */
export function testTimeoutScale(env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.PINCER_TEST_TIMEOUT_SCALE);
  return Number.isFinite(scale) && scale > 0 ? scale : 1;
}

/** A deadline in milliseconds, scaled for this machine. */
export function scaledTimeout(ms: number): number {
  return Math.round(ms * testTimeoutScale());
}

/** How long `until` and `waitForEvent` wait when not told: generous, since a busy machine is slow. */
export const DEFAULT_WAIT_MS = 15_000;

export interface WaitOptions {
  /** Before scaling; default DEFAULT_WAIT_MS. */
  timeoutMs?: number;
  /** Between checks; default 20 ms. */
  intervalMs?: number;
  /** What was awaited, for the failure: a string, or a function called at the deadline (to show the state then). */
  message?: string | (() => string);
}

function describeWait(message: WaitOptions["message"], fallback: string): string {
  if (typeof message === "function") {
    try {
      return message();
    } catch (error) {
      return `${fallback} (describing the state failed: ${String(error)})`;
    }
  }
  return message ?? fallback;
}

/**
 * Checks `check` until it returns (or resolves to) something truthy, and returns that. A check that
 * throws counts as "not yet"; if the deadline passes, the failure names what was awaited, how long,
 * and the last error a check threw. A string in place of options is the message.
 */
export async function until<T>(
  check: () => T | Promise<T>,
  options: WaitOptions | string = {},
): Promise<NonNullable<T>> {
  const {
    timeoutMs = DEFAULT_WAIT_MS,
    intervalMs = 20,
    message,
  } = typeof options === "string" ? { message: options } : options;
  const limit = scaledTimeout(timeoutMs);
  const deadline = Date.now() + limit;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = describeWait(message, "a condition");
      const cause =
        lastError === undefined
          ? ""
          : `; the last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`Timed out after ${limit} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** What `waitForEvent` listens on: a Node EventEmitter or a DOM-style EventTarget. */
export type EventSource =
  | {
      on(name: string, listener: (...args: unknown[]) => void): unknown;
      off(name: string, listener: (...args: unknown[]) => void): unknown;
    }
  | {
      addEventListener(name: string, listener: (event: unknown) => void): unknown;
      removeEventListener(name: string, listener: (event: unknown) => void): unknown;
    };

export interface EventWaitOptions<T> extends Omit<WaitOptions, "intervalMs"> {
  /** Only an event this accepts ends the wait (an emitter's first argument, or the Event). */
  filter?: (value: T) => boolean;
  /** Also stop at this event (say "exit" or "error"): the wait fails, naming it. */
  failOn?: string;
}

/**
 * Resolves with the first `name` event (an EventEmitter's first argument, an EventTarget's Event)
 * that `filter` accepts; fails after the scaled deadline, or at once on `failOn`.
 */
export function waitForEvent<T = unknown>(
  source: EventSource,
  name: string,
  options: EventWaitOptions<T> | ((value: T) => boolean) = {},
): Promise<T> {
  const {
    filter,
    failOn,
    timeoutMs = DEFAULT_WAIT_MS,
    message,
  } = typeof options === "function" ? { filter: options } : options;
  const limit = scaledTimeout(timeoutMs);
  const listen = (event: string, listener: (value: unknown) => void) =>
    "on" in source ? source.on(event, listener) : source.addEventListener(event, listener);
  const unlisten = (event: string, listener: (value: unknown) => void) =>
    "off" in source ? source.off(event, listener) : source.removeEventListener(event, listener);
  return new Promise<T>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      unlisten(name, onEvent);
      if (failOn) unlisten(failOn, onFail);
      outcome();
    };
    const onEvent = (event: unknown) => {
      const value = event as T;
      let accepted: boolean;
      try {
        accepted = filter ? filter(value) : true;
      } catch (error) {
        settle(() => reject(error));
        return;
      }
      if (accepted) settle(() => resolve(value));
    };
    const onFail = (value: unknown) =>
      settle(() =>
        reject(new Error(`"${failOn}" came before ${describeWait(message, `a "${name}" event`)}: ${String(value)}`)),
      );
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(new Error(`Timed out after ${limit} ms waiting for ${describeWait(message, `a "${name}" event`)}`)),
        ),
      limit,
    );
    listen(name, onEvent);
    if (failOn) listen(failOn, onFail);
  });
}
