import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SUMMARY_SYSTEM_PROMPT } from "./compaction.js";
import { text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel, type Kernel } from "./kernel.js";
import { messageText } from "./messages.js";
import type { ModelRequest, Provider } from "./provider.js";
import { Session } from "./session/session.js";
import { SessionStore } from "./session/store.js";
import type { AnyTool } from "./tool.js";

const TASK = "Reproduce arXiv:1910.01108 on stanfordnlp/sst2 and publish the model.";
const PLAN = "[>] Read every shard\n[ ] Train";
const CALLS_PER_PROMPT = 10;
const ITERATIONS = 300;

/** The log of a shard: ~1 KB, so three hundred of them overflow the small window many times. */
const shardLog = (step: number) => `shard ${step}: loss ${(1 / (step + 1)).toFixed(4)}\n${"row,0.5\n".repeat(120)}`;

const todo: AnyTool = {
  name: "todo",
  description: "Replace the todo list",
  kind: "read",
  parameters: { type: "object" },
  async execute() {
    return { content: PLAN };
  },
};
const read: AnyTool = {
  name: "read",
  description: "Read a shard",
  kind: "read",
  parameters: { type: "object" },
  async execute(args) {
    return { content: shardLog((args as { step: number }).step) };
  },
};

/** An ML-intern-like run: the plan first, then ten reads a prompt; summaries that drop task and plan. */
function intern(): Provider & { requests: ModelRequest[]; reads: number; summarised: string[] } {
  const provider = {
    id: "test",
    requests: [] as ModelRequest[],
    reads: 0,
    /** What each summary request asked to summarise. */
    summarised: [] as string[],
    async *stream(request: ModelRequest) {
      if (request.systemPrompt === SUMMARY_SYSTEM_PROMPT) {
        provider.summarised.push(messageText(request.messages[0]!));
        yield* text("Model summary: reading shards.");
        return;
      }
      provider.requests.push(request);
      if (provider.requests.length === 1) {
        yield* toolCalls({ name: "todo", args: {} });
        return;
      }
      const sincePrompt = request.messages.length - 1 - request.messages.findLastIndex((m) => m.role === "user");
      const results = request.messages.slice(-sincePrompt).filter((m) => m.role === "toolResult").length;
      if (sincePrompt > 0 && results >= CALLS_PER_PROMPT) {
        yield* text("Read this batch.");
        return;
      }
      yield* toolCalls({ name: "read", args: { step: provider.reads++ } });
    },
  };
  return provider;
}

const models = [
  {
    id: "test/small",
    contextWindow: 8_000,
    maxOutputTokens: 100,
    price: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
  },
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pincer-let-go-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kernelOn(session: Session, provider: Provider): Kernel {
  return createKernel({
    model: "test/small",
    models,
    providers: [provider],
    tools: [todo, read],
    session,
    compaction: { threshold: 0.5, keepRecentTokens: 1_000 },
    loopGuard: false,
  });
}

/** Sixty shard reads as an ML intern makes them, compacting as it goes, on `session` (on disk unless given). */
async function sixtyReads(session = new SessionStore(dir).create({ cwd: dir, lock: "test" })) {
  const provider = intern();
  const kernel = kernelOn(session, provider);
  for (let prompt = 0; provider.reads < 60; prompt++) await kernel.prompt(prompt === 0 ? TASK : "Go on.");
  return { session, provider, kernel };
}

describe("a compacted session lets go of what it summarised, and keeps it on disk", () => {
  it("300 iterations: memory holds the recent part, the file, a resume, a fork and a branch the whole", async () => {
    const store = new SessionStore(dir);
    const session = store.create({ cwd: dir, lock: "test" });
    const provider = intern();
    const kernel = kernelOn(session, provider);
    let compactions = 0;
    kernel.bus.on("compaction", () => compactions++);
    for (let prompt = 0; provider.reads < ITERATIONS; prompt++) {
      const result = await kernel.prompt(prompt === 0 ? TASK : `Batch ${prompt}: read the next shards.`);
      expect(result.stopReason).toBe("end_turn");
    }
    expect(compactions).toBeGreaterThanOrEqual(10);

    // In memory: the context's part, the pins and the entries that are not messages.
    const held = session.pathInMemory().filter((entry) => entry.type === "message");
    const whole = session.pathToLeaf();
    const results = whole.flatMap((entry) =>
      entry.type === "message" && entry.message.role === "toolResult" ? [entry.message] : [],
    );
    expect(results).toHaveLength(provider.reads + 1);
    expect(held.length).toBeLessThan(60);
    // Read back whole from the file: every shard's log, the first one included.
    expect(messageText(results[1]!)).toBe(shardLog(0));
    expect(messageText(results.at(-1)!)).toBe(shardLog(provider.reads - 1));
    expect(session.entries()).toHaveLength(session.size);
    expect(session.entries().filter((entry) => entry.type === "compaction")).toHaveLength(compactions);

    // Every compaction still pins the task and the plan, though the messages around them were let go of.
    const last = provider.requests.at(-1)!;
    expect(messageText(last.messages[0]!)).toContain(`TASK (the user's first prompt, verbatim):\n${TASK}`);
    expect(messageText(last.messages[0]!)).toContain(`CURRENT PLAN (the latest todo list, verbatim):\n${PLAN}`);

    // What `sessions show` reads (the file, read-only) is the whole session, the same as the live one.
    const shown = Session.open(session.path, { readOnly: true });
    expect(shown.entries()).toEqual(session.entries());
    expect(shown.pathToLeaf()).toEqual(whole);

    // A fork from an entry let go of copies the whole path to it.
    const early = whole.find((entry) => entry.type === "message" && entry.message.role === "toolResult")!;
    const fork = store.fork(session.id, early.id);
    expect(fork.pathToLeaf()).toEqual(whole.slice(0, whole.indexOf(early) + 1));
    fork.close();

    // Resume: the usage of the whole path (summarised turns were paid for too), the context, and a turn that goes on.
    const usage = kernel.usage;
    const context = session.buildContext();
    session.close();
    const resumed = store.open(session.id, { lock: "test" });
    const again = kernelOn(resumed, provider);
    expect(again.usage).toEqual(usage);
    expect(resumed.buildContext().messages).toEqual(context.messages);
    expect((await again.prompt("Where are we?")).stopReason).toBe("end_turn");

    // A branch back before the compactions reads what its context needs from the file.
    resumed.branch(early.id);
    const branched = resumed.buildContext().messages;
    expect(branched.map(messageText)).toEqual(
      whole
        .slice(0, whole.indexOf(early) + 1)
        .flatMap((entry) => (entry.type === "message" ? [messageText(entry.message)] : [])),
    );
    resumed.close();
  });

  it("a branch back before the cut holds its context in memory again, and compacts it whole", async () => {
    const { session, provider, kernel } = await sixtyReads();
    const whole = session.pathToLeaf();
    expect(session.pathInMemory().length).toBeLessThan(whole.length);
    // The fifth shard's result, long let go of.
    const early = whole.filter((entry) => entry.type === "message" && entry.message.role === "toolResult")[5]!;
    expect(session.pathInMemory().some((entry) => entry.id === early.id)).toBe(false);
    session.branch(early.id);
    expect(session.pathInMemory()).toEqual(whole.slice(0, whole.indexOf(early) + 1));
    // A compaction on the branch summarises what it holds: the shards read before it, whole.
    const before = provider.summarised.length;
    expect(await kernel.compact()).toBe(true);
    expect(provider.summarised).toHaveLength(before + 1);
    expect(provider.summarised.at(-1)).toContain(`shard 0: loss ${(1).toFixed(4)}`);
    expect((await kernel.prompt("A new direction from here.")).stopReason).toBe("end_turn");
    session.close();
  });

  it("a compaction that keeps from before an earlier cut holds what it keeps in memory again", async () => {
    const { session } = await sixtyReads();
    const whole = session.pathToLeaf();
    const early = whole.filter((entry) => entry.type === "message" && entry.message.role === "assistant")[5]!;
    expect(session.pathInMemory().some((entry) => entry.id === early.id)).toBe(false);
    session.append({
      type: "compaction",
      summary: "Kept from the sixth call.",
      firstKeptEntryId: early.id,
      tokensBefore: 0,
    });
    const kept = session.pathInMemory();
    expect(kept.slice(kept.findIndex((entry) => entry.id === early.id))).toEqual(
      session.pathToLeaf().slice(whole.indexOf(early)),
    );
    session.close();
  });

  it("lets go of nothing in a session that is not on disk", async () => {
    const { session } = await sixtyReads(Session.inMemory({ cwd: dir }));
    expect(session.entries().some((entry) => entry.type === "compaction")).toBe(true);
    expect(session.pathInMemory()).toEqual(session.pathToLeaf());
  });
});
