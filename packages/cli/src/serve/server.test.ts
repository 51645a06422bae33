import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { startServer } from "./server.js";

/** Reads an SSE body until the server ends it or a turn_end arrives; the id of every event. */
function readAll(
  url: string,
  headers: Record<string, string>,
): Promise<{ ids: number[]; types: string[]; text: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = "";
      const done = () => {
        const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
        const types = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]!);
        resolve({ ids, types, text });
      };
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
        const end = text.lastIndexOf("event: turn_end\n");
        if (end !== -1 && text.indexOf("\n\n", end) !== -1) {
          res.destroy();
          done();
        }
      });
      res.on("end", done);
    })
      .on("error", reject)
      .end();
  });
}

describe("pincer serve event streams", () => {
  it("ends the stream of a client that stops reading, which then resumes from Last-Event-ID", async () => {
    const model = await startOpenAIServer();
    const home = mkdtempSync(join(tmpdir(), "pincer-serve-slow-"));
    const chunk = "x".repeat(2_000);
    model.enqueue([...Array.from({ length: 3_000 }, () => ({ text: chunk })), { finish: "stop" }]);
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      home,
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-test-slow-0001", OPENAI_BASE_URL: model.url },
      token: "slow-token",
      maxBufferedBytes: 64 * 1024,
    });
    const auth = { authorization: "Bearer slow-token", "content-type": "application/json" };
    try {
      const created = await fetch(`${server.url}/sessions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model: "openai/gpt-5" }),
      });
      const { id } = (await created.json()) as { id: string };
      // A client that connects and then reads nothing while 6 MB of events go by.
      let stalled: import("node:http").IncomingMessage | undefined;
      await new Promise<void>((resolve) => {
        request(`${server.url}/sessions/${id}/events`, { headers: auth }, (res) => {
          stalled = res;
          res.pause();
          resolve();
        }).end();
      });
      await fetch(`${server.url}/sessions/${id}/prompt`, { method: "POST", headers: auth, body: '{"text":"go"}' });
      // The turn finishes for the session whatever that client does.
      for (let waited = 0; waited < 30_000; waited += 50) {
        const sessions = (await (await fetch(`${server.url}/sessions`, { headers: auth })).json()) as Array<{
          busy: boolean;
        }>;
        if (!sessions[0]?.busy) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The stalled client now reads what it was sent: a cut-off stream and where to resume.
      let text = "";
      stalled!.setEncoding("utf8");
      stalled!.on("data", (data) => (text += data));
      const ended = new Promise((resolve) => stalled!.on("end", resolve));
      stalled!.resume();
      await ended;
      const resumeFrom = Number(/reconnect with Last-Event-ID: (\d+)/.exec(text)?.[1]);
      expect(resumeFrom).toBeGreaterThan(0);
      expect(text).not.toContain("event: turn_end");
      // Reconnecting picks up exactly after the last event it got; a replay larger than the limit is
      // itself cut, so a client resumes as often as it takes — and misses nothing.
      const ids: number[] = [];
      let from = resumeFrom;
      for (let attempt = 0; attempt < 1_000 && !text.includes("event: turn_end"); attempt++) {
        const part = await readAll(`${server.url}/sessions/${id}/events`, { ...auth, "last-event-id": String(from) });
        ids.push(...part.ids);
        text = part.text;
        from = Number(/reconnect with Last-Event-ID: (\d+)/.exec(part.text)?.[1] ?? part.ids.at(-1));
      }
      expect(text).toContain("event: turn_end");
      expect(ids[0]).toBe(resumeFrom + 1);
      expect(ids.every((value, index) => index === 0 || value === ids[index - 1]! + 1)).toBe(true);
    } finally {
      await server.close();
      await model.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
