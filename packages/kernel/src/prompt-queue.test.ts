import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { KernelEvent } from "./events.js";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel, type Kernel } from "./kernel.js";
import { type Message, messageText } from "./messages.js";
import { MAX_QUEUED_PROMPTS, QUEUE_ENTRY } from "./prompt-queue.js";
import { Session } from "./session/session.js";
import type { AnyTool, ToolKind } from "./tool.js";

/** A tool that runs `during` while it executes: how a test types while the turn works. */
function tool(name: string, kind: ToolKind, during: () => void = () => {}): AnyTool {
  return {
    name,
    description: name,
    kind,
    parameters: { type: "object", properties: {}, additionalProperties: false },
    async execute() {
      during();
      return { content: `${name} ran` };
    },
  };
}

function roles(messages: Message[]): string[] {
  return messages.map((message) => `${message.role}:${messageText(message)}`);
}

function queueEvents(kernel: Kernel): string[] {
  const seen: string[] = [];
  kernel.subscribe((event: KernelEvent) => {
    if (event.type === "prompt_queued") seen.push(`queued ${event.queued.mode} ${event.queued.text}`);
    if (event.type === "queue_delivered") seen.push(`delivered ${event.delivered.map((item) => item.text).join("+")}`);
    if (event.type === "queue_dropped")
      seen.push(`dropped ${event.reason} ${event.dropped.map((item) => item.text).join("+")}`);
    if (event.type === "turn_start") seen.push(`turn_start ${event.prompt}`);
    if (event.type === "turn_end") seen.push(`turn_end ${event.result.stopReason}`);
  });
  return seen;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("messages sent while a turn runs", () => {
  it("steers: delivered after the running tool's result, before the next model call", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([toolCalls({ id: "c1", name: "look", args: {} }), text("turned left")]);
    kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("look", "read", () => kernel.steer("go left instead"))],
    });
    const seen = queueEvents(kernel);
    const result = await kernel.prompt("go right");
    expect(result).toMatchObject({ stopReason: "end_turn", steps: 2, text: "turned left" });
    expect(roles(provider.requests[1]!.messages)).toEqual([
      "user:go right",
      "assistant:",
      "toolResult:look ran",
      "user:go left instead",
    ]);
    expect(seen).toEqual([
      "turn_start go right",
      "queued steer go left instead",
      "delivered go left instead",
      "turn_end end_turn",
    ]);
    expect(kernel.queued).toEqual([]);
    // Recorded: queued, then delivered, then the message itself.
    const recorded = kernel.session
      .pathToLeaf()
      .filter((entry) => entry.type === "custom" && entry.customType === QUEUE_ENTRY)
      .map((entry) => (entry.type === "custom" ? (entry.data as { action: string }).action : ""));
    expect(recorded).toEqual(["queued", "delivered"]);
  });

  it("skips the calls of the batch that had not started: the model reads the message first", async () => {
    let kernel!: Kernel;
    const ran: string[] = [];
    const provider = scriptedProvider([
      toolCalls({ id: "a", name: "first", args: {} }, { id: "b", name: "second", args: {} }),
      text("ok, stopping"),
    ]);
    kernel = createKernel({
      model: "test/m",
      providers: [provider],
      permissions: { mode: "bypassPermissions" },
      tools: [
        tool("first", "edit", () => {
          ran.push("first");
          kernel.steer("don't run the second one");
        }),
        tool("second", "edit", () => ran.push("second")),
      ],
    });
    await kernel.prompt("do both");
    expect(ran).toEqual(["first"]);
    const sent = provider.requests[1]!.messages;
    expect(sent.at(-2)).toMatchObject({ role: "toolResult", toolCallId: "b", isError: true });
    expect(messageText(sent.at(-2)!)).toMatch(/^Not run: the user sent a message before this tool ran/);
    expect(sent.at(-1)).toMatchObject({ role: "user", content: "don't run the second one" });
  });

  it("steers a model that was already finishing: the same turn goes on with the message", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([
      async function* () {
        kernel.steer("also say goodbye");
        yield* text("hello");
      },
      text("goodbye"),
    ]);
    kernel = createKernel({ model: "test/m", providers: [provider] });
    const seen = queueEvents(kernel);
    const result = await kernel.prompt("say hello");
    expect(result).toMatchObject({ stopReason: "end_turn", steps: 2, text: "goodbye" });
    expect(roles(kernel.session.buildContext().messages)).toEqual([
      "user:say hello",
      "assistant:hello",
      "user:also say goodbye",
      "assistant:goodbye",
    ]);
    expect(seen.filter((line) => line.startsWith("turn_start"))).toHaveLength(1);
  });

  it("follows up: delivered once the turn is over, as a turn of its own", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([
      toolCalls({ id: "c1", name: "look", args: {} }),
      text("first done"),
      text("second done"),
    ]);
    kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("look", "read", () => kernel.followUp("then write the tests"))],
    });
    const seen = queueEvents(kernel);
    const starts: KernelEvent[] = [];
    kernel.on("turn_start", (event) => starts.push(event));
    const result = await kernel.prompt("fix the bug");
    expect(result.text).toBe("second done");
    // Not mid-turn: the second model call saw only the tool result.
    expect(provider.requests[1]!.messages.at(-1)).toMatchObject({ role: "toolResult" });
    expect(provider.requests[2]!.messages.at(-1)).toMatchObject({ role: "user", content: "then write the tests" });
    expect(seen).toEqual([
      "turn_start fix the bug",
      "queued followUp then write the tests",
      "turn_end end_turn",
      "delivered then write the tests",
      "turn_start then write the tests",
      "turn_end end_turn",
    ]);
    expect(starts[1]).toMatchObject({ queued: { mode: "followUp", text: "then write the tests" } });
    expect(kernel.running).toBe(false);
  });

  it("esc (abort) delivers nothing and gives every queued message back", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([
      toolCalls({ id: "c1", name: "look", args: {} }),
      async function* (_request, signal) {
        // The user steers, then presses esc while the model is still thinking.
        kernel.steer("now");
        kernel.abort();
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        yield { type: "stop", reason: "aborted" };
      },
    ]);
    kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("look", "read", () => kernel.followUp("later"))],
    });
    const seen = queueEvents(kernel);
    const result = await kernel.prompt("start");
    expect(result.stopReason).toBe("aborted");
    expect(seen.slice(-2)).toEqual(["dropped aborted later+now", "turn_end aborted"]);
    expect(seen.some((line) => line.startsWith("delivered"))).toBe(false);
    expect(kernel.queued).toEqual([]);
  });

  it("drops what waits when the turn fails, and says why", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([
      async function* () {
        kernel.followUp("and then this");
        yield { type: "error", message: "HTTP 400: bad request", retryable: false };
      },
    ]);
    kernel = createKernel({ model: "test/m", providers: [provider] });
    const seen = queueEvents(kernel);
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("error");
    expect(seen.slice(-2)).toEqual(["dropped error and then this", "turn_end error"]);
    expect(provider.requests).toHaveLength(1);
  });

  it("refuses to queue with no turn running, and past the limit", async () => {
    let kernel!: Kernel;
    let refused: Error | undefined;
    const provider = scriptedProvider([
      async function* () {
        for (let index = 0; index < MAX_QUEUED_PROMPTS; index++) kernel.followUp(`note ${index}`);
        try {
          kernel.steer("one too many");
        } catch (error) {
          refused = error as Error;
        }
        yield { type: "error", message: "stop here", retryable: false };
      },
    ]);
    kernel = createKernel({ model: "test/m", providers: [provider] });
    expect(() => kernel.steer("hello?")).toThrow(/No turn is running/);
    expect(() => kernel.followUp("hello?")).toThrow(/No turn is running/);
    await kernel.prompt("go");
    expect(refused?.message).toMatch(`${MAX_QUEUED_PROMPTS} messages are already queued`);
    // The work went on: the turn ended on its own terms, and the queue was handed back.
    expect(kernel.queued).toEqual([]);
  });

  it("passes steering through the prompt hooks: one a hook blocks is dropped, the turn goes on", async () => {
    let kernel!: Kernel;
    const provider = scriptedProvider([toolCalls({ id: "c1", name: "look", args: {} }), text("fine")]);
    kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [
        tool("look", "read", () => {
          kernel.steer("my password is hunter2");
          kernel.steer("use the staging db");
        }),
      ],
      hooks: {
        promptSubmit: (prompt) =>
          prompt.includes("password") ? { block: { reason: "no secrets" } } : { context: "(checked)" },
      },
    });
    const seen = queueEvents(kernel);
    const warnings: string[] = [];
    kernel.on("warning", (event) => warnings.push(event.message));
    await kernel.prompt("migrate");
    expect(roles(provider.requests[1]!.messages).at(-1)).toBe("user:use the staging db\n\n(checked)");
    expect(JSON.stringify(provider.requests[1]!.messages)).not.toContain("hunter2");
    expect(seen).toContain("dropped blocked my password is hunter2");
    expect(warnings).toEqual(["The prompt was blocked by a hook: no secrets"]);
  });

  it("a resumed session gives back what a killed process had queued, once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pincer-queue-"));
    dirs.push(dir);
    const file = join(dir, "s.jsonl");
    const crashed = Session.create(file, { cwd: dir });
    crashed.append({ type: "message", message: { role: "user", content: "start", timestamp: 1 } });
    crashed.append({
      type: "custom",
      customType: QUEUE_ENTRY,
      data: { action: "queued", id: "q1", mode: "followUp", text: "then deploy" },
    });

    const provider = scriptedProvider([text("resumed"), text("again")]);
    const kernel = createKernel({ model: "test/m", providers: [provider], session: Session.open(file) });
    expect(kernel.undeliveredOnResume).toEqual([{ id: "q1", mode: "followUp", text: "then deploy" }]);
    const seen = queueEvents(kernel);
    await kernel.prompt("go on");
    expect(seen.slice(0, 2)).toEqual(["dropped process_ended then deploy", "turn_start go on"]);
    const dropped: KernelEvent[] = [];
    const again = createKernel({ model: "test/m", providers: [provider], session: Session.open(file) });
    again.on("queue_dropped", (event) => dropped.push(event));
    expect(again.undeliveredOnResume).toEqual([]);
    await again.prompt("and again");
    expect(dropped).toEqual([]);
    // The message never reached the model.
    expect(JSON.stringify(provider.requests)).not.toContain("then deploy");
  });
});
