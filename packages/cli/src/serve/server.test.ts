import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { startServer } from "./server.js";
import { permissionEvent } from "./server-session.js";

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
      await until(
        async () => {
          const sessions = (await (await fetch(`${server.url}/sessions`, { headers: auth })).json()) as Array<{
            busy: boolean;
          }>;
          return !sessions[0]?.busy;
        },
        { message: "the turn to finish", timeoutMs: 30_000, intervalMs: 50 },
      );
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

describe("pincer serve permission questions", () => {
  it("carry the call's cost estimate, as the OpenAPI document describes", async () => {
    const model = await startOpenAIServer();
    const home = mkdtempSync(join(tmpdir(), "pincer-serve-cost-"));
    // A paid Hugging Face job: cpu-xl is $1.00/h, allowed 2 hours.
    const args = { script: "print(1)", flavor: "cpu-xl", timeoutSeconds: 7200 };
    model.enqueue([{ toolCalls: [{ id: "call_job", name: "hf_job_run", arguments: args }] }, { finish: "tool_calls" }]);
    model.enqueue([{ text: "Not run." }, { finish: "stop" }]);
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      home,
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        OPENAI_API_KEY: "sk-test-cost-0001",
        OPENAI_BASE_URL: model.url,
        // The Hugging Face tools load with a token; the call is refused before anything reaches the Hub.
        HF_TOKEN: "hf_serve_cost_token",
      },
      token: "cost-token",
    });
    const auth = { authorization: "Bearer cost-token", "content-type": "application/json" };
    try {
      const created = await fetch(`${server.url}/sessions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model: "openai/gpt-5" }),
      });
      const { id } = (await created.json()) as { id: string };
      await fetch(`${server.url}/sessions/${id}/prompt`, { method: "POST", headers: auth, body: '{"text":"train"}' });
      const events = await new Promise<string>((resolve, reject) => {
        request(`${server.url}/sessions/${id}/events`, { headers: auth }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
            const asked = /^event: permission_request\ndata: (.*)$/m.exec(text);
            if (asked) {
              res.destroy();
              resolve(asked[1]!);
            }
          });
        })
          .on("error", reject)
          .end();
      });
      const asked = JSON.parse(events) as { requestId: string };
      expect(asked).toMatchObject({
        type: "permission_request",
        toolName: "hf_job_run",
        estimate: { usd: 2, summary: "cpu-xl at $1.00/h × up to 2 h ≈ $2.00" },
      });
      const answered = await fetch(`${server.url}/sessions/${id}/permissions/${asked.requestId}`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ allow: false }),
      });
      expect(answered.status).toBe(204);

      const openapi = (await (await fetch(`${server.url}/openapi.json`, { headers: auth })).json()) as {
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      const described = openapi.components.schemas.PermissionRequestEvent!.properties;
      expect(Object.keys(described).sort()).toEqual(Object.keys({ ...asked, subject: 0, suggestedRule: 0 }).sort());
      expect(described.estimate).toEqual({ $ref: "#/components/schemas/CostEstimate" });
    } finally {
      await server.close();
      await model.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);

  it("leave the estimate out when the tool gives none, and keep recurring work marked", () => {
    const base = {
      toolName: "bash",
      kind: "execute" as const,
      args: { command: "make" },
      cwd: "/repo",
      subject: { kind: "command" as const, value: "make" },
      decision: { action: "ask" as const, reason: "bash runs commands" },
      suggestedRule: "bash(make:*)",
    };
    expect(permissionEvent("r1", base)).toEqual({
      type: "permission_request",
      requestId: "r1",
      toolName: "bash",
      subject: { kind: "command", value: "make" },
      reason: "bash runs commands",
      suggestedRule: "bash(make:*)",
      preview: { label: "Command", lines: ["make"], diff: false, hidden: 0 },
    });
    const hourly = { usd: 0.5, summary: "nvidia-t4 x1 ≈ $0.50/h while running", recurring: true };
    expect(permissionEvent("r2", { ...base, estimate: hourly })).toMatchObject({ estimate: hourly });
  });
});
