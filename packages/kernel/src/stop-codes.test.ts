import { describe, expect, it } from "vitest";
import type { KernelEvent } from "./events.js";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel, type KernelOptions } from "./kernel.js";
import type { ToolResultMessage } from "./messages.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { PermissionDenial } from "./stop-codes.js";
import type { AnyTool } from "./tool.js";

const write: AnyTool = {
  name: "write",
  description: "writes",
  parameters: { type: "object", properties: { path: { type: "string" } } },
  kind: "edit",
  permissionSubject: (args) => ({ kind: "path", value: String((args as { path?: string }).path) }),
  async execute() {
    return { content: "written" };
  },
};

async function refusal(options: Partial<KernelOptions>) {
  const kernel = createKernel({
    model: "test/m",
    providers: [scriptedProvider([toolCalls({ id: "w", name: "write", args: { path: "a.txt" } }), text("ok")])],
    tools: [write],
    ...options,
  });
  const denials: Array<PermissionDenial | undefined> = [];
  kernel.subscribe((event) => {
    if (event.type === "permission" && !event.allowed) denials.push(event.denial);
  });
  await kernel.prompt("go");
  const result = kernel.session
    .buildContext()
    .messages.find((message): message is ToolResultMessage => message.role === "toolResult");
  return { denials, said: result?.content.map((block) => (block.type === "text" ? block.text : "")).join("") };
}

describe("refusals: codes with data, worded by the front end", () => {
  it("a headless refusal names no front end's flag unless the front end words it", async () => {
    const plain = await refusal({});
    expect(plain.denials).toEqual([
      expect.objectContaining({
        code: "denied_headless",
        tool: "write",
        suggestedRules: [expect.stringContaining("write(")],
      }),
    ]);
    expect(plain.said).toMatch(/^Permission denied: write needs approval \(.*\) and nobody can approve it/);
    expect(plain.said).toContain("The user can allow it with an allow rule");
    expect(plain.said).not.toMatch(/--[a-z]/);

    const worded = await refusal({
      advice: {
        denial: (denial) =>
          denial.code === "denied_headless" ? `Pass --allowedTools ${denial.suggestedRules.join(" ")}.` : undefined,
      },
    });
    expect(worded.said).toMatch(/nobody can approve it in this session\. Pass --allowedTools write\(/);
  });

  it("deny rules, a person's no and the mode carry their own codes", async () => {
    const denied = await refusal({ permissions: { rules: rulesFromConfig({ deny: ["write"] }, "user") } });
    expect(denied.denials).toEqual([expect.objectContaining({ code: "denied", tool: "write" })]);
    expect(denied.said).toMatch(/^Permission denied: .*Do not retry this call/);

    const refused = await refusal({
      permissions: { resolver: async () => ({ allow: false, message: "not now" }) },
    });
    expect(refused.denials).toEqual([{ code: "denied_by_user", tool: "write", message: "not now" }]);
    expect(refused.said).toBe(
      "Permission denied by the user: not now. Do not retry this call; ask the user how to proceed.",
    );

    const plan = await refusal({ permissions: { mode: "plan" } });
    expect(plan.denials).toEqual([
      expect.objectContaining({ code: "denied", reason: expect.stringContaining("plan") }),
    ]);
  });
});

describe("kernel.setPermissionMode", () => {
  it("records the change in the session and announces it, as setModel does", () => {
    const kernel = createKernel({ model: "test/m", providers: [scriptedProvider([])] });
    const seen: KernelEvent[] = [];
    kernel.subscribe((event) => seen.push(event));
    kernel.setPermissionMode("acceptEdits");
    kernel.setPermissionMode("acceptEdits"); // no change: nothing recorded
    expect(kernel.permissionMode).toBe("acceptEdits");
    expect(kernel.permissions.mode).toBe("acceptEdits");
    expect(seen).toEqual([{ type: "permission_mode_change", mode: "acceptEdits" }]);
    const entries = kernel.session.entries().filter((entry) => entry.type === "permission_mode_change");
    expect(entries).toMatchObject([{ type: "permission_mode_change", mode: "acceptEdits" }]);
    expect(() => kernel.setPermissionMode("yolo" as never)).toThrow(/Unknown permission mode "yolo"/);
    expect(kernel.permissionMode).toBe("acceptEdits");
  });
});

describe("usage accounting", () => {
  it("counts each model call once in the turn, the session and the usage events", async () => {
    const kernel = createKernel({
      model: "test/m",
      // Each step reports its usage: 20 in, 8 out for the tool call; 10 in, 5 out for the answer.
      providers: [scriptedProvider([toolCalls({ name: "write", args: { path: "a" } }), text("ok")])],
      tools: [write],
      permissions: { mode: "acceptEdits" },
    });
    const totals: number[] = [];
    kernel.subscribe((event) => {
      if (event.type === "usage") totals.push(event.session.input);
    });
    const result = await kernel.prompt("go");
    expect(totals).toEqual([20, 30]);
    expect(result.usage).toMatchObject({ input: 30, output: 13 });
    expect(kernel.usage).toMatchObject({ input: 30, output: 13 });
    const second = await kernel.prompt("again"); // the script has no step left: an error, no usage
    expect(second.stop).toEqual({ code: "error", message: expect.stringContaining("script has no step") });
    expect(second.usage.input).toBe(0);
    expect(kernel.usage.input).toBe(30);
  });
});
