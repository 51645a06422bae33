import { startOpenAIServer } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

// Node's teardown of the main isolate ends with a garbage collection that can run isolated-vm's weak
// callbacks after isolated-vm has let go of its state for the thread: the process then aborts
// (SIGABRT, "IsolateEnvironment::GetCurrent(): Assertion `environment != nullptr'") after doing all its
// work — `pincer plugin dev` did, about one run in twelve. A finished command skips that teardown;
// --trace-exit says whether it did (it reports a process.exit, which a teardown never makes).
describe("a finished command's exit", () => {
  it("ends without the main isolate's teardown, with its own exit code, its output whole", async () => {
    using box = sandbox({
      OPENAI_API_KEY: "sk-test-exit-123456",
      OPENAI_BASE_URL: server.url,
      NODE_OPTIONS: "--trace-exit",
    });
    const answer = "x".repeat(200_000);
    server.enqueue([{ text: answer }, { finish: "stop" }]);
    const ok = await box.run(["-p", "hi", "--model", "openai/gpt-5"]);
    expect(ok.signal).toBeNull();
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(answer);
    expect(ok.stderr).toContain("Exited the environment with code 0");

    const failed = await box.run(["-p", "hi", "--model", "nowhere/none"]);
    expect(failed.signal).toBeNull();
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(`Exited the environment with code ${failed.code}`);
  }, 60_000);
});
