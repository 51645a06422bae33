import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

type ChatMessage = { role: string; content: string };
const toolResults = () =>
  (server.requests.at(-1)!.body.messages as ChatMessage[]).filter((message) => message.role === "tool");

describe("the core file tools' capability is the workspace", () => {
  it("writes in the cwd and in --add-dir folders, and nowhere else, even in bypassPermissions", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-workspace-123456", OPENAI_BASE_URL: server.url });
    const extra = mkdtempSync(join(tmpdir(), "pincer-add-dir-"));
    const outside = mkdtempSync(join(tmpdir(), "pincer-outside-"));
    try {
      server.enqueue([
        {
          toolCalls: [
            { id: "w1", name: "write", arguments: { path: "in-cwd.txt", content: "a" } },
            { id: "w2", name: "write", arguments: { path: join(extra, "in-extra.txt"), content: "b" } },
            { id: "w3", name: "write", arguments: { path: join(outside, "escaped.txt"), content: "c" } },
          ],
        },
        { finish: "tool_calls" },
      ]);
      server.enqueue([{ text: "done" }, { finish: "stop" }]);
      const result = await box.run([
        "-p",
        "write three files",
        "--model",
        "openai/gpt-5",
        "--add-dir",
        extra,
        "--permission-mode",
        "bypassPermissions",
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(box.cwd, "in-cwd.txt"), "utf8")).toBe("a");
      expect(readFileSync(join(extra, "in-extra.txt"), "utf8")).toBe("b");
      expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
      const [first, second, third] = toolResults();
      expect(first?.content).not.toMatch(/refused/);
      expect(second?.content).not.toMatch(/refused/);
      // bypassPermissions skips prompts, never capabilities.
      expect(third?.content).toMatch(/refused/);
    } finally {
      rmSync(extra, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
