import { emptyUsage, type KernelEvent } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { freshScan, stableBoundary } from "./markdown.js";
import { Transcript } from "./transcript.js";

const text = (value: string): KernelEvent => ({ type: "stream", event: { type: "text_delta", text: value } });

describe("Transcript", () => {
  it("moves finished paragraphs out of the live area while text streams", () => {
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "hi" });
    transcript.apply(text("First paragraph.\n\nSecond"));
    expect(transcript.items.map((item) => item.kind)).toEqual(["user", "markdown"]);
    expect(transcript.live.text).toBe("Second");
    transcript.apply(text(" paragraph, still going"));
    expect(transcript.live.text).toBe("Second paragraph, still going");
    transcript.apply({
      type: "turn_end",
      result: { stopReason: "end_turn", steps: 1, usage: emptyUsage(), text: "" },
      sessionUsage: emptyUsage(),
    });
    expect(transcript.live).toMatchObject({ text: "", busy: false });
    expect(transcript.items.at(-1)).toMatchObject({ kind: "markdown", text: "Second paragraph, still going" });
  });

  it("words a turn stopped at its limit in the terminal's terms, and shows the kernel's usage as it changes", () => {
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "go" });
    const spent = { ...emptyUsage(), input: 1200, output: 30 };
    transcript.apply({ type: "usage", session: spent, turn: spent });
    expect(transcript.usage).toEqual(spent);
    transcript.apply({
      type: "turn_end",
      result: {
        stopReason: "max_turns",
        steps: 50,
        usage: spent,
        text: "",
        error: "Stopped after 50 model calls, the limit of this run.",
        stop: { code: "max_turns", limit: 50 },
      },
      sessionUsage: spent,
    });
    const notice = transcript.items.at(-1) as { kind: string; text: string };
    expect(notice).toMatchObject({ kind: "notice" });
    expect(notice.text).toBe(
      "Stopped after 50 model calls, this session's limit for one message. Send a message to go on.",
    );
    expect(notice.text).not.toMatch(/--[a-z]/);
  });

  it("never splits a code fence, even across blank lines", () => {
    expect(stableBoundary("```js\nconst a = 1;\n\nconst b = 2;\n")).toBe(0);
    const closed = "```js\nconst a = 1;\n```\nafter";
    expect(stableBoundary(closed)).toBe(closed.indexOf("after"));
  });

  it("finds the same places to cut reading a streamed text once as reading it whole each time", () => {
    const answer =
      "Intro line\n\n```ts\nconst a = 1;\n\nconst b = 2;\n```\nAfter the fence\n\n\n~~~\nx\n~~~\n\n- a\n- b\n\nend";
    for (const size of [1, 2, 3, 7, 50]) {
      const scan = freshScan();
      let text = "";
      for (let at = 0; at < answer.length; at += size) {
        text += answer.slice(at, at + size);
        expect(stableBoundary(text, scan)).toBe(stableBoundary(text));
      }
    }
    // A transcript fed a character at a time cuts where whole rescans of its live text would.
    const expected: string[] = [];
    let live = "";
    for (const char of answer) {
      live += char;
      const cut = stableBoundary(live);
      if (cut === 0) continue;
      const done = live.slice(0, cut).replace(/\n+$/, "");
      if (done.trim()) expected.push(done);
      live = live.slice(cut);
    }
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "x" });
    for (const char of answer) transcript.apply(text(char));
    expect(transcript.items.flatMap((item) => (item.kind === "markdown" ? [item.text] : []))).toEqual(expected);
    expect(transcript.live.text).toBe(live);
  });

  it("shows running tools with their output, then the finished call", () => {
    const transcript = new Transcript();
    transcript.apply({ type: "tool_start", toolCallId: "t1", name: "bash", args: { command: "npm test" } });
    transcript.apply({ type: "tool_update", toolCallId: "t1", partial: "running 3 tests\n" });
    expect(transcript.live.tools[0]).toMatchObject({ name: "bash", output: "running 3 tests\n" });
    transcript.apply({
      type: "tool_end",
      toolCallId: "t1",
      name: "bash",
      durationMs: 1200,
      result: {
        role: "toolResult",
        toolCallId: "t1",
        toolName: "bash",
        content: [{ type: "text", text: "ok" }],
        isError: false,
        timestamp: 0,
      },
    });
    expect(transcript.live.tools).toEqual([]);
    expect(transcript.items.at(-1)).toMatchObject({
      kind: "tool",
      name: "bash",
      args: { command: "npm test" },
      durationMs: 1200,
    });
  });

  it("strips escape sequences from model text so it cannot drive the terminal", () => {
    const transcript = new Transcript();
    transcript.apply({ type: "turn_start", prompt: "x" });
    transcript.apply(text("\x1b]0;pwned\x07Hello \x1b[31mred\x1b[0m\n\n"));
    expect(transcript.items.at(-1)).toMatchObject({ kind: "markdown", text: "Hello red" });
  });

  it("rebuilds the items of a stored conversation", () => {
    const transcript = new Transcript();
    transcript.loadHistory([
      { role: "user", content: "read it", timestamp: 0 },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Reading." },
          { type: "toolCall", id: "c1", name: "read", arguments: { path: "a.txt" } },
        ],
        model: "openai/gpt-5",
        usage: emptyUsage(),
        stopReason: "toolUse",
        timestamp: 0,
      },
      {
        role: "toolResult",
        toolCallId: "c1",
        toolName: "read",
        content: [{ type: "text", text: "1\n2" }],
        isError: false,
        timestamp: 0,
      },
    ]);
    expect(transcript.items.map((item) => item.kind)).toEqual(["user", "markdown", "tool"]);
    expect(transcript.items.at(-1)).toMatchObject({ kind: "tool", args: { path: "a.txt" } });
  });

  it("shows a failed model call's error once, with the terminal's advice (/model, not --model)", () => {
    const transcript = new Transcript();
    const message = "OPENAI_API_KEY is not set; export it, or run with another --model.";
    transcript.apply({ type: "turn_start", prompt: "hi" });
    transcript.apply({
      type: "assistant_message",
      message: {
        role: "assistant",
        content: [],
        model: "openai/gpt-5",
        usage: emptyUsage(),
        stopReason: "error",
        errorMessage: message,
        timestamp: 0,
      },
    });
    transcript.apply({
      type: "turn_end",
      result: { stopReason: "error", steps: 1, usage: emptyUsage(), text: "", error: message },
      sessionUsage: emptyUsage(),
    });
    const errors = transcript.items.filter((item) => item.kind === "notice" && item.level === "error");
    expect(errors).toEqual([
      expect.objectContaining({ text: "OPENAI_API_KEY is not set; export it, or switch with /model." }),
    ]);
    // An error with no failed model call before it (no provider, say) is still shown.
    transcript.apply({ type: "turn_start", prompt: "again" });
    transcript.apply({
      type: "turn_end",
      result: {
        stopReason: "error",
        steps: 0,
        usage: emptyUsage(),
        text: "",
        error: "No provider x. Use --model p/m.",
      },
      sessionUsage: emptyUsage(),
    });
    expect(transcript.items.at(-1)).toMatchObject({ kind: "notice", text: "No provider x. Use /model p/m." });
  });

  it("shows queued messages until delivered: steering ones join the conversation where the model reads them", () => {
    const transcript = new Transcript();
    const steer = { id: "s1", mode: "steer" as const, text: "use tabs" };
    const later = { id: "f1", mode: "followUp" as const, text: "then test" };
    transcript.apply({ type: "turn_start", prompt: "format" });
    transcript.apply({ type: "prompt_queued", queued: steer });
    transcript.apply({ type: "prompt_queued", queued: later });
    expect(transcript.queued.map((item) => item.text)).toEqual(["use tabs", "then test"]);
    transcript.apply(text("Half an answer"));
    transcript.apply({ type: "queue_delivered", delivered: [steer] });
    expect(transcript.queued).toEqual([later]);
    expect(transcript.items.slice(-2)).toMatchObject([
      { kind: "markdown", text: "Half an answer" },
      { kind: "user", text: "use tabs" },
    ]);
    transcript.apply({ type: "queue_delivered", delivered: [later] });
    transcript.apply({ type: "turn_start", prompt: "then test", queued: later });
    // Shown once: when it was delivered, not again as the turn starts.
    expect(transcript.items.filter((item) => item.kind === "user" && item.text === "then test")).toHaveLength(1);
    transcript.apply({ type: "prompt_queued", queued: { id: "x", mode: "steer", text: "stop" } });
    transcript.apply({ type: "queue_dropped", dropped: [{ id: "x", mode: "steer", text: "stop" }], reason: "aborted" });
    expect(transcript.queued).toEqual([]);
  });

  it("keeps the plan as the last todo call left it, live and on resume", () => {
    const transcript = new Transcript();
    const todos = [
      { content: "a", status: "completed" },
      { content: "b", status: "in_progress" },
    ];
    const done = (details: unknown): KernelEvent => ({
      type: "tool_end",
      toolCallId: "t",
      name: "todo",
      durationMs: 1,
      result: {
        role: "toolResult",
        toolCallId: "t",
        toolName: "todo",
        content: [],
        details,
        isError: false,
        timestamp: 0,
      },
    });
    transcript.apply(done({ todos }));
    expect(transcript.plan).toEqual(todos);
    // A malformed list leaves the plan as it was.
    transcript.apply(done({ todos: [{ content: 1 }] }));
    expect(transcript.plan).toEqual(todos);
    const resumed = new Transcript();
    resumed.loadHistory([
      {
        role: "toolResult",
        toolCallId: "t",
        toolName: "todo",
        content: [],
        details: { todos },
        isError: false,
        timestamp: 0,
      },
    ]);
    expect(resumed.plan).toEqual(todos);
  });
});
