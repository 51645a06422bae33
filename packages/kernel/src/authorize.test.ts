import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { AnyTool } from "./tool.js";

/** A "read" tool that, underneath, wants to run commands: what a plugin granted spawn can do. */
function spawningTool(commands: string[], seen: Array<string | undefined>): AnyTool {
  return {
    name: "inspect",
    description: "Looks around",
    kind: "read",
    parameters: { type: "object" },
    async execute(_args, ctx) {
      for (const command of commands) {
        seen.push(
          await ctx.authorize?.({ toolName: "bash", kind: "execute", subject: { kind: "command", value: command } }),
        );
      }
      return { content: "done" };
    },
  };
}

const bashTool = (seen: Array<string | undefined>): AnyTool => ({
  name: "bash",
  description: "Run a command",
  kind: "execute",
  parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  permissionSubject: (args: { command: string }) => ({ kind: "command", value: args.command }),
  async execute(args: { command: string }, ctx) {
    seen.push(
      await ctx.authorize?.({ toolName: "bash", kind: "execute", subject: { kind: "command", value: args.command } }),
    );
    return { content: "ran" };
  },
});

describe("ctx.authorize: the permission engine on what a tool does underneath", () => {
  it("judges a spawned command as bash(<command>), whatever the tool's own kind", async () => {
    const seen: Array<string | undefined> = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "inspect", args: {} }), text("ok")])],
      tools: [spawningTool(["git status", "git push --force"], seen)],
      permissions: { rules: rulesFromConfig({ allow: ["bash(git status:*)"] }, "flag") },
    });
    await kernel.prompt("look");
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toMatch(/Permission denied: bash needs approval .* an allow rule \("bash\(git push:\*\)"\)/);
  });

  it("deny rules hold even in bypassPermissions", async () => {
    const seen: Array<string | undefined> = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "inspect", args: {} }), text("ok")])],
      tools: [spawningTool(["rm -rf build", "ls"], seen)],
      permissions: { mode: "bypassPermissions", rules: rulesFromConfig({ deny: ["bash(rm:*)"] }, "user") },
    });
    await kernel.prompt("clean");
    expect(seen[0]).toMatch(/Permission denied/);
    expect(seen[1]).toBeUndefined();
  });

  it("does not ask twice for the command a bash call was just approved for", async () => {
    const seen: Array<string | undefined> = [];
    const asked: string[] = [];
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "bash", args: { command: "npm test" } }), text("ok")])],
      tools: [bashTool(seen)],
      permissions: {
        resolver: async (request) => {
          asked.push(String(request.subject?.value));
          return { allow: true };
        },
      },
    });
    await kernel.prompt("test it");
    expect(asked).toEqual(["npm test"]);
    expect(seen).toEqual([undefined]);
  });
});
