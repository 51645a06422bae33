import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, RUN_COMMANDS, sandbox, stderrWithoutSandboxNotice } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

describe("pincer sessions and config", () => {
  it("lists, shows and forks sessions", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });
    server.enqueue([{ text: "answer one" }, { finish: "stop" }]);
    const run = await box.run(["-p", "question one", "--model", "openai/gpt-5", "--output-format", "json"]);
    const id = jsonLines(run.stdout)[0]!.session_id as string;

    const list = await box.run(["sessions", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, title: "question one" })]);

    const show = await box.run(["sessions", "show", id]);
    expect(show.stdout).toContain("user: question one");
    expect(show.stdout).toContain("answer one");

    const fork = await box.run(["sessions", "fork", id]);
    expect(fork.code).toBe(0);
    const forkId = fork.stdout.trim();
    expect(forkId).not.toBe(id);
    server.enqueue([{ text: "from the fork" }, { finish: "stop" }]);
    const resumed = await box.run(["-p", "question two", "--resume", forkId, "--output-format", "json"]);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({ session_id: forkId, result: "from the fork" });
    expect(JSON.stringify(server.requests.at(-1)!.body)).toContain("question one");

    const missing = await box.run(["sessions", "show", "nope"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("nope");
  });

  it("sets and reads config values", async () => {
    using box = sandbox();
    expect((await box.run(["config", "set", "model", "openai/gpt-5-mini"])).code).toBe(0);
    expect((await box.run(["config", "get", "model"])).stdout.trim()).toBe("openai/gpt-5-mini");
    const bad = await box.run(["config", "set", "maxTurns", "-3"]);
    expect(bad.code).toBe(2);
  });
});

describe("pincer demo", () => {
  it("runs the recorded coding task with the real tools to a passing test", async () => {
    using box = sandbox();
    const result = await box.run(["demo", ...RUN_COMMANDS]);
    expect(stderrWithoutSandboxNotice(result.stderr)).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("a recorded model, replayed offline");
    expect(result.stdout).toContain("AssertionError");
    expect(result.stdout).toContain("all tests passed");
    expect(result.stdout).toContain("✓ demo finished");
  });
});
