import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startAnthropicServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startAnthropicServer>>;
beforeAll(async () => {
  server = await startAnthropicServer({ apiKey: "sk-ant-e2e-0001" });
});
afterAll(() => server.close());

describe("pincer -p --model anthropic/… against a loopback Messages server", () => {
  it("runs a tool call end to end and prices cache reads and writes", async () => {
    using box = sandbox({ ANTHROPIC_API_KEY: "sk-ant-e2e-0001", ANTHROPIC_BASE_URL: server.url });
    server.enqueue([
      {
        usage: {
          input_tokens: 100,
          output_tokens: 20,
          cache_read_input_tokens: 2000,
          cache_creation_input_tokens: 400,
        },
      },
      { thinking: "I should write the file.", signature: "sig-1" },
      { toolUse: { id: "toolu_w", name: "write", input: { path: "hi.txt", content: "hello\n" } } },
    ]);
    server.enqueue([{ usage: { input_tokens: 150, output_tokens: 5 } }, { text: "Done." }]);
    const result = await box.run([
      "-p",
      "write hi.txt",
      "--model",
      "anthropic/claude-sonnet-5-5",
      "--permission-mode",
      "acceptEdits",
      "--output-format",
      "stream-json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(box.cwd, "hi.txt"), "utf8")).toBe("hello\n");
    const final = jsonLines(result.stdout).at(-1) as {
      result: string;
      total_cost_usd: number;
      usage: Record<string, number>;
    };
    expect(final.result).toBe("Done.");
    // Sonnet 5.5: $2 in, $10 out, $0.20 cache read, $2.50 cache write per million tokens.
    const expected = (100 * 2 + 20 * 10 + 2000 * 0.2 + 400 * 2.5 + 150 * 2 + 5 * 10) / 1e6;
    expect(final.total_cost_usd).toBeCloseTo(expected, 9);
    // The second request carries the thinking block back with its signature, and the tool result.
    const second = server.requests.at(-1)!.body as {
      messages: Array<{ role: string; content: Array<{ type: string }> }>;
    };
    expect(second.messages[1]?.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
    expect(second.messages[2]?.content[0]).toMatchObject({ type: "tool_result", tool_use_id: "toolu_w" });
    expect(server.requests.at(-1)!.headers["x-api-key"] ?? server.requests.at(-1)!.headers.authorization).toMatch(
      /sk-ant-e2e-0001/,
    );
  });
});
