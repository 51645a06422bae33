import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const run = (box: ReturnType<typeof sandbox>, prompt: string) =>
  box.run(["-p", prompt, "--model", "openai/gpt-5", "--output-format", "stream-json"]);

describe("what a provider may send that it should not", () => {
  it("malformed JSON in tool-call arguments: the model is told, the tool does not run, the turn goes on", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-faults-0001", OPENAI_BASE_URL: server.url });
    server.enqueue([{ toolCalls: [{ id: "bad", name: "write", arguments: '{"path": "x.txt", "content": ' }] }]);
    server.enqueue([{ text: "Let me fix that." }, { finish: "stop" }]);
    const result = await run(box, "write x");
    expect(result.code, result.stderr).toBe(0);
    const toolMessage = (server.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>).find(
      (message) => message.role === "tool",
    );
    expect(toolMessage?.content).toMatch(/not valid JSON/);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ subtype: "success", result: "Let me fix that." });
  });

  it("an unknown finish reason ends the turn as a normal stop", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-faults-0001", OPENAI_BASE_URL: server.url });
    server.enqueue([{ text: "Done." }, { finish: "something_new" }]);
    const result = await run(box, "hi");
    expect(result.code, result.stderr).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "Done." });
  });

  it("a response with no content at all is an empty answer, not a crash", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-faults-0001", OPENAI_BASE_URL: server.url });
    server.enqueue([{ finish: "stop" }]);
    const result = await run(box, "hi");
    expect(result.code, result.stderr).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "" });
  });
});
