/**
 * Whether this process did work that a later start finds done: a plugin's snapshot made, a
 * manifest validated. `pincer -p` makes its code cache (the CLI's print-bundle.ts) only from a
 * start that did none: V8's cache holds every function the run compiled, and the first run's
 * one-off work made it ~250 KB larger, which every later start loaded again (~10 ms of CPU).
 */
let cold = false;

export function noteColdWork(): void {
  cold = true;
}

export function didColdWork(): boolean {
  return cold;
}
