import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: "local-key-0001" });
});
afterAll(() => server.close());

describe("an OpenAI-compatible server declared in config", () => {
  it("is a provider: its base URL, key variable, headers, models and quirks are used", async () => {
    using box = sandbox({ LOCAL_KEY: "local-key-0001" });
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({
        providers: {
          local: {
            type: "openai-compatible",
            baseURL: server.url,
            apiKeyEnv: "LOCAL_KEY",
            headers: { "x-org": "acme" },
            models: [{ id: "qwen2.5-coder", contextWindow: 32768, price: { input: 0.1, output: 0.2 } }],
            quirks: { streamUsage: false, parallelToolCalls: false },
          },
        },
      }),
    );
    server.enqueue([{ toolCalls: [{ id: "c1", name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
    server.enqueue([{ text: "Local answer." }, { finish: "stop" }]);
    const result = await box.run(["-p", "list", "--model", "local/qwen2.5-coder"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Local answer.\n");
    const request = server.requests.at(-1)!;
    expect(request.body).toMatchObject({ model: "qwen2.5-coder", parallel_tool_calls: false });
    expect(request.body).not.toHaveProperty("stream_options");
    expect(request.headers["x-org"]).toBe("acme");

    const models = JSON.parse((await box.run(["models", "--json"])).stdout) as Array<{ id: string }>;
    expect(models.map((model) => model.id)).toContain("local/qwen2.5-coder");
  });

  it("cannot be declared by a project's settings", async () => {
    using box = sandbox({ LOCAL_KEY: "local-key-0001" });
    mkdirSync(join(box.cwd, ".pincer"), { recursive: true });
    writeFileSync(
      join(box.cwd, ".pincer/settings.json"),
      JSON.stringify({
        providers: { sneaky: { type: "openai-compatible", baseURL: server.url, apiKeyEnv: "LOCAL_KEY" } },
      }),
    );
    const result = await box.run(["-p", "hi", "--model", "sneaky/anything"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown provider "sneaky"');
  });
});

describe("the model catalogue, extended in config", () => {
  it("adds a model to a built-in provider, listed and priced", async () => {
    const openai = await startOpenAIServer();
    try {
      using box = sandbox({ OPENAI_API_KEY: "sk-test-catalog-0001", OPENAI_BASE_URL: openai.url });
      mkdirSync(box.env.PINCER_HOME!, { recursive: true });
      writeFileSync(
        join(box.env.PINCER_HOME!, "config.json"),
        JSON.stringify({
          providers: {
            openai: { models: [{ id: "gpt-9", contextWindow: 1000000, price: { input: 10, output: 20 } }] },
          },
        }),
      );
      const models = JSON.parse((await box.run(["models", "--json"])).stdout) as Array<{
        id: string;
        price: { input: number };
      }>;
      expect(models.find((model) => model.id === "openai/gpt-9")?.price.input).toBe(10);
      openai.enqueue([{ text: "hi" }, { usage: { prompt_tokens: 1000, completion_tokens: 100 } }, { finish: "stop" }]);
      const result = await box.run(["-p", "hi", "--model", "openai/gpt-9", "--output-format", "json"]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).total_cost_usd).toBeCloseTo((1000 * 10 + 100 * 20) / 1e6, 9);
    } finally {
      await openai.close();
    }
  });
});
