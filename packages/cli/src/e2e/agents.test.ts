import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, sandbox, stderrWithoutSandboxNotice } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
type Request = {
  messages: Array<{ role: string; content: unknown; tool_call_id?: string }>;
  tools?: Array<{ function: { name: string; description?: string } }>;
};
const request = (index: number) => server.requests.at(index)!.body as Request;
const systemText = (body: Request) => String(body.messages.find((message) => message.role === "system")?.content);
const toolResult = (body: Request, id: string) =>
  String(body.messages.find((message) => message.role === "tool" && message.tool_call_id === id)?.content);

function put(path: string, text: string) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

describe("AGENTS.md, skills and subagents in pincer -p", () => {
  it("puts the user's and the project's AGENTS.md in the system prompt, nearest last", async () => {
    using box = sandbox(openai());
    put(join(box.env.PINCER_HOME!, "AGENTS.md"), "User rule: answer in English.");
    put(join(box.cwd, "AGENTS.md"), "Project rule: run pnpm test before committing.");
    server.enqueue([{ text: "ok" }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
    expect(stderrWithoutSandboxNotice(result.stderr)).toBe("");
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(before + 1);
    const system = systemText(request(-1));
    expect(system).toContain(`## ${join(box.cwd, "AGENTS.md")}\n\nProject rule: run pnpm test before committing.`);
    expect(system.indexOf("User rule")).toBeGreaterThan(-1);
    expect(system.indexOf("User rule")).toBeLessThan(system.indexOf("Project rule"));
  });

  it("lists skills by name and description, loads one through the skill tool, and skips a bad one", async () => {
    using box = sandbox(openai());
    put(
      join(box.cwd, ".pincer", "skills", "release", "SKILL.md"),
      "---\nname: release\ndescription: Cut a release of this project\n---\nBump the version, then tag it.\n",
    );
    put(join(box.cwd, ".pincer", "skills", "release", "checklist.md"), "1. changelog");
    const bad = join(box.env.PINCER_HOME!, "skills", "broken", "SKILL.md");
    put(bad, "---\ndescription: its front matter is never closed\nbody\n");
    server.enqueue([
      { toolCalls: [{ id: "call_s", name: "skill", arguments: { name: "release" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "Released." }, { finish: "stop" }]);
    const result = await box.run(["-p", "release it", "--model", "openai/gpt-5", "--output-format", "stream-json"]);
    expect(result.code).toBe(0);
    expect(stderrWithoutSandboxNotice(result.stderr)).toContain(`Skipped skill ${bad}`);
    const first = request(-2);
    const skillTool = first.tools?.find((tool) => tool.function.name === "skill");
    expect(skillTool?.function.description).toContain("- release: Cut a release of this project");
    expect(skillTool?.function.description).not.toContain("broken");
    const loaded = toolResult(request(-1), "call_s");
    expect(loaded).toContain("Bump the version, then tag it.");
    expect(loaded).toContain(`folder: ${join(box.cwd, ".pincer", "skills", "release")}`);
    expect(loaded).toContain("- checklist.md");
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ is_error: false, result: "Released." });
  });

  it("runs a subagent through the task tool and hands its final text back to the parent", async () => {
    using box = sandbox(openai());
    put(
      join(box.cwd, ".pincer", "agents", "scout.md"),
      "---\nname: scout\ndescription: Finds things in the codebase\ntools: read, grep\n---\nYou are Scout. Search, then report in one line.\n",
    );
    server.enqueue([
      {
        toolCalls: [
          {
            id: "call_t",
            name: "task",
            arguments: { agent: "scout", description: "find config", prompt: "Where is the config?" },
          },
        ],
      },
      { finish: "tool_calls" },
    ]);
    server.enqueue([
      { text: "The config is in pincer.json." },
      { usage: { prompt_tokens: 50, completion_tokens: 9 } },
      { finish: "stop" },
    ]);
    server.enqueue([{ text: "Scout says: pincer.json." }, { finish: "stop" }]);
    const before = server.requests.length;
    const result = await box.run([
      "-p",
      "find the config",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "stream-json",
    ]);
    expect(stderrWithoutSandboxNotice(result.stderr)).toBe("");
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(before + 3);
    const parentFirst = server.requests[before]!.body as Request;
    const sub = server.requests[before + 1]!.body as Request;
    const parentLast = server.requests[before + 2]!.body as Request;
    expect(parentFirst.tools?.find((tool) => tool.function.name === "task")?.function.description).toContain(
      "- scout: Finds things in the codebase",
    );
    expect(systemText(sub).startsWith("You are Scout. Search, then report in one line.")).toBe(true);
    expect(sub.tools?.map((tool) => tool.function.name).sort()).toEqual(["grep", "read"]);
    expect(sub.messages.at(-1)).toMatchObject({ role: "user", content: "Where is the config?" });
    expect(toolResult(parentLast, "call_t")).toBe("The config is in pincer.json.");
    const lines = jsonLines(result.stdout);
    expect(lines.at(-1)).toMatchObject({ is_error: false, result: "Scout says: pincer.json.", num_turns: 2 });
    // The run's usage and cost include the subagent's: its answer was the only one with tokens
    // (50 in at $1.25/M, 9 out at $10/M for gpt-5).
    expect(lines.at(-1)).toMatchObject({ usage: { input_tokens: 50, output_tokens: 9 } });
    expect((lines.at(-1) as { total_cost_usd: number }).total_cost_usd).toBeCloseTo((50 * 1.25 + 9 * 10) / 1e6, 10);
  });
});
