import type { ProviderEvent } from "@pincer/kernel";

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

/**
 * One model call's events as they come out of a plugin's isolate: in batches (JSON), while the
 * kernel takes them one at a time. Anything that is not one of the kernel's event types becomes
 * an error event, and a call that failed ends with one: a plugin never throws into the kernel.
 */
export class ProviderEventInbox {
  private queue: ProviderEvent[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private finished = false;
  private problem: string | undefined;

  constructor(private readonly pluginName: string) {}

  /** A batch as the isolate sent it. */
  receive(batchJson: string): void {
    const batch = JSON.parse(batchJson) as ProviderEvent[];
    for (const event of Array.isArray(batch) ? batch : [batch]) {
      this.queue.push(
        event && EVENT_TYPES.has(event.type)
          ? event
          : { type: "error", message: `Plugin ${this.pluginName} sent an unknown event.`, retryable: false },
      );
    }
    this.notify();
  }

  /** The call is over; with a problem, the stream ends with it as an error event. */
  finish(problem?: string): void {
    this.finished = true;
    this.problem = problem;
    this.notify();
  }

  /** The events in order, until the call is over. */
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
      if (this.finished) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.problem) yield { type: "error", message: this.problem, retryable: false };
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
