import type { KernelEvent } from "@pincer/kernel";
import { describe, expect, it } from "vitest";
import { createProgressRenderer } from "./progress.js";
import { createStyle } from "./style.js";

const style = createStyle({ isTTY: false } as NodeJS.WriteStream, {});

describe("headless progress", () => {
  it("shows where the plan stands each time the model updates it, one line per update", () => {
    let out = "";
    const render = createProgressRenderer((text) => (out += text), style);
    const todos = [
      { content: "Read the paper", status: "completed" },
      { content: "Train", status: "in_progress" },
      { content: "Publish", status: "pending" },
    ];
    const events: KernelEvent[] = [
      { type: "tool_start", toolCallId: "t1", name: "todo", args: { todos } },
      {
        type: "tool_end",
        toolCallId: "t1",
        name: "todo",
        durationMs: 3,
        result: {
          role: "toolResult",
          toolCallId: "t1",
          toolName: "todo",
          content: [{ type: "text", text: "[x] Read the paper\n[>] Train\n[ ] Publish\n(1/3 done)" }],
          details: { todos },
          isError: false,
          timestamp: 0,
        },
      },
    ];
    for (const event of events) render(event);
    expect(out.split("\n").filter(Boolean)).toEqual(["● todo 3 steps", "  ✓ plan 1/3 done · now: Train"]);
  });
});
