import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startAnthropicServer, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let anthropic: Awaited<ReturnType<typeof startAnthropicServer>>;
let openai: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  anthropic = await startAnthropicServer({ apiKey: "sk-ant-think-0001" });
  openai = await startOpenAIServer();
});
afterAll(async () => {
  await anthropic.close();
  await openai.close();
});

const keys = () => ({
  ANTHROPIC_API_KEY: "sk-ant-think-0001",
  ANTHROPIC_BASE_URL: anthropic.url,
  OPENAI_API_KEY: "sk-test-think-0001",
  OPENAI_BASE_URL: openai.url,
});

/** Runs one headless prompt against the OpenAI loopback and returns the body it was sent. */
async function openaiBody(box: ReturnType<typeof sandbox>, args: string[]): Promise<Record<string, unknown>> {
  openai.enqueue([{ text: "ok" }, { finish: "stop" }]);
  const result = await box.run(["-p", "hi", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return openai.requests.at(-1)!.body as Record<string, unknown>;
}

describe("pincer --thinking", () => {
  it("asks Anthropic for adaptive thinking at that effort", async () => {
    using box = sandbox(keys());
    anthropic.enqueue([{ text: "Thought it through." }]);
    const result = await box.run(["-p", "think", "--thinking", "high", "--model", "anthropic/claude-sonnet-5-5"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Thought it through.\n");
    const body = anthropic.requests.at(-1)!.body as Record<string, unknown>;
    expect(body.thinking).toMatchObject({ type: "adaptive" });
    expect(body.output_config).toMatchObject({ effort: "high" });
  });

  it("asks OpenAI for reasoning_effort, keeps the level on --continue, and sends none when off", async () => {
    using box = sandbox(keys());
    expect(await openaiBody(box, ["--model", "openai/gpt-5", "--thinking", "high"])).toMatchObject({
      reasoning_effort: "high",
    });
    // The session recorded the level: continuing without the flag thinks as hard.
    expect(await openaiBody(box, ["--continue"])).toMatchObject({ model: "gpt-5", reasoning_effort: "high" });
    const [latest] = JSON.parse((await box.run(["sessions", "list", "--json"])).stdout) as Array<{ id: string }>;
    expect((await box.run(["sessions", "show", latest!.id])).stdout).toMatch(/\(thinking\) high/);
    expect(await openaiBody(box, ["--model", "openai/gpt-5"])).not.toHaveProperty("reasoning_effort");
  });

  it("asks the Responses API for reasoning.effort when config routes OpenAI there", async () => {
    using box = sandbox(keys());
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ providers: { openai: { api: "responses" } } }),
    );
    openai.enqueue([{ text: "ok" }]);
    const result = await box.run(["-p", "hi", "--model", "openai/gpt-5", "--thinking", "high"]);
    expect(result.code, result.stderr).toBe(0);
    expect(openai.requests.at(-1)!.path).toMatch(/\/responses$/);
    expect(openai.requests.at(-1)!.body).toMatchObject({ reasoning: { effort: "high" } });
  });

  it("takes the level from config for new sessions, the flag winning over it", async () => {
    using box = sandbox(keys());
    const set = await box.run(["config", "set", "thinking", "low"]);
    expect(set.code, set.stderr).toBe(0);
    expect(await openaiBody(box, ["--model", "openai/gpt-5"])).toMatchObject({ reasoning_effort: "low" });
    expect(await openaiBody(box, ["--model", "openai/gpt-5", "--thinking", "medium"])).toMatchObject({
      reasoning_effort: "medium",
    });
    const bad = await box.run(["config", "set", "thinking", "max"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"thinking" must be one of off, low, medium, high');
  });

  it("sends no reasoning field to a catalogued model that does not think", async () => {
    using box = sandbox(keys());
    expect(await openaiBody(box, ["--model", "openai/gpt-4.1", "--thinking", "high"])).not.toHaveProperty(
      "reasoning_effort",
    );
  });

  it("refuses a bad level, naming the allowed ones", async () => {
    using box = sandbox(keys());
    const before = openai.requests.length;
    const result = await box.run(["-p", "hi", "--model", "openai/gpt-5", "--thinking", "extreme"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/thinking.*"extreme"/s);
    expect(result.stderr).toContain('"off", "low", "medium", "high"');
    expect(openai.requests.length).toBe(before);
  });
});
