import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, RUN_COMMANDS, sandbox, stderrWithoutSandboxNotice } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
const lastRequest = () =>
  server.requests.at(-1)!.body as {
    messages: Array<{ role: string; content: unknown }>;
    tools?: Array<{ function: { name: string } }>;
  };

describe("pincer -p against a loopback OpenAI server", () => {
  it("prints the answer as text and exits 0", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "Hello from the loopback model." }, { finish: "stop" }]);
    const result = await box.run(["-p", "Say hello", "--model", "openai/gpt-5"]);
    expect(stderrWithoutSandboxNotice(result.stderr)).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Hello from the loopback model.\n");
    expect(lastRequest().messages.at(-1)).toMatchObject({ role: "user", content: "Say hello" });
  });

  it("streams Claude Code-shaped JSON lines through a real tool call", async () => {
    using box = sandbox(openai());
    server.enqueue([
      { toolCalls: [{ id: "call_w", name: "write", arguments: { path: "hello.txt", content: "hi\n" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      { text: "Wrote hello.txt." },
      { usage: { prompt_tokens: 120, completion_tokens: 7 } },
      { finish: "stop" },
    ]);
    const result = await box.run([
      "-p",
      "Create hello.txt",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
      "--permission-mode",
      "acceptEdits",
    ]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(box.cwd, "hello.txt"), "utf8")).toBe("hi\n");
    const lines = jsonLines(result.stdout);
    expect(lines.map((line) => `${line.type}${line.subtype ? `/${line.subtype}` : ""}`)).toEqual([
      "system/init",
      "assistant",
      "user",
      "assistant",
      "result/success",
    ]);
    const init = lines[0]!;
    expect(init).toMatchObject({ model: "openai/gpt-5", permissionMode: "acceptEdits", cwd: box.cwd });
    expect(init.tools).toEqual(expect.arrayContaining(["read", "write", "edit", "bash", "grep", "glob", "ls", "todo"]));
    expect(lines[1]).toMatchObject({
      message: { content: [{ type: "tool_use", id: "call_w", name: "write", input: { path: "hello.txt" } }] },
    });
    expect(lines[2]).toMatchObject({
      message: { content: [{ type: "tool_result", tool_use_id: "call_w", is_error: false }] },
    });
    const final = lines[4]!;
    expect(final).toMatchObject({
      is_error: false,
      num_turns: 2,
      result: "Wrote hello.txt.",
      session_id: init.session_id,
    });
    expect(final.usage).toMatchObject({ input_tokens: 120, output_tokens: 7 });
    expect(typeof final.total_cost_usd).toBe("number");
    expect(final.total_cost_usd as number).toBeGreaterThan(0);
  });

  it("prints only the result object with --output-format json", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "42" }, { finish: "stop" }]);
    const result = await box.run(["-p", "answer", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: "result", subtype: "success", result: "42", is_error: false });
  });

  it("denies an ask headless, tells the model how to allow it, and exits 1", async () => {
    using box = sandbox(openai());
    server.enqueue([
      { toolCalls: [{ id: "call_b", name: "bash", arguments: { command: "touch out.txt" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "I was not allowed to run it." }, { finish: "stop" }]);
    const result = await box.run(["-p", "run it", "--model", "openai/gpt-5", "--output-format", "json"]);
    expect(result.code).toBe(1);
    expect(existsSync(join(box.cwd, "out.txt"))).toBe(false);
    const [final] = jsonLines(result.stdout);
    expect(final).toMatchObject({ is_error: true, permission_denials: [{ tool_name: "bash", tool_use_id: "call_b" }] });
    const toolMessage = lastRequest().messages.find((message) => message.role === "tool");
    expect(String(toolMessage?.content)).toContain('--allowedTools "bash(touch:*)"');
  });

  it("runs what --allowedTools allows and refuses what a deny rule forbids, even in bypassPermissions", async () => {
    using box = sandbox(openai());
    server.enqueue([
      {
        toolCalls: [
          { id: "a", name: "bash", arguments: { command: "echo ok > allowed.txt" } },
          { id: "b", name: "bash", arguments: { command: "rm -rf allowed.txt" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "go",
      ...RUN_COMMANDS,
      "--model",
      "openai/gpt-5",
      "--permission-mode",
      "bypassPermissions",
      "--allowedTools",
      "bash(echo:*)",
      "--disallowedTools",
      "bash(rm:*)",
      "--output-format",
      "json",
    ]);
    expect(existsSync(join(box.cwd, "allowed.txt"))).toBe(true);
    const [final] = jsonLines(result.stdout);
    expect(final).toMatchObject({ permission_denials: [{ tool_name: "bash", tool_use_id: "b" }] });
    expect(result.code).toBe(1);
  });

  it("takes rules from user config and project settings; a project can only narrow", async () => {
    using box = sandbox(openai());
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ permissions: { allow: ["bash(mkdir:*)", "bash(touch:*)", "bash(ls:*)"] } }),
    );
    mkdirSync(join(box.cwd, ".pincer"));
    writeFileSync(
      join(box.cwd, ".pincer", "settings.json"),
      JSON.stringify({ permissions: { allow: ["bash"], deny: ["bash(touch:*)"] } }),
    );
    server.enqueue([
      {
        toolCalls: [
          { id: "e", name: "bash", arguments: { command: "mkdir a.txt" } },
          { id: "t", name: "bash", arguments: { command: "touch b.txt" } },
          { id: "l", name: "bash", arguments: { command: "ls > c.txt" } },
        ],
      },
    ]);
    server.enqueue([{ text: "done" }, { finish: "stop" }]);
    const result = await box.run(["-p", "go", "--model", "openai/gpt-5", "--output-format", "json", ...RUN_COMMANDS]);
    expect(existsSync(join(box.cwd, "a.txt"))).toBe(true);
    expect(existsSync(join(box.cwd, "b.txt"))).toBe(false);
    expect(existsSync(join(box.cwd, "c.txt"))).toBe(false);
    expect(result.stderr).toContain("Ignored permissions.allow in .pincer/settings.json: 1 rule(s)");
    const [final] = jsonLines(result.stdout);
    expect((final!.permission_denials as Array<{ tool_use_id: string }>).map((denial) => denial.tool_use_id)).toEqual([
      "t",
      "l",
    ]);
  });

  it("hides a tool named bare in --disallowedTools from the model", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    await box.run(["-p", "hi", "--model", "openai/gpt-5", "--disallowedTools", "bash"]);
    const names = (lastRequest().tools ?? []).map((tool) => tool.function.name);
    expect(names).toContain("read");
    expect(names).not.toContain("bash");
  });

  it("continues the latest session with --continue and a named one with --resume", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "first answer" }, { finish: "stop" }]);
    const first = await box.run([
      "-p",
      "remember the word kumquat",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "json",
    ]);
    const sessionId = jsonLines(first.stdout)[0]!.session_id as string;

    server.enqueue([{ text: "kumquat" }, { finish: "stop" }]);
    const second = await box.run(["-p", "what was the word?", "--continue", "--output-format", "json"]);
    expect(second.code).toBe(0);
    expect(jsonLines(second.stdout)[0]).toMatchObject({ session_id: sessionId });
    const sent = JSON.stringify(lastRequest().messages);
    expect(sent).toContain("remember the word kumquat");
    expect(sent).toContain("first answer");

    server.enqueue([{ text: "still here" }, { finish: "stop" }]);
    const third = await box.run(["-p", "and now?", "--resume", sessionId.slice(0, 18), "--output-format", "json"]);
    expect(jsonLines(third.stdout)[0]).toMatchObject({ session_id: sessionId });
    expect(lastRequest().messages.filter((message) => message.role === "user")).toHaveLength(3);
  });

  it("stops at --max-turns with exit 1 and error_max_turns", async () => {
    using box = sandbox(openai());
    server.enqueue([{ toolCalls: [{ name: "ls", arguments: {} }] }, { finish: "tool_calls" }]);
    const result = await box.run([
      "-p",
      "look around",
      "--model",
      "openai/gpt-5",
      "--max-turns",
      "1",
      "--output-format",
      "json",
    ]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ subtype: "error_max_turns", is_error: true });
    expect(result.stderr).toContain("--resume");
  });

  it("keeps API keys out of the session file", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "noted" }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "my key is sk-test-e2e-key-123456, keep it",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "json",
    ]);
    const id = jsonLines(result.stdout)[0]!.session_id as string;
    const file = readFileSync(join(box.env.PINCER_HOME!, "sessions", `${id}.jsonl`), "utf8");
    expect(file).toContain("[REDACTED]");
    expect(file).not.toContain("sk-test-e2e-key-123456");
  });
});
