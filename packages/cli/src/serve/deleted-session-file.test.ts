import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readServerSentEvents } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { servedLoopback } from "./served-loopback.fixture.js";

type Event = { type: string; [key: string]: unknown };

const served = servedLoopback("deleted-file");

/** The session's file under the server's home, wherever the store keeps it. */
function sessionFile(id: string): string {
  const home = served.home;
  const found = readdirSync(home, { recursive: true, encoding: "utf8" }).find((name) => name.endsWith(`${id}.jsonl`));
  if (!found) throw new Error(`no file for session ${id} under ${home}`);
  return join(home, found);
}

describe("pincer serve: a session whose file is deleted between two turns", () => {
  it("writes it back, says so on the session's events, and keeps both turns", async () => {
    const id = await served.newSession();
    served.model.enqueue([{ text: "first answer" }, { finish: "stop" }]);
    served.model.enqueue([{ text: "second answer" }, { finish: "stop" }]);
    const events = fetch(`${served.server.url}/sessions/${id}/events?after=0`, { headers: served.auth }).then(
      (response) =>
        readServerSentEvents(
          response,
          (_event: Event, seen: Event[]) => seen.filter((event) => event.type === "turn_end").length === 2,
          async (event: Event) => {
            if (event.type !== "turn_end" || event.result === undefined) return;
            if (!JSON.stringify(event.result).includes("first answer")) return;
            // Between the turns, as a cleanup script or `rm` would.
            rmSync(sessionFile(id));
            expect((await served.post(`/sessions/${id}/prompt`, { text: "second question" })).status).toBe(202);
          },
        ),
    );
    expect((await served.post(`/sessions/${id}/prompt`, { text: "first question" })).status).toBe(202);
    const seen = await events;

    const warning = seen.find((event) => event.type === "warning");
    expect(String(warning?.message)).toMatch(/was deleted while this session was running; it was written back/);
    const text = readFileSync(sessionFile(id), "utf8");
    for (const said of ["first question", "first answer", "second question", "second answer"]) {
      expect(text).toContain(said);
    }
  });
});
