import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterEach, beforeEach } from "vitest";
import { startServer } from "./server.js";

/**
 * A `pincer serve` started in the test's process against a loopback OpenAI model, fresh for each
 * test of the file that calls this (its own home, token and key, closed after the test).
 */
export function servedLoopback(name: string) {
  const token = `${name}-token`;
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  let model: Awaited<ReturnType<typeof startOpenAIServer>> | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let home = "";

  beforeEach(async () => {
    model = await startOpenAIServer();
    home = mkdtempSync(join(tmpdir(), `pincer-serve-${name}-`));
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      home,
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: `sk-test-${name}-0001`, OPENAI_BASE_URL: model.url },
      token,
    });
  });

  afterEach(async () => {
    await server?.close();
    await model?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const served = {
    auth,
    /** The server's home (its sessions are under it). */
    get home() {
      return home;
    },
    get model() {
      if (!model) throw new Error("servedLoopback: the model starts before each test");
      return model;
    },
    get server() {
      if (!server) throw new Error("servedLoopback: the server starts before each test");
      return server;
    },
    /** A new session on openai/gpt-5; its id. */
    async newSession(): Promise<string> {
      const created = await fetch(`${served.server.url}/sessions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model: "openai/gpt-5" }),
      });
      return ((await created.json()) as { id: string }).id;
    },
    post(path: string, body: unknown): Promise<Response> {
      return fetch(`${served.server.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
    },
  };
  return served;
}
