import { describe, expect, it } from "vitest";
import { SUMMARY_SYSTEM_PROMPT } from "./compaction.js";
import { text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { messageText } from "./messages.js";
import type { ModelRequest, Provider, ProviderEvent } from "./provider.js";
import type { AnyTool } from "./tool.js";

const TASK = [
  "Reproduce the results of arXiv:1910.01108 (DistilBERT) on stanfordnlp/sst2 and publish the model.",
  "Use at most 2 A10G jobs. Target: 91.3 accuracy on the validation split.",
].join("\n");

type Todo = { content: string; status: string };
const MARKS: Record<string, string> = { pending: "[ ]", in_progress: "[>]", completed: "[x]" };
/** The todo tool as the core-tools plugin renders it. */
const todo: AnyTool = {
  name: "todo",
  description: "Replace the todo list",
  kind: "read",
  parameters: { type: "object" },
  async execute(args) {
    const todos = (args as { todos: Todo[] }).todos;
    const done = todos.filter((item) => item.status === "completed").length;
    return {
      content: `${todos.map((item) => `${MARKS[item.status]} ${item.content}`).join("\n")}\n(${done}/${todos.length} done)`,
    };
  },
};
const logs: AnyTool = {
  name: "hf_job_logs",
  description: "Read a job's logs",
  kind: "read",
  parameters: { type: "object" },
  async execute(args) {
    const step = (args as { step: number }).step;
    return { content: `step ${step}: loss ${(1 / step).toFixed(4)}\n${"training log line\n".repeat(200)}` };
  },
};

const planV1: Todo[] = [
  { content: "Read the paper", status: "in_progress" },
  { content: "Inspect sst2", status: "pending" },
  { content: "Train and evaluate", status: "pending" },
];
const planV2: Todo[] = [
  { content: "Read the paper", status: "completed" },
  { content: "Inspect sst2", status: "completed" },
  { content: "Train and evaluate", status: "in_progress" },
];

/** Plays the run's steps in order; summary requests get a summary that mentions neither task nor plan. */
function engineer(steps: ProviderEvent[][]): Provider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  let summaries = 0;
  return {
    id: "test",
    requests,
    async *stream(request) {
      requests.push(structuredClone(request));
      if (request.systemPrompt === SUMMARY_SYSTEM_PROMPT) {
        yield* text(`Model summary ${++summaries}: the work is under way.`);
        return;
      }
      const step = steps.shift();
      if (!step) throw new Error("the script ran out of steps");
      yield* step;
    },
  };
}

describe("compaction keeps the task and the plan", () => {
  it("keeps the first prompt and the latest todo list verbatim through two successive compactions", async () => {
    const provider = engineer([
      toolCalls({ name: "todo", args: { todos: planV1 } }),
      toolCalls({ name: "hf_job_logs", args: { step: 1 } }),
      text("Read the paper; next the data."),
      toolCalls({ name: "todo", args: { todos: planV2 } }),
      toolCalls({ name: "hf_job_logs", args: { step: 2 } }),
      text("Training."),
      text("Still training."),
      text("Here is where things stand."),
    ]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [todo, logs],
      compaction: { threshold: 0.99, keepRecentTokens: 10 },
      loopGuard: false,
    });

    await kernel.prompt(TASK);
    expect(await kernel.compact()).toBe(true);
    await kernel.prompt("Go on with the data and the training.");
    await kernel.prompt("Keep going.");
    expect(await kernel.compact()).toBe(true);
    await kernel.prompt("Where are we?");

    expect(kernel.session.entries().filter((entry) => entry.type === "compaction")).toHaveLength(2);
    const last = provider.requests.at(-1)!;
    expect(last.systemPrompt).not.toBe(SUMMARY_SYSTEM_PROMPT);
    const first = messageText(last.messages[0]!);
    // The plan v2 todo call was summarised away by the second compaction: the pinned copy is the only one.
    expect(last.messages.slice(1).some((message) => messageText(message).includes("[>] Train and evaluate"))).toBe(
      false,
    );
    expect(first).toContain(`TASK (the user's first prompt, verbatim):\n${TASK}`);
    expect(first).toContain(
      "CURRENT PLAN (the latest todo list, verbatim):\n[x] Read the paper\n[x] Inspect sst2\n[>] Train and evaluate\n(2/3 done)",
    );
    // The stale plan is gone, and the model's own summary follows the pinned sections.
    expect(first).not.toContain("[>] Read the paper");
    expect(first).toContain("Model summary 2");
    expect(first.indexOf("CURRENT PLAN")).toBeLessThan(first.indexOf("Model summary 2"));
  });

  it("compacts inside one long unattended run, pinning the task and the plan each time", async () => {
    const steps = [toolCalls({ name: "todo", args: { todos: planV1 } })];
    for (let step = 1; step <= 12; step++) steps.push(toolCalls({ name: "hf_job_logs", args: { step } }));
    steps.push(text("Done."));
    const provider = engineer(steps);
    const kernel = createKernel({
      model: "test/small",
      providers: [provider],
      models: [
        {
          id: "test/small",
          contextWindow: 4_000,
          maxOutputTokens: 100,
          price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        },
      ],
      tools: [todo, logs],
      compaction: { threshold: 0.5, keepRecentTokens: 200 },
    });
    const result = await kernel.prompt(TASK);
    expect(result.stopReason).toBe("end_turn");
    const summaries = provider.requests.filter((request) => request.systemPrompt === SUMMARY_SYSTEM_PROMPT);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    // Summary requests say no later call continues them (a provider's isolate keeps nothing of
    // them); the conversation's own requests do not.
    expect(summaries.every((request) => request.oneOff === true)).toBe(true);
    expect(provider.requests.filter((request) => request.oneOff)).toHaveLength(summaries.length);
    // Every request after the first compaction still starts with the task and the plan, verbatim.
    const afterFirst = provider.requests.slice(provider.requests.indexOf(summaries[0]!) + 1);
    for (const request of afterFirst.filter((each) => each.systemPrompt !== SUMMARY_SYSTEM_PROMPT)) {
      const first = messageText(request.messages[0]!);
      expect(first).toContain(TASK);
      expect(first).toContain("[>] Read the paper\n[ ] Inspect sst2\n[ ] Train and evaluate\n(0/3 done)");
      // A tool result never opens the kept part.
      expect(request.messages[1]?.role).not.toBe("toolResult");
    }
    // The context stays bounded: no request carries every log.
    expect(provider.requests.at(-1)!.messages.length).toBeLessThan(8);
  });
});
