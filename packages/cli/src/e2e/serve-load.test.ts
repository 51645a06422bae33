import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ChatRequestBody, scaledTimeout, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, servingAddress } from "./run-cli.js";

/**
 * `pincer serve` under load: 50 sessions created, prompted and followed at once against an
 * instant loopback model. Every session must get its own complete, ordered event sequence and
 * its own session file; nothing of one session may show up in another.
 */
const SESSIONS = 50;
type ServerEvent = { type: string; [key: string]: unknown };

/** A token only session `i` ever says: in its prompt, cwd, file, tool call and reply. */
const tag = (i: number) => `tok${String(i).padStart(3, "0")}`;
const TAGS = /tok\d{3}/g;
/** Half the sessions read a file first: a tool round trip through their own plugin isolate. */
const usesTool = (i: number) => i % 2 === 0;
/** The reply, in distinct pieces: any dropped or reordered delta changes the concatenation. */
const replyPieces = (i: number) => ["alpha", "bravo", "charlie", "delta", "echo"].map((word) => `${word}-${tag(i)} `);
const reply = (i: number) => replyPieces(i).join("");
const note = (i: number) => `the note of ${tag(i)}`;

function tagsIn(value: unknown): Set<string> {
  return new Set(JSON.stringify(value).match(TAGS) ?? []);
}

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  model = await startOpenAIServer();
  // Answers at once, from what the request itself says: the session's tag picks the reply.
  model.respond((body: ChatRequestBody) => {
    const tags = [...tagsIn(body.messages)];
    if (tags.length !== 1) return [{ text: `request mixes sessions: ${tags.join(",")}` }, { finish: "stop" }];
    const i = Number(tags[0]!.slice(3));
    if (usesTool(i) && body.messages.at(-1)?.role === "user") {
      return [
        { toolCalls: [{ id: `call_${tag(i)}`, name: "read", arguments: { path: `note-${tag(i)}.txt` } }] },
        { finish: "tool_calls" },
      ];
    }
    return [...replyPieces(i).map((text) => ({ text })), { finish: "stop" }];
  });
});
afterAll(() => model.close());

/** Collects one SSE stream's events until turn_end (or turn_error, or the stream ends or is aborted). */
async function collect(response: Response): Promise<ServerEvent[]> {
  const events: ServerEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) return events;
    buffer += decoder.decode(value, { stream: true });
    for (let boundary = buffer.indexOf("\n\n"); boundary >= 0; boundary = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = block.split("\n").find((line) => line.startsWith("data: "));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as ServerEvent;
      events.push(event);
      if (event.type === "turn_end" || event.type === "turn_error") {
        await reader.cancel();
        return events;
      }
    }
  }
}

/** The event types in order, each run of `stream` events folded into one. */
function shape(events: ServerEvent[]): string[] {
  const types: string[] = [];
  for (const event of events) if (!(event.type === "stream" && types.at(-1) === "stream")) types.push(event.type);
  return types;
}

describe("pincer serve under load", () => {
  it("runs 50 concurrent sessions, each with its own complete, ordered events and session file", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-serve-load-0001",
      OPENAI_BASE_URL: model.url,
      PINCER_SERVER_TOKEN: "t0k3n-serve-load",
    });
    const ids = Array.from({ length: SESSIONS }, (_, i) => i);
    // Each session works in its own directory, holding the file only it reads.
    const cwds = ids.map((i) => {
      const dir = join(box.cwd, tag(i));
      mkdirSync(dir);
      writeFileSync(join(dir, `note-${tag(i)}.txt`), `${note(i)}\n`);
      return dir;
    });
    const server = box.start(["serve", "--port", "0"]);
    const base = await servingAddress(server);
    const auth = { authorization: "Bearer t0k3n-serve-load", "content-type": "application/json" };
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
    try {
      const created = await Promise.all(
        ids.map(async (i) => {
          const response = await post("/sessions", { model: "openai/gpt-5", cwd: cwds[i] });
          expect(response.status, await response.clone().text()).toBe(201);
          return ((await response.json()) as { id: string }).id;
        }),
      );
      expect(new Set(created).size).toBe(SESSIONS);

      // Subscribe to all, then prompt all at once. A turn that never ends fails below, by name.
      const deadline = new AbortController();
      const streams = await Promise.all(
        created.map((id) => fetch(`${base}/sessions/${id}/events`, { headers: auth, signal: deadline.signal })),
      );
      const collected = streams.map((response) => collect(response));
      const prompts = ids.map((i) =>
        usesTool(i) ? `Read note-${tag(i)}.txt and answer, ${tag(i)}.` : `Answer me, ${tag(i)}.`,
      );
      const started = await Promise.all(ids.map((i) => post(`/sessions/${created[i]}/prompt`, { text: prompts[i] })));
      expect(started.map((response) => response.status)).toEqual(ids.map(() => 202));
      const timer = setTimeout(() => deadline.abort(), scaledTimeout(30_000));
      const seen = await Promise.all(collected);
      clearTimeout(timer);

      const shapes = { tool: new Set<string>(), text: new Set<string>() };
      for (const i of ids) {
        const events = seen[i]!;
        const label = `session ${tag(i)}`;
        // Nothing of another session: every event speaks of this session only.
        for (const event of events) {
          for (const other of tagsIn(event)) expect(other, `${label}: ${JSON.stringify(event)}`).toBe(tag(i));
        }
        const types = events.map((event) => event.type);
        expect(
          types.filter((type) => type === "turn_start"),
          label,
        ).toHaveLength(1);
        expect(
          types.filter((type) => type === "turn_end"),
          label,
        ).toHaveLength(1);
        expect(types, label).not.toContain("turn_error");
        expect(events.at(-1), label).toMatchObject({
          type: "turn_end",
          result: { stopReason: "end_turn", text: reply(i) },
        });
        expect(
          events.find((event) => event.type === "session_start"),
          label,
        ).toMatchObject({
          sessionId: created[i],
          cwd: cwds[i],
        });
        expect(
          events.find((event) => event.type === "turn_start"),
          label,
        ).toMatchObject({ prompt: prompts[i] });
        expect(types.indexOf("session_start"), label).toBeLessThan(types.indexOf("turn_start"));

        // Requests in order, and the last one's text deltas spell the reply exactly.
        const requests = events.filter((event) => event.type === "request_start").map((event) => event.step);
        expect(requests, label).toEqual(usesTool(i) ? [1, 2] : [1]);
        const lastRequest = types.lastIndexOf("request_start");
        const deltas = events
          .slice(lastRequest)
          .filter((event) => event.type === "stream")
          .map((event) => event.event as { type: string; text?: string })
          .filter((event) => event.type === "text_delta")
          .map((event) => event.text);
        expect(deltas.join(""), label).toBe(reply(i));
        expect(deltas.length, label).toBeGreaterThanOrEqual(replyPieces(i).length);

        if (usesTool(i)) {
          const toolStart = types.indexOf("tool_start");
          const toolEnd = types.indexOf("tool_end");
          expect(toolStart, label).toBeGreaterThan(types.indexOf("request_start"));
          expect(toolEnd, label).toBeGreaterThan(toolStart);
          expect(lastRequest, label).toBeGreaterThan(toolEnd);
          const ended = events[toolEnd]!;
          expect(ended, `${label}: ${JSON.stringify(ended.result)}`).toMatchObject({
            toolCallId: `call_${tag(i)}`,
            result: { isError: false },
          });
          expect(JSON.stringify(ended.result), label).toContain(note(i));
        } else {
          expect(types, label).not.toContain("tool_start");
        }
        // Under load the sequence is the same as for any other session of its kind: no event
        // dropped, doubled or moved.
        shapes[usesTool(i) ? "tool" : "text"].add(shape(events).join(" "));
      }
      expect([...shapes.tool]).toHaveLength(1);
      expect([...shapes.text]).toHaveLength(1);

      // The model saw each session's requests whole and apart.
      expect(model.requests).toHaveLength(ids.reduce((sum, i) => sum + (usesTool(i) ? 2 : 1), 0));
      for (const request of model.requests) expect(tagsIn((request.body as ChatRequestBody).messages).size).toBe(1);

      // Each session's file holds its own conversation, the same messages the stream announced.
      for (const i of ids) {
        const label = `session ${tag(i)}`;
        const file = readFileSync(join(box.env.PINCER_HOME!, "sessions", `${created[i]}.jsonl`), "utf8");
        expect([...tagsIn(file)], label).toEqual([tag(i)]);
        const entries = file
          .split("\n")
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line) as { type: string; message?: { role: string } });
        const messages = entries.filter((entry) => entry.type === "message").map((entry) => entry.message!);
        expect(
          messages.map((message) => message.role),
          label,
        ).toEqual(usesTool(i) ? ["user", "assistant", "toolResult", "assistant"] : ["user", "assistant"]);
        expect(JSON.stringify(messages[0]), label).toContain(prompts[i]);
        expect(JSON.stringify(messages.at(-1)), label).toContain(reply(i));
        if (usesTool(i)) expect(JSON.stringify(messages[2]), label).toContain(note(i));
        const announced = seen[i]!.filter((event) => event.type === "message_appended").map((event) => event.message);
        expect(announced, label).toEqual(messages);
      }

      // And the server is idle again, still hosting all of them.
      const listed = (await (await fetch(`${base}/sessions`, { headers: auth })).json()) as Array<{
        id: string;
        busy: boolean;
      }>;
      expect(listed.map((session) => session.id).sort()).toEqual([...created].sort());
      expect(listed.every((session) => !session.busy)).toBe(true);
    } finally {
      server.child.kill("SIGINT");
      await server.done;
    }
  }, 60_000);
});
