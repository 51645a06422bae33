import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { Session } from "./session/session.js";
import type { AnyTool } from "./tool.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "pincer-kernel-"));
  dirs.push(dir);
  return dir;
}

const poll: AnyTool = {
  name: "poll",
  description: "Poll a job",
  kind: "read",
  parameters: { type: "object", properties: { job: { type: "string" } }, additionalProperties: false },
  execute: async () => ({ content: "status: running" }),
};

const writeTool: AnyTool = {
  name: "write",
  description: "Write a file",
  kind: "edit",
  parameters: {
    type: "object",
    properties: { path: { type: "string" } },
    required: ["path"],
    additionalProperties: false,
  },
  permissionSubject: (args: { path: string }, cwd: string) => ({ kind: "path", value: join(cwd, args.path) }),
  execute: async () => ({ content: "written" }),
};

describe("permissions in the loop", () => {
  it("asks the host's resolver, and an 'always' answer becomes a rule for the rest of the session", async () => {
    const asked: string[] = [];
    const provider = scriptedProvider([
      toolCalls({ name: "write", args: { path: "src/a.ts" } }),
      toolCalls({ name: "write", args: { path: "src/b.ts" } }),
      text("done"),
    ]);
    const kernel = createKernel({
      model: "test/m",
      cwd: "/work/project",
      providers: [provider],
      tools: [writeTool],
      permissions: {
        resolver: async (request) => {
          asked.push(`${request.toolName} ${request.suggestedRule}`);
          return {
            allow: true,
            remember: { action: "allow", tool: "write", pattern: "src/**", source: "session", text: "write(src/**)" },
          };
        },
      },
    });
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("end_turn");
    expect(asked).toEqual(["write write(src/**)"]);
  });

  it("denies edits in plan mode and tells the model why", async () => {
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "write", args: { path: "x" } }), text("ok")])],
      tools: [writeTool],
      permissions: { mode: "plan" },
    });
    await kernel.prompt("go");
    const result = kernel.session.buildContext().messages.find((message) => message.role === "toolResult");
    expect(JSON.stringify(result)).toContain("Permission denied");
    expect(JSON.stringify(result)).toContain("plan");
  });
});

describe("loop guard in the loop", () => {
  it("corrects a repeated identical call, then stops the run with a reason", async () => {
    const same = () => toolCalls({ name: "poll", args: { job: "j1" } });
    const provider = scriptedProvider(Array.from({ length: 20 }, same));
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [poll],
      loopGuard: { maxCorrections: 1 },
    });
    const guard: string[] = [];
    kernel.on("loop_guard", (event) => guard.push(event.action));
    const result = await kernel.prompt("wait for the job");
    expect(result.stopReason).toBe("loop_guard");
    expect(result.error).toBeTruthy();
    expect(guard).toEqual(["correct", "stop"]);
    expect(JSON.stringify(kernel.session.buildContext().messages)).toContain("[loop guard]");
  });
});

describe("compaction in the loop", () => {
  it("summarises older turns when the context nears the window, keeping recent turns verbatim", async () => {
    const long = "x".repeat(2_000);
    const provider = scriptedProvider([
      text(`first answer ${long}`),
      text(`second answer ${long}`),
      text("SUMMARY: the user asked three questions"),
      text("third answer"),
    ]);
    const kernel = createKernel({
      model: "test/small",
      providers: [provider],
      models: [
        {
          id: "test/small",
          contextWindow: 2_000,
          maxOutputTokens: 100,
          price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        },
      ],
      compaction: { threshold: 0.5, keepRecentTokens: 100 },
    });
    const compactions: number[] = [];
    kernel.on("compaction", (event) => compactions.push(event.tokensBefore));
    await kernel.prompt(`question one ${long}`);
    await kernel.prompt("question two");
    await kernel.prompt("question three");
    expect(compactions.length).toBeGreaterThanOrEqual(1);
    const summaryRequest = provider.requests.find(
      (request) => request.tools.length === 0 && request.systemPrompt !== provider.requests[0]!.systemPrompt,
    );
    expect(summaryRequest).toBeDefined();
    const last = provider.requests.at(-1)!;
    expect(JSON.stringify(last.messages)).toContain("SUMMARY: the user asked three questions");
    expect(JSON.stringify(last.messages)).toContain("question three");
  });

  it("compacts on demand", async () => {
    const provider = scriptedProvider([
      text("a".repeat(400)),
      text("b".repeat(400)),
      text("summary of it all"),
      text("ok"),
    ]);
    const kernel = createKernel({ model: "test/m", providers: [provider], compaction: { keepRecentTokens: 10 } });
    await kernel.prompt("one");
    await kernel.prompt("two");
    expect(await kernel.compact()).toBe(true);
    expect(kernel.session.entries().some((entry) => entry.type === "compaction")).toBe(true);
  });
});

describe("resume after a crash", () => {
  it("fills in results for tool calls that were cut off, so the conversation stays valid", async () => {
    const file = join(tempDir(), "s.jsonl");
    const crashed = Session.create(file, { cwd: "/tmp" });
    crashed.append({ type: "message", message: { role: "user", content: "run it", timestamp: 1 } });
    crashed.append({
      type: "message",
      message: {
        role: "assistant",
        content: [{ type: "toolCall", id: "cut", name: "poll", arguments: {} }],
        model: "test/m",
        usage: {
          input: 1,
          output: 1,
          cacheRead: 0,
          cacheWrite: 0,
          cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
        },
        stopReason: "toolUse",
        timestamp: 2,
      },
    });
    const provider = scriptedProvider([text("resumed")]);
    const kernel = createKernel({ model: "test/m", providers: [provider], tools: [poll], session: Session.open(file) });
    const warnings: string[] = [];
    kernel.on("warning", (event) => warnings.push(event.message));
    await kernel.prompt("go on");
    expect(warnings.join()).toContain("interrupted");
    const sent = provider.requests[0]!.messages;
    expect(sent.map((message) => message.role)).toEqual(["user", "assistant", "toolResult", "user"]);
    expect(JSON.stringify(sent[2])).toContain("may have run partially");
  });
});
