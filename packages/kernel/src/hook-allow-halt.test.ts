import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { AnyTool } from "./tool.js";

const ran: string[] = [];
const shell: AnyTool = {
  name: "shell",
  description: "runs",
  kind: "execute",
  parameters: { type: "object", properties: { command: { type: "string" } }, additionalProperties: false },
  permissionSubject: (args) => ({ kind: "command", value: String(args.command) }),
  async execute(args) {
    ran.push(String(args.command));
    return { content: "ran" };
  },
};

const results = (kernel: ReturnType<typeof createKernel>) =>
  JSON.stringify(kernel.session.buildContext().messages.filter((message) => message.role === "toolResult"));

describe("a hook's allow (Claude Code's permissionDecision: allow) and halt (continue: false)", () => {
  it("allow skips the mode's question, headless too, but never a deny rule, an ask rule, another hook's ask or a must-ask", async () => {
    ran.length = 0;
    const make = (rules: { deny?: string[]; ask?: string[] }, extraAsk = false) =>
      createKernel({
        model: "test/m",
        providers: [scriptedProvider([toolCalls({ name: "shell", args: { command: "make test" } }), text("ok")])],
        tools: [shell],
        permissions: { rules: rulesFromConfig(rules, "user") },
        hooks: {
          beforeToolCall: () => ({
            allow: { reason: "the team's hook trusts make" },
            ...(extraAsk ? { ask: { reason: "a second hook wants a person" } } : {}),
          }),
        },
      });
    const allowed = make({});
    await allowed.prompt("go");
    expect(ran).toEqual(["make test"]);
    for (const [rules, extraAsk] of [
      [{ deny: ["shell(make:*)"] }, false],
      [{ ask: ["shell(make:*)"] }, false],
      [{}, true],
    ] as const) {
      ran.length = 0;
      const kernel = make(rules, extraAsk);
      await kernel.prompt("go");
      expect(ran).toEqual([]);
      expect(results(kernel)).toContain("Permission denied");
    }
  });

  it("halt ends the turn as blocked with the reason, from a tool hook or a prompt hook", async () => {
    ran.length = 0;
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "shell", args: { command: "a" } }), text("never")])],
      tools: [shell],
      permissions: { mode: "bypassPermissions" },
      hooks: { afterToolCall: () => ({ halt: { reason: "build failed, fix it first" } }) },
    });
    const result = await kernel.prompt("go");
    expect(ran).toEqual(["a"]);
    expect(result).toMatchObject({
      stopReason: "blocked",
      stop: { code: "blocked", reason: "build failed, fix it first" },
    });
    const prompted = createKernel({
      model: "test/m",
      providers: [scriptedProvider([text("never")])],
      hooks: { promptSubmit: () => ({ halt: { reason: "quota reached" } }) },
    });
    expect((await prompted.prompt("go")).stopReason).toBe("blocked");
    // The next turn starts clean.
    const next = createKernel({
      model: "test/m",
      providers: [
        scriptedProvider([toolCalls({ name: "shell", args: { command: "b" } }), text("done"), text("again")]),
      ],
      tools: [shell],
      permissions: { mode: "bypassPermissions" },
      hooks: { beforeToolCall: (call) => (call.arguments.command === "b" ? { halt: { reason: "stop" } } : undefined) },
    });
    expect((await next.prompt("go")).stopReason).toBe("blocked");
    expect(ran).toEqual(["a"]);
    expect((await next.prompt("again")).stopReason).toBe("end_turn");
  });
});
