import type ivm from "isolated-vm";

/**
 * The plugin isolates alive in this process, held weakly, so memory figures (bench/intern.js) can
 * tell what an isolate retains from the room its collector keeps. Pruned of gone and disposed
 * isolates at each addition: a long `pincer serve` holds no more entries than live isolates.
 */
const counted = new Map<WeakRef<ivm.Isolate>, string>();

/** Counts a plugin's isolate (`plugin` names it in the figures). */
export function countIsolate(isolate: ivm.Isolate, plugin: string): void {
  for (const ref of counted.keys()) {
    const known = ref.deref();
    if (!known || known.isDisposed) counted.delete(ref);
  }
  counted.set(new WeakRef(isolate), plugin);
}

export interface IsolateHeap {
  /** The plugin the isolate runs. */
  plugin: string;
  /** Bytes the isolate's heap holds (live data, plus garbage unless `collect`). */
  usedBytes: number;
  /** Bytes its heap has taken from the system (what RSS sees). */
  totalBytes: number;
  /** Whether a full collection ran before the figure: only in a process started with --expose-gc. */
  collected: boolean;
}

/**
 * Each live plugin isolate's heap. With `collect`, a full collection first: V8's `gc`, which
 * --expose-gc installs in every context, called in a scratch context of that isolate (a collection
 * takes the whole isolate's heap), so the plugin's own context is never touched. Call it while no
 * plugin call is in flight: it waits for each isolate's lock.
 */
export async function isolateHeaps(options: { collect?: boolean } = {}): Promise<IsolateHeap[]> {
  const heaps: IsolateHeap[] = [];
  for (const [ref, plugin] of counted) {
    const isolate = ref.deref();
    if (!isolate || isolate.isDisposed) continue;
    try {
      let collected = false;
      if (options.collect) {
        const context = await isolate.createContext();
        try {
          collected = (await context.eval("typeof gc === 'function' ? (gc(), true) : false")) === true;
        } finally {
          context.release();
        }
      }
      const stats = await isolate.getHeapStatistics();
      heaps.push({ plugin, usedBytes: stats.used_heap_size, totalBytes: stats.total_heap_size, collected });
    } catch {
      // Disposed meanwhile (an idle isolate stopped): it retains nothing.
    }
  }
  return heaps;
}
