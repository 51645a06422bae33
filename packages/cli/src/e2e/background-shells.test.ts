import { readdirSync, readFileSync } from "node:fs";
import { startOpenAIServer } from "@pincer/testing";
import { until } from "@pincer/testing/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_COMMANDS, sandbox } from "./run-cli.js";

let server: Awaited<ReturnType<typeof startOpenAIServer>>;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

type Call = { id: string; name: string; arguments: Record<string, unknown> };
const turn = (...toolCalls: Call[]) => server.enqueue([{ toolCalls }, { finish: "tool_calls" }]);
const toolText = (callId: string) =>
  (
    server.requests.at(-1)!.body as { messages: Array<{ role: string; tool_call_id?: string; content: string }> }
  ).messages.find((message) => message.role === "tool" && message.tool_call_id === callId)?.content ?? "";

/** Whether a process whose command line holds `marker` runs (by /proc: bubblewrap's pids mean nothing here). */
function running(marker: string): boolean {
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .some((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker);
      } catch {
        return false;
      }
    });
}

const WAIT_READY = "for i in $(seq 600); do [ -e ready ] && exit 0; sleep 0.05; done; exit 1";

describe("background shells through pincer -p", () => {
  it("the model starts a command in the background, reads its output with bash_output and stops it with kill_shell", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-background-0001", OPENAI_BASE_URL: server.url });
    turn({
      id: "start",
      name: "bash",
      arguments: { command: "echo serving on 8080; touch ready; sleep 3201", run_in_background: true },
    });
    turn({ id: "wait", name: "bash", arguments: { command: WAIT_READY } });
    turn({ id: "peek", name: "bash_output", arguments: { bash_id: "shell_1" } });
    turn({ id: "stop", name: "kill_shell", arguments: { shell_id: "shell_1" } });
    server.enqueue([{ text: "Stopped the server." }, { finish: "stop" }]);
    const first = server.requests.length;
    const result = await box.run([
      "-p",
      "start the server, check it, stop it",
      "--model",
      "openai/gpt-5",
      "--allowedTools",
      "bash",
      ...RUN_COMMANDS,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Stopped the server.\n");
    const said = (id: string) => toolText(id);
    expect(said("start")).toBe(
      "Started in the background as shell_1. Read its output with bash_output, stop it with kill_shell.",
    );
    expect(said("peek")).toMatch(/shell_1: still running$/);
    expect(said("stop")).toMatch(/shell_1: stopped/);
    // The line arrives once: in the peek, or (if it was still on its way) in kill_shell's last read.
    expect(`${said("peek")}\n${said("stop")}`.match(/serving on 8080/g)).toHaveLength(1);
    await until(() => !running("3201"), "the stopped command to be gone");
    // Their schemas stay out of the first request; the background start's result names them, and
    // from the next request on the model is offered both.
    const offered = server.requests
      .slice(first)
      .map((request) =>
        (request.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name),
      );
    expect(offered[0]).toContain("bash");
    expect(offered[0]).not.toContain("bash_output");
    expect(offered[0]).not.toContain("kill_shell");
    for (const later of offered.slice(1)) expect(later).toEqual(expect.arrayContaining(["bash_output", "kill_shell"]));
  });

  it("a background command dies with the session: nothing is left running after pincer -p exits", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-background-0001", OPENAI_BASE_URL: server.url });
    turn({ id: "start", name: "bash", arguments: { command: "touch ready; sleep 3202", run_in_background: true } });
    turn({ id: "wait", name: "bash", arguments: { command: WAIT_READY } });
    server.enqueue([{ text: "Left it running." }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "start it",
      "--model",
      "openai/gpt-5",
      "--allowedTools",
      "bash",
      ...RUN_COMMANDS,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(toolText("wait")).toContain("exit code 0");
    await until(() => !running("3202"), "the background command to die with the session");
  });

  it("headless in default mode the background command is asked like any command, so it is denied and nothing starts", async () => {
    using box = sandbox({ OPENAI_API_KEY: "sk-e2e-background-0001", OPENAI_BASE_URL: server.url });
    turn({ id: "start", name: "bash", arguments: { command: "sleep 3203", run_in_background: true } });
    server.enqueue([{ text: "Not allowed." }, { finish: "stop" }]);
    const result = await box.run([
      "-p",
      "start it",
      "--model",
      "openai/gpt-5",
      "--output-format",
      "json",
      ...RUN_COMMANDS,
    ]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).permission_denials).toEqual([expect.objectContaining({ tool_name: "bash" })]);
    expect(running("3203")).toBe(false);
  });
});
