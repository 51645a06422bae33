import { describe, expect, it } from "vitest";
import { scriptedProvider, text } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import { rulesFromConfig } from "./permissions/engine.js";
import type { ProviderEvent } from "./provider.js";
import type { AnyTool } from "./tool.js";

/** What happened, in order: the stream's events as they are read, and the tool's steps. */
function recorder() {
  const log: string[] = [];
  const tool = (name: string, prepare?: () => void): AnyTool => ({
    name,
    description: name,
    kind: "read",
    parameters: { type: "object", properties: { value: { type: "string" } } },
    ...(prepare ? { prepare } : {}),
    async execute(args) {
      log.push(`execute ${name} ${String(args.value)}`);
      return { content: "ran" };
    },
  });
  /** One call to `name`, logging each event as the kernel pulls it. */
  async function* call(name: string): AsyncIterable<ProviderEvent> {
    const events: ProviderEvent[] = [
      { type: "toolcall_start", index: 0, id: `call_${name}`, name },
      { type: "toolcall_delta", index: 0, argumentsDelta: '{"value":' },
      { type: "toolcall_delta", index: 0, argumentsDelta: '"x"}' },
      { type: "toolcall_end", index: 0 },
      { type: "stop", reason: "toolUse" },
    ];
    for (const event of events) {
      log.push(`stream ${event.type}`);
      yield event;
    }
  }
  return { log, tool, call };
}

function allowAll(kernel: ReturnType<typeof createKernel>, names: string[]) {
  for (const rule of rulesFromConfig({ allow: names }, "session")) kernel.permissions.addRule(rule);
}

describe("a tool named by the model gets ready while the reply streams", () => {
  it("is prepared as the call starts, before its arguments arrive, and then runs", async () => {
    const { log, tool, call } = recorder();
    const provider = scriptedProvider([() => call("slow"), text("done")]);
    const kernel = createKernel({
      model: "test/m",
      providers: [provider],
      tools: [tool("slow", () => log.push("prepare slow")), tool("other", () => log.push("prepare other"))],
    });
    allowAll(kernel, ["slow", "other"]);
    await kernel.prompt("go");
    expect(log).toEqual([
      "stream toolcall_start",
      "prepare slow",
      "stream toolcall_delta",
      "stream toolcall_delta",
      "stream toolcall_end",
      "stream stop",
      "execute slow x",
    ]);
  });

  it("a prepare that throws changes nothing: the call is still checked and run", async () => {
    const { log, tool, call } = recorder();
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([() => call("fragile"), text("done")])],
      tools: [
        tool("fragile", () => {
          throw new Error("cannot get ready");
        }),
      ],
    });
    allowAll(kernel, ["fragile"]);
    const result = await kernel.prompt("go");
    expect(result.stopReason).toBe("end_turn");
    expect(log).toContain("execute fragile x");
  });

  it("a tool this prompt does not offer is never prepared, and its call is refused as unknown", async () => {
    const { log, tool, call } = recorder();
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([() => call("hidden"), text("done")])],
      tools: [tool("hidden", () => log.push("prepare hidden")), tool("shown")],
    });
    allowAll(kernel, ["hidden", "shown"]);
    await kernel.prompt("go", { tools: (name) => name === "shown" });
    expect(log).not.toContain("prepare hidden");
    expect(log).not.toContain("execute hidden x");
    expect(JSON.stringify(kernel.session.buildContext().messages)).toContain('Unknown tool \\"hidden\\"');
  });
});
