import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, RUN_COMMANDS, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });

function sessionFile(home: string, id: string) {
  return join(home, "sessions", `${id}.jsonl`);
}

describe("bad usage and configuration exit 2 with one clear message", () => {
  it("rejects an unknown flag", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown argument: frobnicate");
    expect(result.stderr).toContain("pincer --help");
  });

  it("rejects an unknown provider and lists the known ones", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--model", "nosuch/model"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown provider "nosuch"');
    expect(result.stderr).toContain("openai");
  });

  it("rejects a model without a provider prefix", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--model", "gpt-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("provider/model");
  });

  it("names the unreadable config file and how to fix it", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(join(box.env.PINCER_HOME!, "config.json"), "{ not json");
    const result = await box.run(["-p", "hi"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(box.env.PINCER_HOME!, "config.json"));
    expect(result.stderr).toContain("Fix the JSON");
  });

  it("rejects a malformed permission rule", async () => {
    using box = sandbox();
    const result = await box.run(["-p", "hi", "--model", "replay/coding-demo", "--allowedTools", "bash(npm test:*"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Bad permission rule");
  });

  it("--version and --help work without a prompt", async () => {
    using box = sandbox();
    const version = await box.run(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await box.run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--output-format");
    const sessionsHelp = await box.run(["sessions", "--help"]);
    expect(sessionsHelp.stdout).toContain("fork");
  });
});

describe("provider failures", () => {
  it("explains a missing API key and exits 2", async () => {
    using box = sandbox({ OPENAI_BASE_URL: server.url });
    const result = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("OPENAI_API_KEY is not set");
  });

  it("retries a 500 and succeeds", async () => {
    using box = sandbox(openai());
    server.enqueue([{ httpError: { status: 500 } }]);
    server.enqueue([{ text: "recovered" }, { finish: "stop" }]);
    const result = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("recovered\n");
    expect(result.stderr).toContain("retrying");
  });

  it("fails clearly on a wrong key (401)", async () => {
    const strict = await startOpenAIServer({ apiKey: "sk-the-right-key-1234" });
    try {
      using box = sandbox({ OPENAI_API_KEY: "sk-wrong-key-000000", OPENAI_BASE_URL: strict.url });
      const result = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("401");
      expect(result.stderr).toContain("OPENAI_API_KEY");
      expect(strict.requests).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });
});

describe("crashes and signals lose nothing", () => {
  it("resumes after kill -9 during a tool run", async () => {
    using box = sandbox(openai());
    server.enqueue([
      {
        toolCalls: [
          { id: "call_sleep", name: "bash", arguments: { command: "echo started > marker.txt && sleep 30" } },
        ],
      },
      { finish: "tool_calls" },
    ]);
    const { child, done } = box.start([
      "-p",
      "run the slow thing",
      ...RUN_COMMANDS,
      "--model",
      "openai/gpt-5",
      "--allowedTools",
      "bash",
      "--output-format",
      "stream-json",
    ]);
    // Synchronise on the tool having started (its marker file), then kill the process outright.
    await until(() => readdirSync(box.cwd).includes("marker.txt"), "marker.txt to be written");
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");
    const sessionId = jsonLines(killed.stdout)[0]!.session_id as string;
    const before = readFileSync(sessionFile(box.env.PINCER_HOME!, sessionId), "utf8");
    expect(before).toContain("call_sleep");

    server.enqueue([{ text: "The earlier run was interrupted; nothing else to do." }, { finish: "stop" }]);
    const resumed = await box.run(["-p", "continue", "--resume", sessionId, "--output-format", "json"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("interrupted");
    const messages = (
      server.requests.at(-1)!.body as { messages: Array<{ role: string; tool_call_id?: string; content?: unknown }> }
    ).messages;
    const toolResult = messages.find((message) => message.role === "tool");
    expect(toolResult).toMatchObject({ tool_call_id: "call_sleep" });
    expect(String(toolResult?.content)).toContain("may have run partially");
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)("aborts on %s mid-turn, saves the session and says how to resume", async (signal, code) => {
    using box = sandbox(openai());
    const prompt = `take your time (${signal})`;
    server.enqueue([{ text: "Working on it…" }, { hang: true }]);
    const { child, done } = box.start(["-p", prompt, "--model", "openai/gpt-5", "--output-format", "stream-json"]);
    const lastContent = () =>
      (server.requests.at(-1)?.body as { messages: Array<{ content: unknown }> } | undefined)?.messages.at(-1)?.content;
    await until(() => lastContent() === prompt, "the prompt to reach the model");
    child.kill(signal);
    const result = await done;
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(`Interrupted by ${signal}`);
    expect(result.stderr).toContain("pincer --resume");
    const sessionId = jsonLines(result.stdout)[0]!.session_id as string;
    expect(readFileSync(sessionFile(box.env.PINCER_HOME!, sessionId), "utf8")).toContain(prompt);
  });

  it("drops a corrupt last line left by a crash and carries on", async () => {
    using box = sandbox(openai());
    server.enqueue([{ text: "one" }, { finish: "stop" }]);
    const first = await box.run(["-p", "first", "--model", "openai/gpt-5", "--output-format", "json"]);
    const sessionId = jsonLines(first.stdout)[0]!.session_id as string;
    appendFileSync(sessionFile(box.env.PINCER_HOME!, sessionId), '{"type":"message","id":"abc","parentId":');
    server.enqueue([{ text: "two" }, { finish: "stop" }]);
    const second = await box.run(["-p", "second", "--resume", sessionId, "--output-format", "json"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("incomplete last line");
    const lines = readFileSync(sessionFile(box.env.PINCER_HOME!, sessionId), "utf8").trim().split("\n");
    for (const line of lines) JSON.parse(line);
  });
});
