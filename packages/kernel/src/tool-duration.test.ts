import { afterEach, describe, expect, it, vi } from "vitest";
import { scriptedProvider, text, toolCalls } from "./fixtures/scripted-provider.js";
import { createKernel } from "./kernel.js";
import type { AnyTool } from "./tool.js";

/** A clock the test moves: the person's answer takes 5 s, the tool itself 200 ms. */
let now = 1_000_000;

const slowWrite: AnyTool = {
  name: "write",
  description: "Write a file",
  kind: "edit",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  async execute() {
    now += 200;
    return { content: "written" };
  },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("tool_end durationMs", () => {
  it("is the tool's own time, not the time its permission prompt waited for a person", async () => {
    vi.spyOn(Date, "now").mockImplementation(() => now);
    const kernel = createKernel({
      model: "test/m",
      providers: [scriptedProvider([toolCalls({ name: "write", args: { path: "notes.md" } }), text("ok")])],
      tools: [slowWrite],
      permissions: {
        resolver: async () => {
          now += 5_000;
          return { allow: true };
        },
      },
    });
    const durations: number[] = [];
    const asked: boolean[] = [];
    kernel.on("permission", (event) => asked.push(event.asked));
    kernel.on("tool_end", (event) => durations.push(event.durationMs));
    await kernel.prompt("write it");
    expect(asked).toEqual([true]);
    expect(durations).toEqual([200]);
  });
});
