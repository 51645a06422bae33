import type { ProviderEvent } from "@pincer/kernel";
import { withinDepth } from "./call-replies.js";

/** The deepest an event may nest (a usage record is two levels). */
const MAX_EVENT_DEPTH = 8;

const EVENT_TYPES = new Set([
  "text_delta",
  "thinking_delta",
  "toolcall_start",
  "toolcall_delta",
  "toolcall_end",
  "usage",
  "stop",
  "error",
]);

/** How long after a model call's end its last event batches may still arrive (notes cross unordered). */
export const LAST_BATCH_MS = 30_000;

/** How a model call ended, as its isolate reported it: the batches it sent on the way, the last one, why it failed. */
export interface StreamEnd {
  /** Batches sent as notes while the call ran (numbered from 1); all of them come before `rest`. */
  sent: number;
  /** The events still unsent when the call ended (JSON), delivered with the call's own result. */
  rest?: string;
  /** Why the call failed; the stream ends with it as an error event, after every event sent. */
  problem?: string;
}

/**
 * One model call's events as they come out of a plugin's isolate: in numbered batches (JSON), while
 * the kernel takes them one at a time. Batches are notes the isolate sends without waiting, and the
 * call's result may reach the host before the last of them (isolated-vm does not order the two), so
 * the call's end says how many batches it sent and brings the unsent rest itself: the stream ends only
 * once every batch is in, in order. Anything that is not one of the kernel's event types becomes an
 * error event, and a call that failed ends with one: a plugin never throws into the kernel.
 */
export class ProviderEventInbox {
  private queue: ProviderEvent[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  /** The number the next batch in order carries; batches that overtook it wait in `early`. */
  private next = 1;
  private readonly early = new Map<number, string>();
  private end: StreamEnd | undefined;
  private closed = false;
  private problem: string | undefined;
  private retryable = false;
  /** Ends the stream when batches the call's end counted have not arrived LAST_BATCH_MS later. */
  private overdue: NodeJS.Timeout | undefined;
  /** Bytes of event JSON received: the host's own check of the isolate's cap. */
  bytes = 0;

  constructor(private readonly pluginName: string) {}

  /** Batch number `seq` as the isolate sent it. */
  receive(seq: number, batchJson: string): void {
    if (this.closed || !Number.isSafeInteger(seq) || seq < this.next || this.early.has(seq)) return;
    this.bytes += batchJson.length;
    if (seq !== this.next) {
      this.early.set(seq, batchJson);
      return;
    }
    this.take(batchJson);
    this.next++;
    for (let held = this.early.get(this.next); held !== undefined; held = this.early.get(this.next)) {
      this.early.delete(this.next);
      this.take(held);
      this.next++;
    }
    this.settle();
    this.notify();
  }

  /** The call is over, as its result says: the stream ends once the batches it sent are all in. */
  finish(end: StreamEnd): void {
    if (this.closed || this.end) return;
    this.end = end;
    this.settle();
    this.notify();
    if (this.closed) return;
    // A batch still on its way arrives within moments; one that never does (lost on the bridge)
    // must end the stream with an error, not leave the turn waiting for ever.
    this.overdue = setTimeout(
      () => this.abandon(`Plugin ${this.pluginName}'s model call ended, but its last events never arrived.`, true),
      LAST_BATCH_MS,
    );
    this.overdue.unref?.();
  }

  /**
   * The call ended without a word on its batches (its isolate was stopped, or it never started):
   * whatever has not arrived never will, so the stream ends now, with `problem` as its error.
   * `retryable` when the call did nothing wrong itself (another call stopped the isolate it shared).
   */
  abandon(problem: string, retryable = false): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.overdue);
    this.problem = problem;
    this.retryable = retryable;
    this.early.clear();
    this.notify();
  }

  /** Whether the stream is still waiting for batches the isolate sent (the call itself may be over). */
  get waiting(): boolean {
    return !this.closed;
  }

  /** The events in order, until the call is over and every batch is in. */
  async *events(): AsyncGenerator<ProviderEvent> {
    while (true) {
      if (this.head < this.queue.length) {
        const event = this.queue[this.head++] as ProviderEvent;
        // Drop what was taken once the queue is drained, so a long stream holds no history.
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        yield event;
        continue;
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.problem) yield { type: "error", message: this.problem, retryable: this.retryable };
  }

  /** Closes the stream once the end is known and every batch before it arrived. */
  private settle(): void {
    const end = this.end;
    if (!end || this.closed || this.next <= end.sent) return;
    if (end.rest) this.take(end.rest);
    this.closed = true;
    clearTimeout(this.overdue);
    this.problem = end.problem;
  }

  private take(batchJson: string): void {
    let batch: unknown;
    try {
      batch = JSON.parse(batchJson);
    } catch {
      batch = [undefined];
    }
    for (const event of (Array.isArray(batch) ? batch : [batch]) as ProviderEvent[]) {
      // Events go on to the session file and the screen: nested deeper than any real event, one is refused.
      const known =
        event && typeof event === "object" && EVENT_TYPES.has(event.type) && withinDepth(event, MAX_EVENT_DEPTH);
      this.queue.push(
        known
          ? event
          : { type: "error", message: `Plugin ${this.pluginName} sent an unknown event.`, retryable: false },
      );
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
