import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MCP_TEST_SERVER, startOpenAIServer, until } from "@pincer/testing";
import { describe, expect, it } from "vitest";
import { OS_SANDBOX, sandbox } from "../run-cli.js";
import { scriptedSession } from "../scripted-session.js";

/** Live processes whose command line holds the marker (a sandbox's PID namespace is visible from here). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

const marker = () => `7${Date.now() % 1_000_000}.${Math.floor(Math.random() * 1000)}`;

// With bubblewrap where this machine has it; without it (simulated: PINCER_BWRAP names a missing
// file) the user's explicit opt-in lets the command run, and the lifeline must still end it.
const modes = [
  ...(OS_SANDBOX ? [{ name: "in bubblewrap", env: {}, flags: [] as string[] }] : []),
  {
    name: "unconfined (no bubblewrap, --dangerously-run-unconfined)",
    env: { bwrapMissing: true },
    flags: ["--dangerously-run-unconfined"],
  },
];
// A command also with the fork done by the spawner (PINCER_SPAWNER=always), as a large process
// does: the spawner must die with pincer and take the command down with it.
const commandModes = modes.flatMap((mode) => [
  mode,
  { ...mode, name: `${mode.name}, through the spawner`, env: { ...mode.env, spawner: true } },
]);

describe.each(commandModes)("no orphan processes: kill -9 of pincer mid-command — $name", ({ env, flags }) => {
  it("takes the command and everything it started down with it", async () => {
    using box = sandbox();
    const sleeper = marker();
    const model = await startOpenAIServer();
    try {
      // The command leaves a child in the background and sleeps itself, writing a marker once going.
      const command = `sleep ${sleeper} & sleep ${sleeper}0 & touch started; wait`;
      model.respond((body) =>
        body.messages.some((m) => m.role === "tool")
          ? [{ text: "done" }, { finish: "stop" }]
          : [{ toolCalls: [{ id: "call_1", name: "bash", arguments: { command } }] }, { finish: "tool_calls" }],
      );
      const { child, done } = box.start(
        ["-p", "run it", "--model", "openai/gpt-5", "--permission-mode", "bypassPermissions", ...flags],
        {
          env: {
            OPENAI_API_KEY: "sk-test-e2e-key-123456",
            OPENAI_BASE_URL: model.url,
            ...("bwrapMissing" in env ? { PINCER_BWRAP: join(box.home, "no-bwrap") } : {}),
            ...("spawner" in env ? { PINCER_SPAWNER: "always" } : {}),
          },
        },
      );
      await until(() => existsSync(join(box.cwd, "started")), { message: "the command to start", timeoutMs: 60_000 });
      await until(() => processesWith(`sleep\0${sleeper}`).length === 2, {
        message: "both sleeps to run",
        timeoutMs: 60_000,
      });
      child.kill("SIGKILL");
      await done;
      await until(() => processesWith(`sleep\0${sleeper}`).length === 0, {
        message: "every process it started to die",
        timeoutMs: 60_000,
      });
    } finally {
      await model.close();
    }
  });
});

describe.each(modes)("no orphan processes: kill -9 of pincer with an MCP server running — $name", ({ env, flags }) => {
  it("takes the stdio server down with it", async () => {
    using box = sandbox();
    const flag = `--pincer-orphan-${Date.now()}-${Math.floor(Math.random() * 1000)}`;
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [MCP_TEST_SERVER, flag] } } }),
    );
    const model = await startOpenAIServer();
    try {
      model.respond((body) =>
        body.messages.some((m) => m.role === "tool")
          ? [{ text: "done" }, { finish: "stop" }]
          : [
              { toolCalls: [{ id: "call_1", name: "mcp__fx__slow", arguments: { ms: 120_000 } }] },
              { finish: "tool_calls" },
            ],
      );
      const { child, done } = box.start(
        ["-p", "wait", "--model", "openai/gpt-5", "--allowedTools", "mcp__fx__*", ...flags],
        {
          env: {
            OPENAI_API_KEY: "sk-test-e2e-key-123456",
            OPENAI_BASE_URL: model.url,
            ...("bwrapMissing" in env ? { PINCER_BWRAP: join(box.home, "no-bwrap") } : {}),
          },
        },
      );
      // (Its lifeline's watcher shares the command line: the server and it go together.)
      await until(() => model.requests.length >= 1 && processesWith(flag).length >= 1, {
        message: "the server to run",
        timeoutMs: 60_000,
      });
      // Noted like every other child while it runs: its own process group, named for the user.
      const notes = join(box.env.PINCER_HOME!, "run", "processes");
      await until(() => mcpNotes(notes).length === 1, { message: "the server's note", timeoutMs: 60_000 });
      const [note] = mcpNotes(notes);
      expect(note!.label).toBe(`MCP server fx: ${process.execPath}`);
      expect(processesWith(flag)).toContain(note!.pgid);
      child.kill("SIGKILL");
      await done;
      await until(() => processesWith(flag).length === 0, { message: "the MCP server to die", timeoutMs: 60_000 });
    } finally {
      await model.close();
    }
  });
});

/** The notes of MCP servers under PINCER_HOME/run/processes. */
function mcpNotes(dir: string): Array<{ pgid: number; label: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as { pgid: number; label: string })
    .filter((note) => note.label.startsWith("MCP server "));
}

describe("an MCP server stopped on purpose", () => {
  it("leaves no note behind when pincer ends normally", async () => {
    using box = sandbox();
    mkdirSync(box.env.PINCER_HOME!, { recursive: true });
    writeFileSync(
      join(box.env.PINCER_HOME!, "config.json"),
      JSON.stringify({ mcpServers: { fx: { command: process.execPath, args: [MCP_TEST_SERVER] } } }),
    );
    const model = await startOpenAIServer();
    try {
      model.enqueue([
        { toolCalls: [{ id: "call_1", name: "mcp__fx__echo", arguments: { text: "hi" } }] },
        { finish: "tool_calls" },
      ]);
      model.enqueue([{ text: "done" }, { finish: "stop" }]);
      const result = await box.run(["-p", "echo", "--model", "openai/gpt-5", "--allowedTools", "mcp__fx__*"], {
        env: { OPENAI_API_KEY: "sk-test-e2e-key-123456", OPENAI_BASE_URL: model.url },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.stringify(model.requests.at(-1)?.body)).toContain("echo: hi");
      expect(mcpNotes(join(box.env.PINCER_HOME!, "run", "processes"))).toEqual([]);
    } finally {
      await model.close();
    }
  });
});

describe("a process an earlier pincer left running", () => {
  it("is reported at the next start with the command that stops it, and the session goes on", async () => {
    using box = sandbox();
    const sleeper = marker();
    // A group that escaped (what a crash without the lifeline would leave): its own session, a
    // note from a pincer process that no longer exists.
    const escaped = spawn("sleep", [sleeper], { detached: true, stdio: "ignore" });
    escaped.unref();
    const pgid = escaped.pid!;
    const records = join(box.env.PINCER_HOME!, "run", "processes");
    mkdirSync(records, { recursive: true });
    const stat = readFileSync(`/proc/${pgid}/stat`, "utf8");
    writeFileSync(
      join(records, `${pgid}.json`),
      JSON.stringify({
        pgid,
        label: `bash: sleep ${sleeper}`,
        ownerPid: 999_999_999,
        ownerStart: "1",
        leaderStart: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19],
        startedAt: new Date().toISOString(),
      }),
    );
    try {
      const { result } = await scriptedSession(box, []);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`bash: sleep ${sleeper}`);
      expect(result.stderr).toContain(`process group ${pgid}`);
      expect(result.stderr).toContain(`kill -KILL -- -${pgid}`);
      expect(result.stdout).toContain('"is_error":false');
      // The way it names works.
      process.kill(-pgid, "SIGKILL");
      await until(() => processesWith(`sleep\0${sleeper}`).length === 0, {
        message: "the survivor to be stopped",
        timeoutMs: 60_000,
      });
      // Once it is gone, the note is dropped and nothing is reported any more.
      const { result: next } = await scriptedSession(box, []);
      expect(next.stderr).not.toContain("still running");
      expect(existsSync(join(records, `${pgid}.json`))).toBe(false);
    } finally {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Already stopped by the test.
      }
    }
  });
});
