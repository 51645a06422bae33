import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MODEL_ALIASES } from "@pincer/runtime";
import { startAnthropicServer, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let anthropic: Awaited<ReturnType<typeof startAnthropicServer>>;
let openrouter: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  anthropic = await startAnthropicServer({ apiKey: "sk-ant-alias-0001" });
  openrouter = await startOpenAIServer({ apiKey: "sk-or-v1-alias-0001" });
});
afterAll(async () => {
  await anthropic.close();
  await openrouter.close();
});

describe("model aliases", () => {
  const env = () => ({ ANTHROPIC_API_KEY: "sk-ant-alias-0001", ANTHROPIC_BASE_URL: anthropic.url });

  it("--model sonnet talks to the current Sonnet and records its full name", async () => {
    using box = sandbox(env());
    anthropic.enqueue([{ text: "Sonnet here." }]);
    const result = await box.run(["-p", "hi", "--model", "sonnet", "--output-format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(anthropic.requests.at(-1)?.body).toMatchObject({ model: "claude-sonnet-5-5" });
    const sessionId = (JSON.parse(result.stdout) as { session_id: string }).session_id;
    const shown = await box.run(["sessions", "show", sessionId]);
    expect(shown.stdout).toContain("anthropic/claude-sonnet-5-5");
  });

  it("an alias in config.json and in PINCER_MODEL resolves too (opus, haiku)", async () => {
    using box = sandbox(env());
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), JSON.stringify({ model: "opus" }));
    anthropic.enqueue([{ text: "Opus here." }]);
    expect((await box.run(["-p", "hi"])).code).toBe(0);
    expect(anthropic.requests.at(-1)?.body).toMatchObject({ model: "claude-opus-5-5" });

    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), "{}");
    anthropic.enqueue([{ text: "Haiku here." }]);
    const fromEnv = await box.run(["-p", "hi"], { env: { PINCER_MODEL: "HAIKU" } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(anthropic.requests.at(-1)?.body).toMatchObject({ model: "claude-haiku-4-5" });
  });

  it("an alias whose provider has no key is refused with the variable it needs (exit 2)", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--model", "gpt"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENAI_API_KEY is not set: openai/gpt-5 needs it");
  });

  it("pincer models lists each model's aliases", async () => {
    using box = sandbox(env());
    const listed = JSON.parse((await box.run(["models", "--json"])).stdout) as Array<{ id: string; aliases: string[] }>;
    expect(listed.find((model) => model.id === "anthropic/claude-sonnet-5-5")?.aliases).toEqual(["sonnet"]);
    expect(listed.find((model) => model.id === "anthropic/claude-haiku-4-5")?.aliases).toEqual(["haiku"]);
    expect(listed.find((model) => model.id === "openai/gpt-5")?.aliases).toEqual(["gpt"]);
    // Every alias stands for a model its provider catalogues (never a retired one).
    expect(listed.flatMap((model) => model.aliases).sort()).toEqual(Object.keys(MODEL_ALIASES).sort());
    const table = (await box.run(["models"])).stdout;
    expect(table).toMatch(/anthropic\/claude-opus-5-5\s+opus\s/);
  });
});

describe("the OpenRouter preset", () => {
  it("openrouter/<vendor>/<model> goes through the OpenAI-compatible API with OPENROUTER_API_KEY and config headers", async () => {
    using box = sandbox({ OPENROUTER_API_KEY: "sk-or-v1-alias-0001", OPENROUTER_BASE_URL: openrouter.url });
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({
        providers: { openrouter: { headers: { "HTTP-Referer": "https://example.org/app", "X-Title": "My app" } } },
      }),
    );
    openrouter.enqueue([{ toolCalls: [{ id: "c1", name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
    openrouter.enqueue([{ text: "Routed." }, { finish: "stop" }]);
    const result = await box.run(["-p", "list", "--model", "openrouter/anthropic/claude-sonnet-4.5"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Routed.\n");
    const request = openrouter.requests.at(-1)!;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.body).toMatchObject({ model: "anthropic/claude-sonnet-4.5" });
    expect(request.headers.authorization).toBe("Bearer sk-or-v1-alias-0001");
    expect(request.headers["http-referer"]).toBe("https://example.org/app");
    expect(request.headers["x-title"]).toBe("My app");
  });

  it("without OPENROUTER_API_KEY the model is refused up front, naming the variable", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--model", "openrouter/openai/gpt-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENROUTER_API_KEY is not set");
  });

  it("is a configured default: a machine with only OPENROUTER_API_KEY starts on openrouter/openai/gpt-5", async () => {
    using box = sandbox({ OPENROUTER_API_KEY: "sk-or-v1-alias-0001", OPENROUTER_BASE_URL: openrouter.url });
    openrouter.enqueue([{ text: "Default." }, { finish: "stop" }]);
    const result = await box.run(["-p", "hi"]);
    expect(result.code, result.stderr).toBe(0);
    expect(openrouter.requests.at(-1)?.body).toMatchObject({ model: "openai/gpt-5" });
  });
});
