import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { AnyTool } from "./tool.js";

const noop: AnyTool = {
  name: "noop",
  description: "Does nothing",
  kind: "read",
  parameters: { type: "object", additionalProperties: true },
  execute: async () => ({ content: "ok" }),
};

describe("provider faults", () => {
  it("retries a retryable error, honouring retry-after, and succeeds", async () => {
    const provider = scriptedProvider([
      [
        { type: "text_delta", text: "partial " },
        { type: "error", message: "429 slow down", retryable: true, status: 429, retryAfterMs: 30 },
      ],
      text("second try"),
    ]);
    const kernel = createKernel({ model: "test/m", providers: [provider], retry: { baseDelayMs: 1 } });
    const retries: number[] = [];
    kernel.on("retry", (event) => retries.push(event.delayMs));
    const result = await kernel.prompt("hi");
    expect(result).toMatchObject({ stopReason: "end_turn", text: "second try" });
    expect(retries).toEqual([30]);
    // The failed attempt's partial text never reaches the session.
    expect(JSON.stringify(kernel.session.buildContext().messages)).not.toContain("partial");
  });

  it("treats a stream that goes silent as a hung server: the attempt is aborted and retried", async () => {
    let attempts = 0;
    const aborted: boolean[] = [];
    const provider = {
      id: "test",
      async *stream(_request: unknown, signal: AbortSignal) {
        attempts++;
        if (attempts === 1) {
          yield { type: "text_delta" as const, text: "then nothing" };
          // A hung server: no more events, until the kernel gives up on this attempt.
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          aborted.push(signal.aborted);
          return;
        }
        yield { type: "text_delta" as const, text: "recovered" };
        yield { type: "stop" as const, reason: "stop" as const };
      },
    };
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      retry: { baseDelayMs: 1, idleTimeoutMs: 50 },
    });
    const retries: string[] = [];
    kernel.on("retry", (event) => retries.push(event.error));
    const result = await kernel.prompt("hi");
    expect(result).toMatchObject({ stopReason: "end_turn", text: "recovered" });
    expect(retries[0]).toContain("sent nothing for 50 ms");
    expect(aborted).toEqual([true]);
  });

  it("gives up after the retry budget with the provider's message", async () => {
    const failing = Array.from({ length: 3 }, () => [
      { type: "error" as const, message: "openai: 503 overloaded", retryable: true },
    ]);
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider(failing)],
      retry: { maxRetries: 2, baseDelayMs: 1 },
    });
    const result = await kernel.prompt("hi");
    expect(result).toMatchObject({ stopReason: "error", error: "openai: 503 overloaded" });
  });

  it("never keeps a half tool call when the stream fails mid-call", async () => {
    const provider = scriptedProvider([
      [
        { type: "text_delta", text: "Let me look." },
        { type: "toolcall_start", index: 0, id: "c1", name: "noop" },
        { type: "toolcall_delta", index: 0, argumentsDelta: '{"pa' },
        { type: "error", message: "connection reset", retryable: false },
      ],
    ]);
    const kernel = createKernel({ model: "test/m", providers: [provider], tools: [noop] });
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("error");
    const assistant = kernel.session.buildContext().messages.find((message) => message.role === "assistant");
    expect(assistant?.role === "assistant" && assistant.content).toEqual([{ type: "text", text: "Let me look." }]);
  });

  it("treats a provider that throws as a failed turn, not a crash", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [
        {
          id: "test",
          stream: () => {
            throw new Error("bug in provider");
          },
        },
      ],
    });
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("error");
    expect(result.error).toContain("bug in provider");
  });
});

describe("abort", () => {
  it("aborts a streaming model call: the signal reaches the provider", async () => {
    let sawAbort = false;
    const provider = scriptedProvider([
      async function* (_request, signal) {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        sawAbort = true;
        yield { type: "stop", reason: "aborted" };
      },
    ]);
    const kernel = createKernel({ model: "test/m", providers: [provider] });
    kernel.on("request_start", () => setImmediate(() => kernel.abort()));
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("aborted");
    expect(sawAbort).toBe(true);
    expect(kernel.running).toBe(false);
  });

  it("aborts a running tool through its signal and records every call's result", async () => {
    let toolSawAbort = false;
    const waiting: AnyTool = {
      ...noop,
      name: "wait",
      kind: "execute",
      execute: (_args, ctx) =>
        new Promise((resolve) => {
          const stop = () => {
            toolSawAbort = true;
            resolve({ content: "stopped", isError: true });
          };
          // The abort may land before the tool starts listening: a signal already aborted counts.
          if (ctx.signal.aborted) stop();
          else ctx.signal.addEventListener("abort", stop);
        }),
    };
    const provider = scriptedProvider([
      toolCalls({ id: "a", name: "wait", args: {} }, { id: "b", name: "wait", args: {} }),
    ]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [waiting],
      permissions: { mode: "bypassPermissions" },
    });
    kernel.on("tool_start", () => setImmediate(() => kernel.abort()));
    const result = await kernel.prompt("hi");
    expect(result.stopReason).toBe("aborted");
    expect(toolSawAbort).toBe(true);
    const results = kernel.session.buildContext().messages.filter((message) => message.role === "toolResult");
    expect(results.map((message) => message.role === "toolResult" && message.toolCallId)).toEqual(["a", "b"]);
    expect(JSON.stringify(results[1])).toContain("Not run");
  });

  it("accepts an external AbortSignal", async () => {
    const controller = new AbortController();
    controller.abort();
    const kernel = createKernel({ model: "test/m", providers: [scriptedProvider([text("never")])] });
    const result = await kernel.prompt("hi", { signal: controller.signal });
    expect(result.stopReason).toBe("aborted");
  });

  it("refuses a second concurrent turn", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [
        scriptedProvider([
          async function* (_r, signal) {
            await new Promise((resolve) => signal.addEventListener("abort", resolve));
            yield { type: "stop", reason: "aborted" };
          },
        ]),
      ],
    });
    const first = kernel.prompt("one");
    await expect(kernel.prompt("two")).rejects.toThrow("already running");
    kernel.abort();
    await first;
  });
});
