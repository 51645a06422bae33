import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  // The Hugging Face router speaks the OpenAI wire protocol.
  server = await startOpenAIServer({ apiKey: "hf_test_token_0001" });
});
afterAll(() => server.close());

describe("pincer -p --model hf/<org>/<model> against a loopback router", () => {
  it("sends the org/model id with HF_TOKEN and runs a tool call", async () => {
    using box = sandbox({ HF_TOKEN: "hf_test_token_0001", HF_ROUTER_BASE_URL: server.url });
    server.enqueue([{ toolCalls: [{ id: "c1", name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
    server.enqueue([{ text: "Listed." }, { finish: "stop" }]);
    const result = await box.run(["-p", "list files", "--model", "hf/Qwen/Qwen3-Coder-480B-A35B-Instruct"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Listed.\n");
    expect(server.requests.at(-1)!.body).toMatchObject({ model: "Qwen/Qwen3-Coder-480B-A35B-Instruct" });
    const messages = server.requests.at(-1)!.body.messages as Array<{ role: string }>;
    expect(messages.some((message) => message.role === "tool")).toBe(true);
  });

  it("says which variable is missing", async () => {
    using box = sandbox({ HF_ROUTER_BASE_URL: server.url });
    const result = await box.run(["-p", "hi", "--model", "hf/openai/gpt-oss-120b"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HF_TOKEN is not set");
  });
});

describe("pincer models", () => {
  it("lists every provider's models with context window and price", async () => {
    using box = sandbox();
    const result = await box.run(["models", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const models = JSON.parse(result.stdout) as Array<{ provider: string; id: string; price: { input: number } }>;
    for (const provider of ["openai", "anthropic", "hf", "replay"]) {
      expect(models.some((model) => model.provider === provider)).toBe(true);
    }
    expect(models.find((model) => model.id === "anthropic/claude-sonnet-5-5")?.price.input).toBe(2);
    const table = await box.run(["models"]);
    expect(table.stdout).toMatch(/anthropic\/claude-sonnet-5-5\s+sonnet\s+yes\s+1M\s+128k\s+2\.00\s+10\.00/);
    expect(table.stdout).toMatch(/openai\/gpt-4\.1\s+no\s/);
    expect(models.find((model) => model.id === "openai/gpt-4.1")).toMatchObject({ reasoning: false });
  });
});
