import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readServerSentEvents, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, servingAddress } from "./run-cli.js";

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  model = await startOpenAIServer();
});
afterAll(() => model.close());

describe("pincer serve", () => {
  it("hosts a session over HTTP: token, prompt, SSE events, a permission answered by the client", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-serve-0001",
      OPENAI_BASE_URL: model.url,
      PINCER_SERVER_TOKEN: "t0k3n-serve",
    });
    const server = box.start(["serve", "--port", "0"]);
    const base = await servingAddress(server);
    const auth = { authorization: "Bearer t0k3n-serve", "content-type": "application/json" };
    try {
      // No token, a wrong one: 401 and nothing else.
      expect((await fetch(`${base}/sessions`)).status).toBe(401);
      const wrong = await fetch(`${base}/openapi.json`, { headers: { authorization: "Bearer nope" } });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain("paths");
      expect(
        ((await (await fetch(`${base}/openapi.json`, { headers: auth })).json()) as { openapi: string }).openapi,
      ).toBe("3.1.0");
      // A malformed body: 400 with the reason.
      const bad = await fetch(`${base}/sessions`, { method: "POST", headers: auth, body: "{nope" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain("not valid JSON");

      const created = await fetch(`${base}/sessions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model: "openai/gpt-5", cwd: box.cwd }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };

      model.enqueue([
        { toolCalls: [{ id: "w1", name: "write", arguments: { path: "served.txt", content: "over http\n" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "Written." }, { finish: "stop" }]);
      const events = await fetch(`${base}/sessions/${id}/events`, { headers: auth });
      const prompted = await fetch(`${base}/sessions/${id}/prompt`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ text: "write served.txt" }),
      });
      expect(prompted.status).toBe(202);
      // A prompt while the turn runs is queued for its next step, not refused.
      const steer = await fetch(`${base}/sessions/${id}/prompt`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ text: "and say so" }),
      });
      expect(steer.status).toBe(202);
      expect(await steer.json()).toMatchObject({ queued: true, delivery: "steer" });

      const seen = await readServerSentEvents(
        events,
        (event) => event.type === "turn_end",
        async (event) => {
          // The write needs approval in default mode: the client answers it.
          if (event.type === "permission_request") {
            const answered = await fetch(`${base}/sessions/${id}/permissions/${event.requestId as string}`, {
              method: "POST",
              headers: auth,
              body: JSON.stringify({ allow: true }),
            });
            expect(answered.status).toBe(204);
          }
        },
      );
      const types = seen.map((event) => event.type);
      expect(types).toContain("permission_request");
      expect(types).toContain("tool_end");
      expect(types).toContain("queue_delivered");
      expect((model.requests.at(-1)!.body as { messages: Array<{ content: unknown }> }).messages.at(-1)).toMatchObject({
        content: "and say so",
      });
      expect(seen.at(-1)).toMatchObject({ type: "turn_end", result: { stopReason: "end_turn", text: "Written." } });
      expect(readFileSync(join(box.cwd, "served.txt"), "utf8")).toBe("over http\n");

      const listed = (await (await fetch(`${base}/sessions`, { headers: auth })).json()) as Array<{
        id: string;
        busy: boolean;
      }>;
      expect(listed).toEqual([expect.objectContaining({ id, busy: false })]);
      expect(existsSync(join(box.env.PINCER_HOME!, "sessions", `${id}.jsonl`))).toBe(true);

      // A second turn, followed from the id POST /prompt returns: none of the first turn's events.
      model.enqueue([{ text: "Second answer." }, { finish: "stop" }]);
      const second = await fetch(`${base}/sessions/${id}/prompt`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ text: "and again" }),
      });
      const { after } = (await second.json()) as { after: number };
      expect(after).toBeGreaterThan(0);
      const followed = await readServerSentEvents(
        await fetch(`${base}/sessions/${id}/events?after=${after}`, { headers: auth }),
        (event) => event.type === "turn_end",
      );
      expect(followed[0]).toMatchObject({ type: "turn_start", prompt: "and again" });
      expect(followed.filter((event) => event.type === "turn_end")).toHaveLength(1);
      expect(followed.at(-1)).toMatchObject({ result: { text: "Second answer." } });
      const badAfter = await fetch(`${base}/sessions/${id}/events?after=soon`, { headers: auth });
      expect(badAfter.status).toBe(400);
    } finally {
      server.child.kill("SIGINT");
      await server.done;
    }
  }, 60_000);

  it("stops cleanly on a signal sent the moment its URL is printed", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      using box = sandbox({ OPENAI_API_KEY: "sk-test-serve-0001", OPENAI_BASE_URL: model.url });
      const server = box.start(["serve", "--port", "0"]);
      await new Promise<void>((resolve) => {
        server.child.stdout!.on("data", (chunk: Buffer) => {
          // The signal goes out from the very chunk that carries the URL: no window to settle in.
          if (/serving on /.test(String(chunk))) {
            server.child.kill(signal);
            resolve();
          }
        });
      });
      const result = await server.done;
      expect({ signal, code: result.code }).toEqual({ signal, code: 0 });
    }
  });

  it("keeps a turn going when the event client disconnects mid-stream", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-serve-0001",
      OPENAI_BASE_URL: model.url,
      PINCER_SERVER_TOKEN: "t0k3n-serve",
    });
    const server = box.start(["serve", "--port", "0"]);
    const base = await servingAddress(server);
    const auth = { authorization: "Bearer t0k3n-serve", "content-type": "application/json" };
    try {
      const { id } = (await (
        await fetch(`${base}/sessions`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ model: "openai/gpt-5" }),
        })
      ).json()) as { id: string };
      model.enqueue([{ text: "slow " }, { delayMs: 200 }, { text: "answer" }, { finish: "stop" }]);
      const controller = new AbortController();
      const events = await fetch(`${base}/sessions/${id}/events`, { headers: auth, signal: controller.signal });
      await fetch(`${base}/sessions/${id}/prompt`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ text: "go" }),
      });
      await readServerSentEvents(events, (event) => event.type === "request_start");
      controller.abort();
      // A new client sees the turn finish, and the session keeps it.
      const again = await fetch(`${base}/sessions/${id}/events`, { headers: auth });
      const seen = await readServerSentEvents(again, (event) => event.type === "turn_end");
      expect(seen.at(-1)).toMatchObject({ type: "turn_end", result: { text: "slow answer" } });
    } finally {
      server.child.kill("SIGINT");
      await server.done;
    }
  }, 60_000);
});
