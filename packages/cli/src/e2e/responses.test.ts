import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

describe("pincer -p on OpenAI's Responses API (providers.openai.api = responses)", () => {
  it("runs a tool call and carries the encrypted reasoning into the next request", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-responses-0001", OPENAI_BASE_URL: server.url });
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ providers: { openai: { api: "responses" } } }),
    );
    server.enqueue([{ reasoning: "List first." }, { toolCalls: [{ id: "call_l", name: "ls", arguments: {} }] }]);
    server.enqueue([{ text: "Nothing here." }]);
    const result = await box.run(["-p", "what is here?", "--model", "openai/gpt-5"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Nothing here.\n");
    expect(server.requests.at(-1)!.path).toMatch(/\/responses$/);
    const input = (server.requests.at(-1)!.body as { input: Array<{ type?: string; encrypted_content?: string }> })
      .input;
    expect(input.find((item) => item.type === "reasoning")?.encrypted_content).toMatch(/^enc:/);
    expect(input.some((item) => item.type === "function_call_output")).toBe(true);
  });
});
