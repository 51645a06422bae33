import { describe, expect, it } from "vitest";
import type { KernelEvent } from "./events.js";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { PermissionRequest } from "./permissions/types.js";
import type { AnyTool } from "./tool.js";

function bashTool(ran: string[]): AnyTool {
  return {
    name: "bash",
    description: "Run a command",
    kind: "execute",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    permissionSubject: (args: { command: string }) => ({ kind: "command", value: args.command }),
    async execute(args: { command: string }) {
      ran.push(args.command);
      return { content: `ran ${args.command}` };
    },
  };
}

function toolResults(kernel: ReturnType<typeof createKernel>): string {
  return JSON.stringify(kernel.session.buildContext().messages.filter((message) => message.role === "toolResult"));
}

function warnings(kernel: ReturnType<typeof createKernel>): string[] {
  const seen: string[] = [];
  kernel.on("warning", (event) => seen.push(event.message));
  return seen;
}

const oneCall = (command = "ls", calls = 1) =>
  scriptedProvider([
    ...Array.from({ length: calls }, () => toolCalls({ name: "bash", args: { command } })),
    text("done"),
  ]);

describe("a hook's ask goes through the permission engine", () => {
  it("asks a person even in bypassPermissions mode, and runs the call once approved", async () => {
    const ran: string[] = [];
    const asked: PermissionRequest[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall()],
      tools: [bashTool(ran)],
      permissions: {
        mode: "bypassPermissions",
        resolver: async (request) => {
          asked.push(request);
          return { allow: true };
        },
      },
    });
    kernel.addHooks({ beforeToolCall: () => ({ ask: { reason: "listing is unusual here" } }) }, { name: "plugin p" });
    await kernel.prompt("go");
    expect(asked).toHaveLength(1);
    expect(asked[0]?.decision.reason).toContain("plugin p asks: listing is unusual here");
    expect(ran).toEqual(["ls"]);
  });

  it("with nobody to ask, the call is refused and the turn goes on", async () => {
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall()],
      tools: [bashTool(ran)],
      permissions: { mode: "bypassPermissions" },
    });
    kernel.addHooks({ beforeToolCall: () => ({ ask: { reason: "check first" } }) }, { name: "plugin p" });
    const result = await kernel.prompt("go");
    expect(ran).toEqual([]);
    expect(result.stopReason).toBe("end_turn");
    expect(toolResults(kernel)).toContain("needs a person's approval");
  });

  it("never lowers a deny rule: a hook that says nothing, or asks, leaves a denied call denied", async () => {
    const ran: string[] = [];
    const asked: PermissionRequest[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall("rm -rf /")],
      tools: [bashTool(ran)],
      permissions: {
        mode: "bypassPermissions",
        rules: rulesFromConfig({ deny: ["bash(rm:*)"] }, "user"),
        resolver: async (request) => {
          asked.push(request);
          return { allow: true };
        },
      },
    });
    kernel.addHooks({ beforeToolCall: () => ({ ask: { reason: "sure?" } }) }, { name: "plugin p" });
    await kernel.prompt("go");
    expect(asked).toEqual([]);
    expect(ran).toEqual([]);
    expect(toolResults(kernel)).toContain("Permission denied");
  });

  it("rewritten arguments are what the permission engine judges", async () => {
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall("ls")],
      tools: [bashTool(ran)],
      permissions: { mode: "bypassPermissions", rules: rulesFromConfig({ deny: ["bash(rm:*)"] }, "user") },
    });
    kernel.addHooks({ beforeToolCall: () => ({ args: { command: "rm -rf /" } }) }, { name: "plugin p" });
    await kernel.prompt("go");
    expect(ran).toEqual([]);
    expect(toolResults(kernel)).toContain("Permission denied");
  });
});

describe("a hook that fails", () => {
  it("is reported once and the session goes on as if it had said nothing", async () => {
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall("ls", 3)],
      tools: [bashTool(ran)],
      permissions: { mode: "bypassPermissions" },
    });
    const seen = warnings(kernel);
    let calls = 0;
    kernel.addHooks(
      {
        beforeToolCall: () => {
          calls++;
          throw new Error("boom");
        },
        afterToolCall: () => "not a verdict" as never,
      },
      { name: "plugin flaky" },
    );
    const result = await kernel.prompt("go");
    expect(result).toMatchObject({ stopReason: "end_turn", text: "done" });
    expect(calls).toBe(3);
    expect(ran).toEqual(["ls", "ls", "ls"]);
    expect(seen.filter((message) => message.includes("beforeToolCall hook of plugin flaky failed: boom"))).toHaveLength(
      1,
    );
    expect(seen.filter((message) => message.includes("afterToolCall hook of plugin flaky failed"))).toHaveLength(1);
    expect(seen.join("\n")).toContain("a string, not a verdict");
  });

  it("a guard fails closed: its calls are refused while it fails, and other tools' turns go on", async () => {
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall("ls", 2)],
      tools: [bashTool(ran)],
      permissions: { mode: "bypassPermissions" },
    });
    const seen = warnings(kernel);
    kernel.addHooks(
      {
        beforeToolCall: () => {
          throw new Error("stopped: it took longer than 50 ms");
        },
      },
      { name: "plugin guard", guard: true },
    );
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("end_turn");
    expect(ran).toEqual([]);
    expect(toolResults(kernel)).toContain("the guard hook of plugin guard failed, so the call is refused");
    expect(seen.filter((message) => message.includes("it is a guard"))).toHaveLength(1);
  });

  it("a verdict with a field the hook does not have is no verdict", async () => {
    const ran: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [oneCall()],
      tools: [bashTool(ran)],
      permissions: { mode: "bypassPermissions" },
    });
    const seen = warnings(kernel);
    kernel.addHooks({ beforeToolCall: () => ({ approve: true }) as never }, { name: "plugin loose" });
    await kernel.prompt("go");
    expect(ran).toEqual(["ls"]);
    expect(seen.join("\n")).toContain('a field "approve" a beforeToolCall verdict does not have');
  });
});

describe("compaction hooks", () => {
  it("beforeCompaction pins text verbatim above the summary; afterCompaction is told of it", async () => {
    const events: KernelEvent[] = [];
    const provider = scriptedProvider([text("first answer"), text("second answer"), text("the summary")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      compaction: { keepRecentTokens: 1 },
    });
    kernel.subscribe((event) => events.push(event));
    const told: Array<{ summary: string; tokensBefore: number }> = [];
    const infos: Array<{ manual: boolean }> = [];
    kernel.addHooks(
      {
        beforeCompaction: (info) => {
          infos.push(info);
          return { pins: ["pipeline step 3 of 5: evaluate"] };
        },
        afterCompaction: (done) => {
          told.push(done);
        },
      },
      { name: "plugin pipeline" },
    );
    await kernel.prompt("one");
    await kernel.prompt("two");
    expect(await kernel.compact()).toBe(true);
    expect(infos).toEqual([expect.objectContaining({ manual: true })]);
    const compaction = kernel.session.pathToLeaf().find((entry) => entry.type === "compaction");
    expect(compaction?.type === "compaction" && compaction.summary).toContain(
      "PINNED by plugin pipeline (verbatim):\npipeline step 3 of 5: evaluate",
    );
    expect(told).toHaveLength(1);
    expect(told[0]?.summary).toContain("the summary");
  });
});
