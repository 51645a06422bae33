import { describe, expect, it } from "vitest";
import { buildSummaryRequest, estimateTokens, planCompaction, shouldCompact } from "./compaction.js";
import type { AssistantMessage, Message, ToolResultMessage, UserMessage } from "./messages.js";
import { emptyUsage } from "./messages.js";

const user = (text: string): UserMessage => ({ role: "user", content: text, timestamp: 0 });
const assistant = (text: string, calls: string[] = []): AssistantMessage => ({
  role: "assistant",
  content: [
    { type: "text", text },
    ...calls.map((id) => ({ type: "toolCall" as const, id, name: "read", arguments: { path: id } })),
  ],
  model: "t/m",
  usage: emptyUsage(),
  stopReason: calls.length ? "toolUse" : "stop",
  timestamp: 0,
});
const result = (id: string, text: string): ToolResultMessage => ({
  role: "toolResult",
  toolCallId: id,
  toolName: "read",
  content: [{ type: "text", text }],
  isError: false,
  timestamp: 0,
});

/** Seeded PRNG, so the property test is reproducible. */
function random(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) % 2 ** 32;
    return seed / 2 ** 32;
  };
}

function conversation(next: () => number): Message[] {
  const messages: Message[] = [];
  const turns = 2 + Math.floor(next() * 8);
  for (let turn = 0; turn < turns; turn++) {
    messages.push(user(`prompt ${turn} ${"p".repeat(Math.floor(next() * 400))}`));
    const steps = Math.floor(next() * 4);
    for (let step = 0; step < steps; step++) {
      const ids = Array.from({ length: 1 + Math.floor(next() * 3) }, (_, index) => `c${turn}-${step}-${index}`);
      messages.push(assistant("working", ids));
      for (const id of ids) messages.push(result(id, "r".repeat(Math.floor(next() * 2000))));
    }
    messages.push(assistant(`answer ${turn}`));
  }
  return messages;
}

describe("estimateTokens / shouldCompact", () => {
  it("grows with content and counts images", () => {
    const small = estimateTokens([user("hello")]);
    const large = estimateTokens([user("hello".repeat(100))]);
    expect(large).toBeGreaterThan(small);
    expect(
      estimateTokens([{ role: "user", content: [{ type: "image", data: "", mimeType: "image/png" }], timestamp: 0 }]),
    ).toBe(1200);
  });

  it("compacts at the threshold of the window", () => {
    expect(shouldCompact({ contextTokens: 79_999, contextWindow: 100_000 })).toBe(false);
    expect(shouldCompact({ contextTokens: 80_000, contextWindow: 100_000 })).toBe(true);
    expect(shouldCompact({ contextTokens: 50_000, contextWindow: 100_000, threshold: 0.5 })).toBe(true);
    expect(shouldCompact({ contextTokens: 70_000, contextWindow: 100_000, reserveTokens: 10_000 })).toBe(true);
  });
});

describe("planCompaction", () => {
  it("never starts the kept part at a tool result or between a call and its result", () => {
    const next = random(42);
    for (let run = 0; run < 300; run++) {
      const messages = conversation(next);
      const entries = messages.map((message, index) => ({ id: `e${index}`, message }));
      const plan = planCompaction(entries, { keepRecentTokens: Math.floor(next() * 3000) });
      if (!plan) continue;
      const cut = entries.findIndex((entry) => entry.id === plan.firstKeptEntryId);
      expect(entries[cut]!.message.role).not.toBe("toolResult");
      expect(plan.toSummarize).toEqual(entries.slice(0, cut));
      // Every call in the summarised part has its result in the summarised part.
      const calls = plan.toSummarize.flatMap((entry) =>
        entry.message.role === "assistant"
          ? entry.message.content.filter((block) => block.type === "toolCall").map((block) => block.id)
          : [],
      );
      const results = new Set(
        plan.toSummarize.flatMap((entry) => (entry.message.role === "toolResult" ? [entry.message.toolCallId] : [])),
      );
      for (const id of calls) expect(results.has(id)).toBe(true);
    }
  });

  it("keeps roughly keepRecentTokens verbatim", () => {
    const messages = Array.from({ length: 20 }, (_, index) =>
      index % 2 ? assistant("a".repeat(400)) : user("u".repeat(400)),
    );
    const entries = messages.map((message, index) => ({ id: `e${index}`, message }));
    const plan = planCompaction(entries, { keepRecentTokens: 500 })!;
    const kept = entries
      .slice(entries.findIndex((entry) => entry.id === plan.firstKeptEntryId))
      .map((entry) => entry.message);
    expect(estimateTokens(kept)).toBeGreaterThanOrEqual(500);
    expect(estimateTokens(kept)).toBeLessThan(1000);
  });

  it("cuts inside a single long run at an assistant step, keeping each call with its result", () => {
    const messages: Message[] = [user("the task")];
    for (let step = 0; step < 10; step++)
      messages.push(assistant("", [`c${step}`]), result(`c${step}`, "r".repeat(400)));
    const entries = messages.map((message, index) => ({ id: `e${index}`, message }));
    const plan = planCompaction(entries, { keepRecentTokens: 150 })!;
    expect(plan).toBeDefined();
    const cut = entries.findIndex((entry) => entry.id === plan.firstKeptEntryId);
    expect(entries[cut]!.message.role).toBe("assistant");
    expect(entries[cut + 1]!.message).toMatchObject({ role: "toolResult" });
    expect(cut).toBeGreaterThan(10);
  });

  it("returns undefined when there is too little to summarise", () => {
    expect(planCompaction([{ id: "a", message: user("hi") }], { keepRecentTokens: 10 })).toBeUndefined();
    expect(
      planCompaction(
        [
          { id: "a", message: user("hi") },
          { id: "b", message: assistant("yo") },
        ],
        { keepRecentTokens: 1_000_000 },
      ),
    ).toBeUndefined();
  });
});

describe("buildSummaryRequest", () => {
  it("is one plain user message that keeps the task and carries no tool calls", () => {
    const request = buildSummaryRequest(
      [user("Port the parser to Rust"), assistant("reading", ["c1"]), result("c1", "x".repeat(5000))],
      "earlier summary",
    );
    expect(request).toHaveLength(1);
    expect(request[0]!.role).toBe("user");
    const text = request[0]!.content as string;
    expect(text).toContain("Port the parser to Rust");
    expect(text).toContain("earlier summary");
    expect(text).toContain("[assistant calls read]");
    expect(text).toContain("[…]");
    expect(text.length).toBeLessThan(4000);
  });
});
