import { describe, expect, it } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { PermissionRequest } from "./permissions/types.js";
import type { AnyTool } from "./tool.js";

const REASON = "no OS sandbox here, so it would run with your full access";

/** The bash tool as a plugin runs it: the call is judged, then the spawn asks again, with `mustAsk`. */
const unconfinedBash = (seen: Array<string | undefined>): AnyTool => ({
  name: "bash",
  description: "Run a command",
  kind: "execute",
  parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  permissionSubject: (args: { command: string }) => ({ kind: "command", value: args.command }),
  async execute(args: { command: string }, ctx) {
    seen.push(
      await ctx.authorize?.({
        toolName: "bash",
        kind: "execute",
        subject: { kind: "command", value: args.command },
        mustAsk: REASON,
      }),
    );
    return { content: "ran" };
  },
});

function kernelWith(options: {
  seen: Array<string | undefined>;
  mode?: "default" | "bypassPermissions" | "acceptEdits";
  allow?: string[];
  deny?: string[];
  resolver?: (request: PermissionRequest) => boolean;
  asked?: PermissionRequest[];
}) {
  return createKernel({
    model: "test/m",
    providers: [scriptedProvider([toolCalls({ name: "bash", args: { command: "npm test" } }), text("ok")])],
    tools: [unconfinedBash(options.seen)],
    permissions: {
      ...(options.mode ? { mode: options.mode } : {}),
      rules: rulesFromConfig({ allow: options.allow ?? [], deny: options.deny ?? [] }, "flag"),
      ...(options.resolver
        ? {
            resolver: async (request) => {
              options.asked?.push(request);
              return { allow: options.resolver!(request) };
            },
          }
        : {}),
    },
  });
}

describe("mustAsk: an action only a person may approve (a command with no OS sandbox)", () => {
  it("is refused headless, whatever the mode or allow rules, with the reason (the fix) in the refusal", async () => {
    for (const options of [{ mode: "bypassPermissions" as const }, { allow: ["bash(npm test:*)"] }]) {
      const seen: Array<string | undefined> = [];
      await kernelWith({ seen, ...options }).prompt("test");
      expect(seen).toEqual([expect.stringContaining(`nobody can give it in this session: ${REASON}`)]);
    }
  });

  it("asks a person even when a rule or the mode would allow, once, with the reason", async () => {
    const seen: Array<string | undefined> = [];
    const asked: PermissionRequest[] = [];
    await kernelWith({ seen, mode: "bypassPermissions", resolver: () => true, asked }).prompt("test");
    expect(seen).toEqual([undefined]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mustAsk: REASON, subject: { value: "npm test" } });
  });

  it("asks once in default mode: the person who approved the call approved the command", async () => {
    const seen: Array<string | undefined> = [];
    const asked: PermissionRequest[] = [];
    await kernelWith({ seen, resolver: () => true, asked }).prompt("test");
    expect(seen).toEqual([undefined]);
    expect(asked).toHaveLength(1);
  });

  it("a person's no and a deny rule still refuse", async () => {
    const seen: Array<string | undefined> = [];
    await kernelWith({ seen, resolver: () => false, mode: "bypassPermissions" }).prompt("test");
    expect(seen[0]).toMatch(/Permission denied by the user/);
    const denied: Array<string | undefined> = [];
    const asked: PermissionRequest[] = [];
    await kernelWith({ seen: denied, deny: ["bash(npm:*)"], resolver: () => true, asked }).prompt("test");
    expect(asked).toEqual([]);
  });
});

describe("tool output redaction", () => {
  it("scrubs the secrets the host hands in from results and streamed output before anyone sees them", async () => {
    const secret = "s3cr3t-value-from-the-environment";
    const tool: AnyTool = {
      name: "leak",
      description: "Prints the environment",
      kind: "read",
      parameters: { type: "object" },
      async execute(_args, ctx) {
        ctx.onUpdate(`HF_TOKEN=${secret}\n`);
        return { content: `HF_TOKEN=${secret}\nOPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx0123` };
      },
    };
    const { createRedactor } = await import("./redact.js");
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "leak", args: {} }), text("ok")])],
      tools: [tool],
      redact: createRedactor({ secrets: [secret] }),
    });
    const updates: string[] = [];
    kernel.bus.on("tool_update", (event) => updates.push(event.partial));
    await kernel.prompt("show");
    const context = JSON.stringify(kernel.session.buildContext().messages);
    expect(context).not.toContain(secret);
    expect(context).not.toContain("sk-proj-abc");
    expect(context).toContain("HF_TOKEN=[REDACTED]");
    expect(updates.join("")).toBe("HF_TOKEN=[REDACTED]\n");
  });
});
