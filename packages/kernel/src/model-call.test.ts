import { describe, expect, it } from "vitest";
import { EventBus, type KernelEvent } from "./events.js";
import { callModel, DEFAULT_RETRY } from "./model-call.js";
import type { Provider, ProviderEvent } from "./provider.js";

const request = { model: "m", systemPrompt: "", messages: [], tools: [] };

/** A provider that plays one script per attempt; `hang` waits until the attempt is aborted. */
function scripted(attempts: Array<Array<ProviderEvent | "hang">>): Provider & { calls: number } {
  const provider = {
    id: "scripted",
    calls: 0,
    async *stream(_request: unknown, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
      const script = attempts[provider.calls++] ?? [];
      for (const step of script) {
        if (step === "hang") {
          if (!signal.aborted)
            await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          return;
        }
        yield step;
      }
    },
  };
  return provider;
}

function run(provider: Provider, retry: Partial<typeof DEFAULT_RETRY> = {}) {
  const bus = new EventBus();
  const events: KernelEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const result = callModel({
    provider,
    modelRef: "scripted/m",
    request,
    signal: new AbortController().signal,
    retry: { ...DEFAULT_RETRY, baseDelayMs: 1, maxDelayMs: 1, ...retry },
    bus,
  });
  return { result, events };
}

describe("a model call under faults", () => {
  it("a stream that just ends (no stop, no error) is a retryable cut, never a success", async () => {
    const provider = scripted([
      [{ type: "text_delta", text: "half an ans" }],
      [
        { type: "text_delta", text: "the whole answer" },
        { type: "stop", reason: "stop" },
      ],
    ]);
    const { result, events } = run(provider);
    const { message, error } = await result;
    expect(error).toBeUndefined();
    expect(message.content).toEqual([{ type: "text", text: "the whole answer" }]);
    // The partial answer was dropped, and the retry said so for front ends that showed it.
    expect(events.find((event) => event.type === "retry")).toMatchObject({ discarded: true });
  });

  it("a stall is retried once, then given up, naming the setting that ended it", async () => {
    const provider = scripted([["hang"], [{ type: "text_delta", text: "x" }, "hang"], ["hang"]]);
    const { result, events } = run(provider, { idleTimeoutMs: 30, idleTimeoutSetting: "streamIdleTimeoutMs" });
    const { error } = await result;
    expect(provider.calls).toBe(2);
    expect(error?.message).toBe(
      "scripted: the stream sent nothing for 30 ms (the limit is streamIdleTimeoutMs); the server may be hung.",
    );
    expect(events.filter((event) => event.type === "retry")).toEqual([
      expect.not.objectContaining({ discarded: true }),
    ]);
  });

  it("a slow stream that keeps sending is never cut: silence is the only clock", async () => {
    const slow: Provider = {
      id: "slow",
      async *stream() {
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          yield { type: "text_delta", text: "." };
        }
        yield { type: "stop", reason: "stop" };
      },
    };
    const { result } = run(slow, { idleTimeoutMs: 1000 });
    const { message, error } = await result;
    expect(error).toBeUndefined();
    expect(message.content).toEqual([{ type: "text", text: ".........." }]);
  });

  it("a turn aborted before the call starts aborts the provider's attempt (it never hangs)", async () => {
    const turn = new AbortController();
    turn.abort(new Error("user pressed esc"));
    const provider = scripted([["hang"]]);
    const { message } = await callModel({
      provider,
      modelRef: "scripted/m",
      request,
      signal: turn.signal,
      retry: { ...DEFAULT_RETRY, idleTimeoutMs: 60_000 },
    });
    expect(provider.calls).toBe(1);
    expect(message.content).toEqual([]);
  });
});
