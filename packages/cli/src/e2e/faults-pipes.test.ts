import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startOpenAIServer, until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, jsonLines, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
const openai = () => ({ OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: server.url });

describe("the reader goes away, a signal comes", () => {
  it("`pincer -p … | head -1`: the run stops its turn when stdout closes, exits 141 with no stack trace, and the session resumes", async () => {
    using box = sandbox(openai());
    // A tool call, then a slow answer; a resumed session gets a quick one.
    server.respond((body) => {
      const last = body.messages.at(-1) as { role: string; content?: unknown };
      if (last.role === "user" && last.content === "and now?") return [{ text: "resumed fine" }, { finish: "stop" }];
      if (last.role === "tool")
        return [{ trickle: { text: "a slow answer nobody reads ", everyMs: 20 } }, { finish: "stop" }];
      return [{ toolCalls: [{ name: "bash", arguments: { command: "echo step one" } }] }];
    });
    const child = spawn(
      process.execPath,
      [CLI, "-p", "go", "--model", "openai/gpt-5", "--output-format", "stream-json", "--allowedTools", "bash"],
      { cwd: box.cwd, env: box.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    // What head does: read the first line, then close the pipe.
    await until(() => stdout.includes("\n"), "the first line");
    child.stdout!.destroy();
    expect(await exited).toBe(141);
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    const sessionId = jsonLines(stdout.split("\n")[0]!)[0]!.session_id as string;

    const resumed = await box.run(["-p", "and now?", "--resume", sessionId, "--output-format", "json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonLines(resumed.stdout)[0]).toMatchObject({ result: "resumed fine", is_error: false });
  });

  it("a turn that does not stop when asked cannot hold the run: SIGTERM ends it within the grace period", async () => {
    const module = fileURLToPath(new URL("../../dist/abort-on-signal.js", import.meta.url));
    const script = `
      const { abortOnSignals } = await import(${JSON.stringify(module)});
      abortOnSignals(() => {}, { graceMs: 300, stuck: (signal) => process.stderr.write("stuck after " + signal) });
      process.stdout.write("ready");
      setInterval(() => {}, 1000); // a turn that never stops`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await until(() => stdout === "ready", "the script to start");
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(stderr).toBe("stuck after SIGTERM");
  });
});
