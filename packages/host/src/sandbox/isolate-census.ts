import type ivm from "isolated-vm";

/**
 * The plugin isolates alive in this process, held weakly, so memory figures (bench/intern.js) can
 * tell what an isolate retains from the room its collector keeps. Pruned of gone and disposed
 * isolates at each addition: a long `pincer serve` holds no more entries than live isolates.
 */
const counted = new Map<WeakRef<ivm.Isolate>, string>();

/**
 * Each isolate's census context, made at its first collection and kept for the next: a context
 * made for each figure stayed in the heap after its release until V8 let the detached context go a
 * few collections later (~150-250 KB a figure), which read as a plugin's heap creeping by that much
 * at each figure and falling back every four or five.
 */
const censusContexts = new WeakMap<ivm.Isolate, ivm.Context>();

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
 * --expose-gc installs in every context, called in a census context of that isolate (a collection
 * takes the whole isolate's heap), so the plugin's own context is never touched; the census
 * context is kept for the next figure, so every figure counts the same one. Call it while no
 * plugin call is in flight: it waits for each isolate's lock.
 */
export async function isolateHeaps(options: { collect?: boolean } = {}): Promise<IsolateHeap[]> {
  const heaps: IsolateHeap[] = [];
  for (const [ref, plugin] of counted) {
    const isolate = ref.deref();
    if (!isolate || isolate.isDisposed) continue;
    try {
      const collected = options.collect ? await collect(isolate) : false;
      const stats = await isolate.getHeapStatistics();
      heaps.push({ plugin, usedBytes: stats.used_heap_size, totalBytes: stats.total_heap_size, collected });
    } catch {
      // Disposed meanwhile (an idle isolate stopped): it retains nothing.
    }
  }
  return heaps;
}

/** A full collection of `isolate`, in its census context; false where `gc` is not there (no --expose-gc). */
async function collect(isolate: ivm.Isolate): Promise<boolean> {
  const context = censusContexts.get(isolate) ?? (await isolate.createContext());
  const collected = (await context.eval("typeof gc === 'function' ? (gc(), true) : false")) === true;
  // Kept only where it can collect: a context made before --expose-gc was set never gets `gc`.
  if (collected) censusContexts.set(isolate, context);
  else {
    censusContexts.delete(isolate);
    context.release();
  }
  return collected;
}
