import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEATS, WALL_MS, type WallClockSandbox, wallClockSandbox } from "./wall-clock.fixture.js";

// A tool call's wall-clock limit (sandbox.wallMsPerCall) counts from its last progress update: a
// wait that reports as it goes (a job followed for hours) outlives the limit; a silent one is stopped.

/** Reports one progress update per heartbeat it reads, then says how many it saw. */
const code = `globalThis.__pincerPlugin = { default: { tools: [{
  name: "wait", description: "t", kind: "read", parameters: { type: "object" },
  async execute(args, ctx) {
    const response = await fetch(args.url);
    const reader = response.body.getReader();
    let beats = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      beats += value.length;
      ctx.onUpdate("still running");
    }
    return { content: "ended after " + beats + " heartbeats" };
  },
}] } };`;

let fixture: WallClockSandbox;
beforeAll(async () => {
  fixture = await wallClockSandbox("waiting-tool", code);
});
afterAll(() => fixture.close());

const call = (path: string) =>
  fixture.box.run(
    "wait",
    { url: `${fixture.url}/${path}` },
    { toolCallId: `call-${path}`, cwd: fixture.dir, signal: new AbortController().signal, onUpdate: () => {} },
  );

describe("a tool call's wall-clock limit is progress-based", () => {
  it("a wait that keeps reporting outlives the limit and returns its result", async () => {
    const started = Date.now();
    const result = await call("steady");
    expect(Date.now() - started).toBeGreaterThan(WALL_MS);
    expect(result).toEqual({ content: `ended after ${BEATS} heartbeats` });
  });

  it("a wait that goes silent is stopped, naming the setting", async () => {
    const result = await call("silent");
    expect(result.isError).toBe(true);
    expect(String(result.content)).toContain(`took longer than ${WALL_MS} ms (setting sandbox.wallMsPerCall)`);
  });
});
