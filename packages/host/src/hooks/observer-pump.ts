import type { KernelEvent, Usage } from "@pincer/kernel";
import type { ObservedEvent, ObservedEventType } from "@pincer/sdk";
import { observedEvents } from "./observed-events.js";

/** Events waiting for one observer, at most; past it new ones are dropped and counted. */
export const MAX_WAITING_EVENTS = 256;
/** Events handed over in one call, at most. */
const BATCH = 64;

/**
 * One plugin's `observe` hook fed from the session's events: after the fact, in order, never
 * holding the loop (the bus listener only queues). Delivery is one call at a time, each a batch of
 * what waited. When the plugin falls behind by MAX_WAITING_EVENTS, further events are dropped
 * until there is room again, and the next batch starts with a `dropped` event saying how many;
 * the user is told once. A delivery that fails (throws, is stopped by its limits) is reported
 * once and the next batch goes on.
 */
export class ObserverPump {
  private readonly waiting: ObservedEvent[] = [];
  private dropped = 0;
  /** The delivery loop while it runs. */
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly warned = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly options: {
      plugin: string;
      wanted: ReadonlySet<ObservedEventType>;
      subscribe(listener: (event: KernelEvent) => void): () => void;
      sessionUsage(): Usage;
      deliver(events: ObservedEvent[]): Promise<void>;
      warn(message: string): void;
    },
  ) {
    this.unsubscribe = options.subscribe((event) => this.receive(event));
  }

  /** Resolves when nothing is waiting or being delivered (for tests and an orderly end). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.unsubscribe();
  }

  private receive(event: KernelEvent): void {
    if (this.closed) return;
    for (const observed of observedEvents(event, this.options.wanted, this.options.sessionUsage)) {
      if (this.waiting.length >= MAX_WAITING_EVENTS) {
        this.dropped++;
        this.warnOnce(
          "behind",
          `Plugin ${this.options.plugin} is not keeping up with the events it observes; some are dropped (it is told how many).`,
        );
        continue;
      }
      this.waiting.push(observed);
    }
    if (!this.running && this.waiting.length > 0) this.running = this.pump();
  }

  private async pump(): Promise<void> {
    // After `running` is set: the loop's end clears it.
    await Promise.resolve();
    try {
      while (!this.closed && this.waiting.length > 0) {
        const batch = this.waiting.splice(0, BATCH);
        if (this.dropped > 0) {
          batch.unshift({ type: "dropped", count: this.dropped });
          this.dropped = 0;
        }
        try {
          await this.options.deliver(batch);
        } catch (error) {
          this.warnOnce(
            "failed",
            `The observe hook of plugin ${this.options.plugin} failed: ${(error as Error).message.slice(0, 500)}; later events are still delivered (reported once).`,
          );
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.warn(message);
  }
}
