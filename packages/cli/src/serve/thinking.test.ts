import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { OPENAPI } from "./openapi.js";
import { startServer } from "./server.js";

describe("pincer serve: a session's thinking level", () => {
  it("is set when the session is created, described, sent to the model, and checked", async () => {
    const model = await startOpenAIServer();
    const home = mkdtempSync(join(tmpdir(), "pincer-serve-thinking-"));
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      home,
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-test-think-0001", OPENAI_BASE_URL: model.url },
      token: "think-token",
    });
    const headers = { authorization: "Bearer think-token", "content-type": "application/json" };
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    try {
      const bad = await post("/sessions", { model: "openai/gpt-5", thinking: "extreme" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain(
        '"thinking" must be one of off, low, medium, high',
      );

      const created = await post("/sessions", { model: "openai/gpt-5", thinking: "high" });
      expect(created.status).toBe(201);
      const session = (await created.json()) as { id: string; thinking: string };
      expect(session.thinking).toBe("high");

      model.enqueue([{ text: "ok" }, { finish: "stop" }]);
      expect((await post(`/sessions/${session.id}/prompt`, { text: "think" })).status).toBe(202);
      await until(() => model.requests.length > 0, "the model to be called");
      expect(model.requests.at(-1)!.body).toMatchObject({ reasoning_effort: "high" });
      const schema = OPENAPI.components.schemas.CreateSessionRequest;
      expect(schema.properties.thinking.$ref).toBe("#/components/schemas/ThinkingLevel");
      expect(OPENAPI.components.schemas.ThinkingLevel.enum).toEqual(["off", "low", "medium", "high"]);
    } finally {
      await server.close();
      await model.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
