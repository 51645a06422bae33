import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { everythingServer, startOpenAIServer, until } from "@pincer/testing";
import { dereference } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { OPENAPI } from "./openapi.js";
import { startServer } from "./server.js";

/** Every event of a session's stream, as it arrives: type and parsed data. */
function follow(url: string, headers: Record<string, string>) {
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  let buffer = "";
  const req = request(url, { headers }, (res) => {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (\w+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) });
        end = buffer.indexOf("\n\n");
      }
    });
  });
  req.end();
  return { events, stop: () => req.destroy() };
}

describe("pincer serve and MCP servers' requests", () => {
  it("sends a server's form as elicitation_request and its sampling as permission_request; every event fits the OpenAPI document", async () => {
    const model = await startOpenAIServer();
    const home = mkdtempSync(join(tmpdir(), "pincer-serve-forms-"));
    mkdirSync(join(home, ".pincer"), { recursive: true });
    const pincerHome = join(home, ".pincer");
    writeFileSync(
      join(pincerHome, "config.json"),
      JSON.stringify({ mcpServers: { everything: everythingServer() }, mcp: { startTimeoutMs: 30_000 } }),
    );
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      home: pincerHome,
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-test-forms-0001", OPENAI_BASE_URL: model.url },
      token: "forms-token",
    });
    const auth = { authorization: "Bearer forms-token", "content-type": "application/json" };
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
    const stream = { stop: () => {} };
    try {
      const created = await post("/sessions", { model: "openai/gpt-5", allowedTools: ["mcp__everything__*"] });
      const { id } = (await created.json()) as { id: string };
      const events = follow(`${server.url}/sessions/${id}/events`, auth);
      stream.stop = events.stop;
      model.enqueue([
        {
          toolCalls: [
            { id: "f1", name: "mcp__everything__trigger-elicitation-request", arguments: {} },
            { id: "s1", name: "mcp__everything__trigger-sampling-request", arguments: { prompt: "2+2?" } },
          ],
        },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "four" }, { finish: "stop" }]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      expect((await post(`/sessions/${id}/prompt`, { text: "go" })).status).toBe(202);

      await until(() => events.events.some((event) => event.type === "elicitation_request"), { timeoutMs: 30_000 });
      const form = events.events.find((event) => event.type === "elicitation_request")!.data;
      expect(form).toMatchObject({ server: "everything", message: "Please provide inputs for the following fields:" });
      const path = `/sessions/${id}/elicitations/${form.requestId}`;
      // An answer that does not fit is refused, saying why, and the form stays open.
      const bad = await post(path, { action: "accept", content: { name: "Ada", check: "yes" } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain("Boolean must be true or false");
      expect((await post(path, { action: "accept", content: { name: "Ada", check: true } })).status).toBe(204);
      expect((await post(path, { action: "decline" })).status).toBe(404);

      // The sampling request is a question like a tool call's, for the pseudo-tool mcp_sampling.
      await until(
        () =>
          events.events.some((event) => event.type === "permission_request" && event.data.toolName === "mcp_sampling"),
        { timeoutMs: 30_000 },
      );
      const asked = events.events.find((event) => event.type === "permission_request")!.data;
      expect(asked).toMatchObject({
        subject: { kind: "text", value: "everything" },
        suggestedRule: "mcp_sampling(everything)",
      });
      expect((await post(`/sessions/${id}/permissions/${asked.requestId}`, { allow: true })).status).toBe(204);

      await until(() => events.events.some((event) => event.type === "turn_end"), { timeoutMs: 30_000 });
      const results = JSON.stringify(model.requests.at(-1)!.body);
      expect(results).toContain("Ada");
      expect(results).toContain("four");

      // Every event the server sent fits the ServerEvent schema of its own document.
      const document = (await dereference(structuredClone(OPENAPI) as never)) as unknown as {
        components: { schemas: Record<string, object> };
      };
      const check = new Ajv2020({ strict: false }).compile(document.components.schemas.ServerEvent!);
      const misfits = events.events.filter((event) => !check(event.data)).map((event) => event.type);
      expect(misfits).toEqual([]);
      expect([...new Set(events.events.map((event) => event.type))]).toEqual(
        expect.arrayContaining([
          "session_start",
          "tool_start",
          "tool_end",
          "elicitation_request",
          "permission_request",
          "turn_end",
        ]),
      );
    } finally {
      stream.stop();
      await server.close();
      await model.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
