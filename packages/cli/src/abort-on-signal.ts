/**
 * Ctrl-C (or SIGTERM) during a headless run: the first one aborts the turn, so the session is
 * saved and the run ends with a resume hint; a second one exits at once (130 for SIGINT, 143 for
 * SIGTERM, as shells expect). With `graceMs`, a turn still running that long after the first
 * signal ends the process too, after `stuck` has said so: a signal is never ignored.
 */
export function abortOnSignals(
  abort: (reason: string) => void,
  options: { graceMs?: number; stuck?: (signal: NodeJS.Signals) => void } = {},
): {
  /** The signal that interrupted the run, if one did. */
  signalled(): NodeJS.Signals | undefined;
  /** Stops listening (call when the run is over). */
  release(): void;
} {
  let signalled: NodeJS.Signals | undefined;
  let grace: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(exitCodeFor(signal));
    signalled = signal;
    abort(`received ${signal}`);
    if (options.graceMs !== undefined) {
      grace = setTimeout(() => {
        options.stuck?.(signal);
        process.exit(exitCodeFor(signal));
      }, options.graceMs);
      grace.unref();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signalled: () => signalled,
    release: () => {
      clearTimeout(grace);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

export const exitCodeFor = (signal: NodeJS.Signals): number => (signal === "SIGINT" ? 130 : 143);
