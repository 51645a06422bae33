import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hugeText, startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox } from "./run-cli.js";

// An answer of several mebibytes is kept in blocks and written from them (kernel long-text.ts):
// every output format and the session file must still hold it whole, byte for byte.
const BYTES = 3 * 1024 * 1024 + 12_345;
const ANSWER = hugeText(BYTES);

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

describe("pincer -p with an answer of several mebibytes", () => {
  it.each(["text", "json", "stream-json"] as const)("prints it whole as %s and saves it whole", async (format) => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
    server.enqueue([{ huge: { bytes: BYTES } }, { finish: "stop" }]);
    const result = await box.run(["-p", "Write a lot.", "--model", "openai/gpt-5", "--output-format", format]);
    expect(result.code, result.stderr).toBe(0);
    if (format === "text") expect(result.stdout).toBe(`${ANSWER}\n`);
    else {
      const lines = jsonLines(result.stdout);
      expect(lines.at(-1)).toMatchObject({ type: "result", is_error: false, result: ANSWER });
      if (format === "stream-json")
        expect(lines.find((line) => line.type === "assistant")).toMatchObject({
          message: { content: [{ type: "text", text: ANSWER }] },
        });
    }
    const dir = join(box.env.PINCER_HOME!, "sessions");
    const [file] = readdirSync(dir).filter((name) => name.endsWith(".jsonl"));
    const entries = readFileSync(join(dir, file!), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(entries.at(-1).message.content).toEqual([{ type: "text", text: ANSWER }]);
  });
});
