import { readServerSentEvents, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { servedLoopback } from "./served-loopback.fixture.js";

type Event = { type: string; event?: { type: string; text?: string }; [key: string]: unknown };

const served = servedLoopback("shared");
const { auth, newSession } = served;

/** The session's events until its turn ends, `seen` filled as they come. */
async function follow(id: string, seen: Event[]): Promise<Event[]> {
  const response = await fetch(`${served.server.url}/sessions/${id}/events`, { headers: auth });
  return readServerSentEvents<Event>(
    response,
    (event) => event.type === "turn_end",
    (event) => seen.push(event),
  );
}

function streamedText(events: Event[]): string {
  return events.map((event) => (event.type === "stream" ? (event.event?.text ?? "") : "")).join("");
}

describe("pincer serve with one provider isolate for its sessions", () => {
  it("keeps each session's stream its own, and aborting one leaves the other streaming", async () => {
    // The user's words choose the reply: A sends a word and then hangs until aborted; B trickles 30 words.
    served.model.respond((body) => {
      const last = JSON.stringify(body.messages.at(-1));
      if (last.includes("session A")) return [{ text: "A-first " }, { hang: true }];
      return [
        ...Array.from({ length: 30 }, (_, i) => [{ text: `B-${i} ` }, { delayMs: 5 }]).flat(),
        { finish: "stop" },
      ];
    });
    const a = await newSession();
    const b = await newSession();
    const seenA: Event[] = [];
    const seenB: Event[] = [];
    const eventsA = follow(a, seenA);
    const eventsB = follow(b, seenB);
    await fetch(`${served.server.url}/sessions/${a}/prompt`, {
      method: "POST",
      headers: auth,
      body: '{"text":"session A"}',
    });
    await until(() => streamedText(seenA).includes("A-first"), { message: "A's first words" });
    await fetch(`${served.server.url}/sessions/${b}/prompt`, {
      method: "POST",
      headers: auth,
      body: '{"text":"session B"}',
    });
    await until(() => streamedText(seenB).includes("B-0"), { message: "B's first words" });
    // A is aborted while B's stream goes on through the same provider isolate.
    await fetch(`${served.server.url}/sessions/${a}/abort`, { method: "POST", headers: auth });
    const [endedA, endedB] = await Promise.all([eventsA, eventsB]);

    expect(streamedText(endedA)).toBe("A-first ");
    expect(endedA.at(-1)).toMatchObject({ type: "turn_end", result: { stopReason: "aborted" } });
    expect(streamedText(endedB)).toBe(Array.from({ length: 30 }, (_, i) => `B-${i} `).join(""));
    expect(endedB.at(-1)).toMatchObject({ type: "turn_end", result: { stopReason: "end_turn" } });
    expect(endedB.some((event) => event.type === "turn_error" || event.type === "retry")).toBe(false);
  });
});
