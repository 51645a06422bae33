import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSession } from "./src/session.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
let dir: string;
beforeAll(async () => {
  server = await startOpenAIServer();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-embed-")));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function put(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

type Request = {
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string } }>;
};
const toolResult = (body: Request, id: string) =>
  String(body.messages.find((message) => message.role === "tool" && message.tool_call_id === id)?.content);

describe("examples/embed: a session from @pincer/runtime", () => {
  it("runs a plugin tool, a skill and the task tool, as pincer -p would", async () => {
    const cwd = join(dir, "project");
    const home = join(dir, "home");
    put(join(cwd, "notes.txt"), "The launch is on Tuesday.\n");
    put(join(cwd, "AGENTS.md"), "Answer in one sentence.");
    put(
      join(cwd, ".pincer", "skills", "summarize", "SKILL.md"),
      "---\nname: summarize\ndescription: Summarize a file for the team\n---\nRead the file, then say it in one line.\n",
    );
    const call = (id: string, name: string, args: Record<string, unknown>) => [
      { toolCalls: [{ id, name, arguments: args }] },
      { finish: "tool_calls" },
    ];
    server.enqueue(call("call_skill", "skill", { name: "summarize" }));
    server.enqueue(call("call_read", "read", { path: "notes.txt" }));
    server.enqueue(call("call_task", "task", { description: "check", prompt: "Is Tuesday a weekday?" }));
    server.enqueue([{ text: "Yes, Tuesday is a weekday." }, { finish: "stop" }]); // the subagent
    server.enqueue([{ text: "The launch is on Tuesday, a weekday." }, { finish: "stop" }]);
    const before = server.requests.length;
    const lines: string[] = [];

    const result = await runSession({
      prompt: "Summarize notes.txt",
      cwd,
      home,
      env: { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: "sk-embed-test-123456", OPENAI_BASE_URL: server.url },
      model: "openai/gpt-5",
      log: (line) => lines.push(line),
    });

    expect(result).toMatchObject({ stopReason: "end_turn", text: "The launch is on Tuesday, a weekday." });
    for (const tool of ["skill", "read", "task"]) expect(lines).toContain(`[tool] ${tool} done, error=false`);
    const requests = server.requests.slice(before).map((request) => request.body as Request);
    expect(requests).toHaveLength(5);
    // The same session the CLI builds: memory in the system prompt, the skill and task tools beside
    // the core tools (plugin tools, run in their sandbox).
    expect(String(requests[0]!.messages[0]!.content)).toContain("Answer in one sentence.");
    expect(requests[0]!.tools?.map((tool) => tool.function.name)).toEqual(
      expect.arrayContaining(["read", "bash", "skill", "task"]),
    );
    expect(toolResult(requests[1]!, "call_skill")).toContain("Read the file, then say it in one line.");
    expect(toolResult(requests[2]!, "call_read")).toContain("The launch is on Tuesday.");
    expect(requests[3]!.messages.at(-1)).toMatchObject({ role: "user", content: "Is Tuesday a weekday?" });
    expect(toolResult(requests[4]!, "call_task")).toBe("Yes, Tuesday is a weekday.");
  });
});
