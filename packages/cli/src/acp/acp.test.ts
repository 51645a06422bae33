import { emptyUsage, type Message, type TurnResult } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { promptText, replayUpdates, stopReason } from "./content.js";
import { askEditor, withCost } from "./permission.js";
import type { AcpSession } from "./session.js";
import { planEntries, proposedContent, toolKind, toolTitle } from "./tool-calls.js";

// The translations in isolation; e2e/acp.test.ts drives them through the real CLI and SDK client.

const turn = (stop: TurnResult["stopReason"], error?: string): TurnResult => ({
  stopReason: stop,
  steps: 1,
  usage: emptyUsage(),
  text: "",
  ...(error ? { error } : {}),
});

describe("ACP translations", () => {
  it("turns prompt blocks into the kernel's text: attached files inline, links as references", () => {
    expect(
      promptText([
        { type: "text", text: "Explain" },
        { type: "resource_link", uri: "file:///repo/a%20b.ts", name: "a b.ts" },
        { type: "resource", resource: { uri: "file:///repo/c.md", text: "body" } },
        { type: "resource", resource: { uri: "file:///repo/img.png", blob: "AAAA", mimeType: "image/png" } },
      ]),
    ).toBe('Explain\n\n@/repo/a b.ts\n\n<context ref="file:///repo/c.md">\nbody\n</context>\n\n@/repo/img.png');
  });

  it("maps the kernel's stop reasons to ACP's; a failure is an error, a refusal is not", () => {
    expect(stopReason(turn("end_turn"))).toBe("end_turn");
    expect(stopReason(turn("aborted"))).toBe("cancelled");
    expect(stopReason(turn("max_turns"))).toBe("max_turn_requests");
    expect(stopReason(turn("blocked", "hook said no"))).toBe("refusal");
    expect(stopReason(turn("loop_guard", "repeating"))).toBe("end_turn");
    expect(stopReason(turn("error", "openai: the response was stopped by the content filter."))).toBe("refusal");
    expect(stopReason(turn("error", "anthropic: the model declined to answer (refusal)."))).toBe("refusal");
    expect(stopReason(turn("error", "openai: 401 Incorrect API key"))).toEqual({
      error: "openai: 401 Incorrect API key",
    });
  });

  it("names tool calls for the editor: kind, title, diff", () => {
    expect(toolKind("grep")).toBe("search");
    expect(toolKind("deploy", "execute")).toBe("execute");
    expect(toolKind("mystery")).toBe("other");
    expect(toolTitle("bash", { command: "npm   test\n-- --watch" })).toBe("Run npm test -- --watch");
    expect(toolTitle("deploy", { target: "staging" })).toBe("deploy: staging");
    expect(toolTitle("bash", { command: "x".repeat(300) })).toHaveLength(100);
    expect(proposedContent("edit", { path: "a.ts", old_string: "1", new_string: "2" }, "/repo")).toEqual([
      { type: "diff", path: "/repo/a.ts", oldText: "1", newText: "2" },
    ]);
    expect(proposedContent("read", { path: "a.ts" }, "/repo")).toEqual([]);
    expect(
      planEntries("todo", {
        todos: [
          { content: "a", status: "pending" },
          { content: "b", status: "odd" },
        ],
      }),
    ).toEqual([{ content: "a", status: "pending", priority: "medium" }]);
    expect(planEntries("read", { todos: [] })).toBeUndefined();
  });

  it("replays a conversation; a call without a result (an interrupted run) shows as failed", () => {
    const usage = emptyUsage();
    const messages: Message[] = [
      { role: "user", content: "fix it", timestamp: 1 },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Looking." },
          { type: "toolCall", id: "a", name: "read", arguments: { path: "x.ts" } },
          { type: "toolCall", id: "b", name: "bash", arguments: { command: "make" } },
        ],
        model: "openai/gpt-5",
        usage,
        stopReason: "toolUse",
        timestamp: 2,
      },
      {
        role: "toolResult",
        toolCallId: "a",
        toolName: "read",
        content: [{ type: "text", text: "1 | code" }],
        isError: false,
        timestamp: 3,
      },
    ];
    const updates = replayUpdates(messages, "/repo");
    expect(updates.map((update) => update.sessionUpdate)).toEqual([
      "user_message_chunk",
      "agent_message_chunk",
      "tool_call",
      "tool_call",
    ]);
    expect(updates[2]).toMatchObject({
      toolCallId: "a",
      status: "completed",
      kind: "read",
      locations: [{ path: "/repo/x.ts" }],
      content: [{ type: "content", content: { type: "text", text: "1 | code" } }],
    });
    expect(updates[3]).toMatchObject({ toolCallId: "b", status: "failed", kind: "execute", title: "Run make" });
  });

  it("puts a costed call's estimate in the permission question: its title and first content block", async () => {
    const asked: Array<{ method: string; params: { toolCall: unknown } }> = [];
    // The parts of a session askEditor uses: the open call the question is about and the client.
    const session = {
      id: "s1",
      calls: new Map([
        ["call-1", { name: "hf_job_run", args: { flavor: "a10g-small" }, status: "pending", output: "" }],
      ]),
      flushed: async () => {},
      log: () => {},
      client: {
        request: async (method: string, params: { toolCall: unknown }) => {
          asked.push({ method, params });
          return { outcome: { outcome: "selected", optionId: "allow_once" } };
        },
      },
    } as unknown as AcpSession;
    const estimate = { usd: 2, summary: "a10g-small at $1.00/h × up to 2 h ≈ $2.00" };
    const answer = await askEditor(
      session,
      {
        toolName: "hf_job_run",
        kind: "execute",
        args: { flavor: "a10g-small" },
        cwd: "/repo",
        estimate,
        decision: { action: "ask", reason: "hf_job_run runs commands" },
      },
      new AbortController().signal,
    );
    expect(answer).toEqual({ allow: true });
    expect(asked[0]).toMatchObject({
      method: "session/request_permission",
      params: {
        toolCall: {
          toolCallId: "call-1",
          title: "hf_job_run: a10g-small (estimated $2.00)",
          content: [{ type: "content", content: { type: "text", text: `Estimated $2.00: ${estimate.summary}.` } }],
        },
      },
    });

    const hourly = { usd: 0.5, summary: "nvidia-t4 x1 ≈ $0.50/h while running", recurring: true };
    const diff = { type: "diff" as const, path: "/repo/a", oldText: null, newText: "x" };
    expect(withCost({ toolCallId: "c", title: "hf_endpoint_create: ep", content: [diff] }, hourly)).toEqual({
      toolCallId: "c",
      title: "hf_endpoint_create: ep (estimated $0.50, recurring)",
      content: [
        {
          type: "content",
          content: {
            type: "text",
            text: "Estimated $0.50: nvidia-t4 x1 ≈ $0.50/h while running. It keeps costing money until someone stops it.",
          },
        },
        diff,
      ],
    });
    const plain = { toolCallId: "c", title: "Run make" };
    expect(withCost(plain, undefined)).toBe(plain);
  });
});
