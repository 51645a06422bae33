import type { ProviderEvent } from "@pincer/kernel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEATS, WALL_MS, type WallClockSandbox, wallClockSandbox } from "./wall-clock.fixture.js";

// A model call's wall-clock limit (sandbox.wallMsPerCall) counts from its last event: a stream that
// keeps sending runs as long as it needs; one that goes silent is stopped, naming the setting.

/** Yields one text event per piece of the body it reads (each read is a wait, so events go at once). */
const code = `globalThis.__pincerPlugin = { default: { providers: [{
  id: "pace", models: [],
  create: ({ config }) => ({
    async *stream(request) {
      const response = await fetch(config.url + "/" + request.systemPrompt);
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (let i = 0; i < value.length; i++) yield { type: "text_delta", text: "." };
      }
      yield { type: "stop", reason: "stop" };
    },
  }),
}] } };`;

let fixture: WallClockSandbox;
beforeAll(async () => {
  fixture = await wallClockSandbox("pace-provider", code);
});
afterAll(() => fixture.close());

async function run(mode: string): Promise<{ events: ProviderEvent[]; ms: number }> {
  const started = Date.now();
  const events: ProviderEvent[] = [];
  const request = { model: "m", systemPrompt: mode, messages: [], tools: [] };
  const { box, url } = fixture;
  for await (const event of box.stream("pace", request, { url }, new AbortController().signal)) events.push(event);
  return { events, ms: Date.now() - started };
}

describe("a model call's wall-clock limit is progress-based", () => {
  it("a stream that keeps sending outlives the limit and ends normally", async () => {
    const { events, ms } = await run("steady");
    expect(ms).toBeGreaterThan(WALL_MS);
    expect(events.filter((event) => event.type === "text_delta")).toHaveLength(BEATS);
    expect(events.at(-1)).toEqual({ type: "stop", reason: "stop" });
  });

  it("a stream that goes silent is stopped, and the message names the setting", async () => {
    const { events } = await run("silent");
    expect(events[0]).toEqual({ type: "text_delta", text: "." });
    const last = events.at(-1);
    expect(last?.type).toBe("error");
    expect((last as { message: string }).message).toContain(
      `sent no event for ${WALL_MS} ms (setting sandbox.wallMsPerCall)`,
    );
  });
});
