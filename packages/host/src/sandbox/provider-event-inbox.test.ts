import type { ProviderEvent } from "@pincer/kernel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LAST_BATCH_MS, ProviderEventInbox } from "./provider-event-inbox.js";

afterEach(() => {
  vi.useRealTimers();
});

const text = (value: string) => JSON.stringify([{ type: "text_delta", text: value }]);

async function drain(inbox: ProviderEventInbox): Promise<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for await (const event of inbox.events()) events.push(event);
  return events;
}

describe("provider event inbox", () => {
  it("waits for batches that arrive after the call's end, and puts overtaken ones back in order", async () => {
    const inbox = new ProviderEventInbox("p");
    const events = drain(inbox);
    inbox.receive(2, text("b"));
    inbox.finish({ sent: 3, rest: JSON.stringify([{ type: "error", message: "400", retryable: false }]) });
    expect(inbox.waiting).toBe(true);
    inbox.receive(3, text("c"));
    inbox.receive(1, text("a"));
    expect(inbox.waiting).toBe(false);
    expect(await events).toEqual([
      { type: "text_delta", text: "a" },
      { type: "text_delta", text: "b" },
      { type: "text_delta", text: "c" },
      { type: "error", message: "400", retryable: false },
    ]);
  });

  it("ends with the problem after everything sent, and ignores repeats and batches after the end", async () => {
    const inbox = new ProviderEventInbox("p");
    inbox.receive(1, text("a"));
    inbox.receive(1, text("a again"));
    inbox.finish({ sent: 1, problem: "it threw" });
    inbox.receive(2, text("late"));
    expect(await drain(inbox)).toEqual([
      { type: "text_delta", text: "a" },
      { type: "error", message: "it threw", retryable: false },
    ]);
  });

  it("ends at once when the call is abandoned, and turns unknown or too deep events into errors", async () => {
    const inbox = new ProviderEventInbox("p");
    let deep: unknown = {};
    for (let i = 0; i < 20; i++) deep = { deep };
    inbox.receive(1, JSON.stringify([{ type: "surprise" }, null, { type: "usage", usage: deep }]));
    inbox.abandon("stopped");
    expect(await drain(inbox)).toEqual([
      { type: "error", message: "Plugin p sent an unknown event.", retryable: false },
      { type: "error", message: "Plugin p sent an unknown event.", retryable: false },
      { type: "error", message: "Plugin p sent an unknown event.", retryable: false },
      { type: "error", message: "stopped", retryable: false },
    ]);
  });

  it("ends with a retryable error when a batch the call's end counted never arrives, instead of waiting for ever", async () => {
    vi.useFakeTimers();
    const inbox = new ProviderEventInbox("p");
    inbox.receive(1, text("a"));
    // The end says two batches were sent; the second was lost on the bridge.
    inbox.finish({ sent: 2 });
    vi.advanceTimersByTime(LAST_BATCH_MS - 1);
    expect(inbox.waiting).toBe(true);
    vi.advanceTimersByTime(1);
    expect(inbox.waiting).toBe(false);
    expect(await drain(inbox)).toEqual([
      { type: "text_delta", text: "a" },
      { type: "error", message: "Plugin p's model call ended, but its last events never arrived.", retryable: true },
    ]);
  });

  it("takes a last batch that arrives after the call's end in time, with no error after", async () => {
    vi.useFakeTimers();
    const inbox = new ProviderEventInbox("p");
    inbox.finish({ sent: 1, rest: JSON.stringify([{ type: "stop", reason: "stop" }]) });
    vi.advanceTimersByTime(LAST_BATCH_MS / 2);
    inbox.receive(1, text("a"));
    vi.advanceTimersByTime(LAST_BATCH_MS);
    expect(await drain(inbox)).toEqual([
      { type: "text_delta", text: "a" },
      { type: "stop", reason: "stop" },
    ]);
  });
});
