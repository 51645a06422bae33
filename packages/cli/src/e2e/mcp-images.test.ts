import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MCP_TEST_SERVER, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** The MCP test server's `rich` tool answers an image and a resource link; the model asks for it once. */
async function runRich(api: "chat" | "responses") {
  using box = sandbox({ OPENAI_API_KEY: "sk-test-images-0001", OPENAI_BASE_URL: server.url });
  mkdirSync(box.env.PINCER_HOME!, { recursive: true });
  writeFileSync(
    join(box.env.PINCER_HOME!, "config.json"),
    JSON.stringify({
      mcpServers: { fx: { command: process.execPath, args: [MCP_TEST_SERVER] } },
      ...(api === "responses" ? { providers: { openai: { api: "responses" } } } : {}),
    }),
  );
  server.enqueue([{ toolCalls: [{ id: "call_img", name: "mcp__fx__rich", arguments: {} }] }, { finish: "tool_calls" }]);
  server.enqueue([{ text: "A pixel." }, { finish: "stop" }]);
  const from = server.requests.length;
  const result = await box.run(["-p", "look", "--model", "openai/gpt-5", "--allowedTools", "mcp__fx__rich"]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toBe("A pixel.\n");
  return server.requests.slice(from).at(-1)!.body as Record<string, unknown>;
}

describe("images from an MCP tool reach OpenAI models", () => {
  it("chat completions: the tool message names the image, a user message after the step carries it", async () => {
    const body = (await runRich("chat")) as { messages: Array<{ role: string; content: unknown }> };
    const toolAt = body.messages.findIndex((message) => message.role === "tool");
    expect(String(body.messages[toolAt]!.content)).toContain("[image 1: in the next message]");
    expect(JSON.stringify(body)).not.toContain("[image omitted]");
    expect(body.messages[toolAt + 1]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "The image returned by tool call call_img (mcp__fx__rich):" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL}` } },
      ],
    });
  });

  it("responses: the function call's output holds the image itself", async () => {
    const body = (await runRich("responses")) as { input: Array<{ type?: string; output?: unknown }> };
    const output = body.input.find((item) => item.type === "function_call_output")!.output;
    expect(output).toEqual([
      { type: "input_image", detail: "auto", image_url: `data:image/png;base64,${PIXEL}` },
      { type: "input_text", text: "[resource notes: file:///notes.md (text/markdown)]" },
    ]);
  });
});
