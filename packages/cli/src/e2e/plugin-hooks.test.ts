import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

const EXAMPLES = fileURLToPath(new URL("../../../../examples/", import.meta.url));

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

/** Builds an example as its author would (a copy, packed), so the test never depends on a dist/ left by another. */
async function packed(box: ReturnType<typeof sandbox>, example: string): Promise<string> {
  const dir = join(box.cwd, example);
  cpSync(join(EXAMPLES, example), dir, { recursive: true, filter: (path) => !/node_modules|dist|\.tgz$/.test(path) });
  const pack = await box.run(["plugin", "pack"], { cwd: dir });
  expect(pack.code, pack.stderr).toBe(0);
  return pack.stdout.trim();
}

function toolMessages(): string[] {
  const messages = server.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
  return messages.filter((message) => message.role === "tool").map((message) => message.content);
}

describe("plugins that hook and drive sessions, installed as users install them", () => {
  it("a hook plugin vetoes a bash call in pincer -p, even in bypassPermissions mode; the run goes on", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-hooks-123456", OPENAI_BASE_URL: server.url });
    // Hooks see and steer every session: installing one is consented to like a capability.
    const vetoHook = await packed(box, "veto-hook");
    const unasked = await box.run(["plugin", "install", vetoHook]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain("hook into every session: see each call of bash before it runs");
    const installed = await box.run(["plugin", "install", vetoHook, "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    server.enqueue([
      { toolCalls: [{ id: "call_rm", name: "bash", arguments: { command: "rm -rf /" } }] },
      { finish: "tool_calls" },
    ]);
    server.enqueue([{ text: "I will not delete anything." }, { finish: "stop" }]);
    const run = await box.run(["-p", "clean up", "--model", "openai/gpt-5", "--permission-mode", "bypassPermissions"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("I will not delete anything.");
    expect(toolMessages()).toEqual([expect.stringContaining("Blocked by a hook: veto-hook refuses commands matching")]);
  }, 60_000);

  it("a driver command runs a three-turn session through pincer -p /command, with progress and a ledger", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-driver-123456", OPENAI_BASE_URL: server.url });
    const installed = await box.run(["plugin", "install", await packed(box, "three-turn-driver"), "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    const before = server.requests.length;
    for (const answer of ["Did the task.", "Checked: nothing missing.", "1. did the task"]) {
      server.enqueue([{ text: answer }, { finish: "stop" }]);
    }
    const run = await box.run(["-p", "/three-turn-driver describe the workspace", "--model", "openai/gpt-5"]);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.length - before).toBe(3);
    expect(run.stdout).toMatch(/turn 1: end_turn[\s\S]*turn 2: end_turn[\s\S]*turn 3: end_turn/);
    expect(run.stdout).toContain("1. did the task");
    expect(run.stderr).toMatch(/turn 1 of 3[\s\S]*turn 3 of 3/);
    // The driven session is an ordinary one on disk, with the plugin's ledger in it.
    const sessionId = /session (\S+) \(pincer --resume/.exec(run.stdout)?.[1];
    expect(sessionId).toBeDefined();
    const sessionsDir = join(box.env.PINCER_HOME!, "sessions");
    const file = readdirSync(sessionsDir, { recursive: true, encoding: "utf8" }).find((name) =>
      name.includes(sessionId!),
    );
    const entries = readFileSync(join(sessionsDir, file!), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; customType?: string; message?: { role: string } });
    expect(
      entries.filter((entry) => entry.type === "custom" && entry.customType === "plugin:three-turn-driver"),
    ).toHaveLength(3);
    expect(entries.filter((entry) => entry.message?.role === "user")).toHaveLength(3);
    const resumed = await box.run(["sessions", "show", sessionId!]);
    expect(resumed.stdout).toContain("Summarise what you did");
  }, 60_000);

  it("the same command runs from the command line as pincer <name>: its own flags, Pincer's session flags, exit codes, JSON", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-driver-123456", OPENAI_BASE_URL: server.url });
    const installed = await box.run(["plugin", "install", await packed(box, "three-turn-driver"), "--yes"]);
    expect(installed.code, installed.stderr).toBe(0);
    const before = server.requests.length;
    server.enqueue([{ text: "Did it." }, { finish: "stop" }]);
    server.enqueue([{ text: "Checked it." }, { finish: "stop" }]);
    // Pincer's flags (--model) anywhere; the command's own (--turns) it reads itself.
    const run = await box.run([
      "--model",
      "openai/gpt-5",
      "three-turn-driver",
      "describe",
      "the",
      "workspace",
      "--turns",
      "2",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.length - before).toBe(2);
    expect(run.stdout).toMatch(/turn 1: end_turn[\s\S]*turn 2: end_turn/);
    expect(run.stdout).not.toContain("turn 3");
    expect(run.stderr).toMatch(/turn 1 of 2\n[\s\S]*turn 2 of 2\n/);
    const firstPrompt = server.requests[before]!.body.messages.at(-1) as { content: string };
    expect(firstPrompt.content).toBe("describe the workspace");

    // A mistake in its own flags: exit 2, its message, nothing sent to the model.
    const wrong = await box.run(["three-turn-driver", "x", "--turns", "9"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("pincer three-turn-driver: --turns must be 1, 2 or 3 (got 9).");
    expect(server.requests.length - before).toBe(2);

    // A turn that fails: the command's exit code (1), and its result as JSON.
    server.enqueue([{ httpError: { status: 400, body: { error: { message: "bad request" } } } }]);
    const failed = await box.run([
      "three-turn-driver",
      "x",
      "--turns",
      "1",
      "--output-format",
      "json",
      "-m",
      "openai/gpt-5",
    ]);
    expect(failed.code, failed.stderr).toBe(1);
    const result = JSON.parse(failed.stdout.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({ type: "result", is_error: true, command: "three-turn-driver", exit_code: 1 });
    expect(String(result.result)).toContain("turn 1: error");
    const help = await box.run(["--help"]);
    expect(help.stdout).toContain("pincer three-turn-driver <task> [--turns n]");
  }, 60_000);
});
