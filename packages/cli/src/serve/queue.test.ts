import { MAX_QUEUED_PROMPTS } from "@pincer/kernel";
import { readServerSentEvents } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { servedLoopback } from "./served-loopback.fixture.js";

type Event = { type: string; [key: string]: unknown };

const served = servedLoopback("queue");
const { auth, newSession, post } = served;

/** Follows the session's events, calling `onEvent` on each, until `until` accepts one. */
async function follow(
  id: string,
  until: (event: Event, seen: Event[]) => boolean,
  onEvent?: (event: Event) => unknown,
) {
  const response = await fetch(`${served.server.url}/sessions/${id}/events?after=0`, { headers: auth });
  return readServerSentEvents(response, until, onEvent);
}

type Chat = { messages: Array<{ role: string; content: unknown }> };

describe("pincer serve: a prompt posted while a turn runs", () => {
  it("is queued, not refused: steer by default, followUp on request, and its events say so", async () => {
    const id = await newSession();
    served.model.enqueue([
      { toolCalls: [{ id: "w1", name: "write", arguments: { path: "notes.txt", content: "a\n" } }] },
      { finish: "tool_calls" },
    ]);
    served.model.enqueue([{ text: "Written with LF." }, { finish: "stop" }]);
    served.model.enqueue([{ text: "notes.txt" }, { finish: "stop" }]);
    expect(await (await post(`/sessions/${id}/prompt`, { text: "write notes" })).json()).toMatchObject({
      started: true,
    });
    const turnEnds = (seen: Event[]) => seen.filter((event) => event.type === "turn_end").length;
    const seen = await follow(
      id,
      (_event, seen) => turnEnds(seen) === 2,
      async (event) => {
        // The turn waits for this client's answer: the moment to type more.
        if (event.type !== "permission_request") return;
        const steer = await post(`/sessions/${id}/prompt`, { text: "use LF endings" });
        expect(steer.status).toBe(202);
        expect(await steer.json()).toMatchObject({ queued: true, delivery: "steer", id: expect.any(String) });
        const later = await post(`/sessions/${id}/prompt`, { text: "then list the files", delivery: "followUp" });
        expect(await later.json()).toMatchObject({ queued: true, delivery: "followUp" });
        const wrong = await post(`/sessions/${id}/prompt`, { text: "?", delivery: "now" });
        expect(wrong.status).toBe(400);
        expect(((await wrong.json()) as { error: string }).error).toMatch(/"delivery" must be "steer"/);
        await post(`/sessions/${id}/permissions/${event.requestId as string}`, { allow: true });
      },
    );
    const queueEvents = seen.filter((event) => /queue|turn_start|turn_end/.test(event.type)).map((event) => event.type);
    expect(queueEvents).toEqual([
      "turn_start",
      "prompt_queued",
      "prompt_queued",
      "queue_delivered",
      "turn_end",
      "queue_delivered",
      "turn_start",
      "turn_end",
    ]);
    expect((served.model.requests[1]!.body as Chat).messages.at(-1)).toMatchObject({
      role: "user",
      content: "use LF endings",
    });
    expect((served.model.requests[2]!.body as Chat).messages.at(-1)).toMatchObject({
      role: "user",
      content: "then list the files",
    });
    const sessions = (await (await fetch(`${served.server.url}/sessions`, { headers: auth })).json()) as Array<{
      busy: boolean;
    }>;
    expect(sessions[0]?.busy).toBe(false);
  });

  it("is handed back in queue_dropped when the turn is aborted, and a flood past the limit is refused (429)", async () => {
    const id = await newSession();
    served.model.enqueue([{ text: "Thinking" }, { hang: true }]);
    await post(`/sessions/${id}/prompt`, { text: "slow" });
    let flooded = false;
    const seen = await follow(
      id,
      (event) => event.type === "turn_end",
      async (event) => {
        // The model is streaming (then hangs): the turn runs.
        if (flooded || event.type !== "stream") return;
        flooded = true;
        for (let index = 0; index < MAX_QUEUED_PROMPTS; index++) {
          expect((await post(`/sessions/${id}/prompt`, { text: `note ${index}` })).status).toBe(202);
        }
        const flood = await post(`/sessions/${id}/prompt`, { text: "one too many" });
        expect(flood.status).toBe(429);
        expect(((await flood.json()) as { error: string }).error).toContain("already queued");
        expect(
          (await fetch(`${served.server.url}/sessions/${id}/abort`, { method: "POST", headers: auth })).status,
        ).toBe(204);
      },
    );
    const dropped = seen.find((event) => event.type === "queue_dropped") as
      | { reason: string; dropped: Array<{ text: string }> }
      | undefined;
    expect(dropped?.reason).toBe("aborted");
    expect(dropped?.dropped).toHaveLength(MAX_QUEUED_PROMPTS);
    expect(dropped?.dropped[0]?.text).toBe("note 0");
    expect(seen.at(-1)).toMatchObject({ type: "turn_end", result: { stopReason: "aborted" } });
    // Nothing queued reached the served.model.
    expect(served.model.requests).toHaveLength(1);
  });
});
