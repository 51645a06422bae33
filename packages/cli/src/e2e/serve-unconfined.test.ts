import { readServerSentEvents, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox, servingAddress } from "./run-cli.js";

/**
 * `pincer serve` on a machine without bubblewrap: every command a session would spawn is asked
 * for, whatever allow rule covers it, unless the server was started with the user's explicit
 * `--dangerously-run-unconfined` (the flag was listed in `serve --help` but did nothing).
 */

let model: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  model = await startOpenAIServer();
});
afterAll(() => model.close());

/** The session's events until its turn ends; a permission request is answered `allow`. */
async function turnEvents(base: string, id: string, auth: Record<string, string>, allow: boolean) {
  const response = await fetch(`${base}/sessions/${id}/events`, { headers: auth });
  const prompted = await fetch(`${base}/sessions/${id}/prompt`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ text: "say it" }),
  });
  expect(prompted.status).toBe(202);
  return readServerSentEvents(
    response,
    (event) => event.type === "turn_end",
    async (event) => {
      if (event.type !== "permission_request") return;
      await fetch(`${base}/sessions/${id}/permissions/${event.requestId as string}`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ allow }),
      });
    },
  );
}

describe("pincer serve without an OS sandbox", () => {
  it.each([
    ["asks before every command, allow rule or not", [] as string[], true],
    ["runs them unasked only with --dangerously-run-unconfined", ["--dangerously-run-unconfined"], false],
  ])(
    "%s",
    async (_, flags, asks) => {
      using box = sandbox({
        OPENAI_API_KEY: "sk-test-serve-unconfined",
        OPENAI_BASE_URL: model.url,
        PINCER_SERVER_TOKEN: "t0k3n-unconfined",
        PINCER_BWRAP: "/nonexistent/bwrap",
      });
      const server = box.start(["serve", "--port", "0", ...flags]);
      try {
        const base = await servingAddress(server);
        const auth = { authorization: "Bearer t0k3n-unconfined", "content-type": "application/json" };
        const created = await fetch(`${base}/sessions`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ model: "openai/gpt-5", cwd: box.cwd, allowedTools: ["bash(echo *)"] }),
        });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        model.enqueue([
          { toolCalls: [{ id: "b1", name: "bash", arguments: { command: "echo ran-here" } }] },
          { finish: "tool_calls" },
        ]);
        model.enqueue([{ text: "Said." }, { finish: "stop" }]);
        const events = await turnEvents(base, id, auth, true);
        expect(events.some((event) => event.type === "permission_request")).toBe(asks);
        const toolEnd = events.find((event) => event.type === "tool_end");
        expect(JSON.stringify(toolEnd)).toContain("ran-here");
        expect(events.at(-1)).toMatchObject({ type: "turn_end", result: { stopReason: "end_turn" } });
      } finally {
        server.child.kill("SIGINT");
        await server.done;
      }
    },
    60_000,
  );
});
