import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecCapability } from "./exec.js";
import { probeBwrap, resolveConfinement } from "./os-sandbox.js";
import { type GuardedProcess, spawnGuarded } from "./process-guard.js";
import { ProcessRecords } from "./process-records.js";
import { spawnerPid } from "./spawner.js";

const SECRET = "sk-test-spawner-secret-0123456789";
const BWRAP = probeBwrap().ok;
let dir: string;
let saved: string | undefined;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-spawner-")));
  saved = process.env.PINCER_SPAWNER;
  // A secret in this process's environment: it must reach neither the spawner nor a command.
  process.env.PINCER_SPAWNER_TEST_KEY = SECRET;
});
afterAll(() => {
  if (saved === undefined) delete process.env.PINCER_SPAWNER;
  else process.env.PINCER_SPAWNER = saved;
  delete process.env.PINCER_SPAWNER_TEST_KEY;
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  stdout: string;
  error?: string;
  events: string[];
}

function run(
  mode: "always" | "never",
  program: string,
  args: string[],
  options: {
    stdin?: string;
    diesWithParent?: boolean;
    records?: ProcessRecords;
    onStart?: (child: GuardedProcess) => void;
  } = {},
): Promise<Outcome> {
  process.env.PINCER_SPAWNER = mode;
  const child = spawnGuarded(program, args, {
    cwd: dir,
    env: { PATH: "/usr/bin:/bin", ONLY_THIS: "yes" },
    stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    diesWithParent: options.diesWithParent ?? false,
    label: `test: ${program}`,
    ...(options.records ? { records: options.records } : {}),
  });
  options.onStart?.(child);
  const outcome: Outcome = { code: null, signal: null, output: "", stdout: "", events: [] };
  child.stdout?.on("data", (chunk: Buffer) => {
    outcome.output += chunk;
    outcome.stdout += chunk;
  });
  child.stderr?.on("data", (chunk: Buffer) => (outcome.output += chunk));
  child.on("error", (error: Error) => {
    outcome.error = error.message;
    outcome.events.push("error");
  });
  child.on("exit", () => outcome.events.push("exit"));
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  return new Promise((resolve) =>
    child.on("close", (code: number | null, signal: NodeJS.Signals | null) => {
      outcome.events.push("close");
      resolve({ ...outcome, code, signal });
    }),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
}

function processesWith(marker: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker) && alive(Number(entry));
      } catch {
        return false;
      }
    })
    .map(Number);
}

// The same command must end the same way whoever forks it.
describe.each(["never", "always"] as const)("spawnGuarded, PINCER_SPAWNER=%s", (mode) => {
  it("reports exit codes and signals exactly", async () => {
    expect(await run(mode, "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])).toMatchObject({
      code: 3,
      signal: null,
      output: "out\nerr\n",
    });
    expect(await run(mode, "/bin/sh", ["-c", "kill -TERM $$"])).toMatchObject({ code: null, signal: "SIGTERM" });
    expect(await run(mode, "/bin/sh", ["-c", "kill -KILL $$"])).toMatchObject({ code: null, signal: "SIGKILL" });
  });

  it("reports a program that is not there as node does: error, then close with -ENOENT", async () => {
    const outcome = await run(mode, join(dir, "missing-bwrap"), ["true"], { diesWithParent: true });
    expect(outcome).toMatchObject({ code: -2, signal: null, events: ["error", "close"] });
    expect(outcome.error).toContain("ENOENT");
  });

  it("hands over all output, in order, before close", async () => {
    const outcome = await run(mode, "/bin/sh", ["-c", "seq 1 200000"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe(`${Array.from({ length: 200000 }, (_, i) => i + 1).join("\n")}\n`);
    expect(outcome.events).toEqual(["exit", "close"]);
  });

  it("hands over both outputs whole, small or past the spawner's inline bound, with the exit after them", async () => {
    const outcome = await run(mode, "/bin/sh", ["-c", "seq 1 30000 >&2; echo small; seq 1 3 >&2; exit 4"]);
    expect(outcome).toMatchObject({ code: 4, stdout: "small\n", events: ["exit", "close"] });
    const err = `${Array.from({ length: 30000 }, (_, i) => i + 1).join("\n")}\n1\n2\n3\n`;
    expect(outcome.output.replace("small\n", "")).toBe(err);
  });

  it("passes stdin through", async () => {
    const outcome = await run(mode, "/bin/cat", [], { stdin: '{"hook":"payload"}\n' });
    expect(outcome).toMatchObject({ code: 0, stdout: '{"hook":"payload"}\n' });
  });

  it("gives the command exactly the environment it is handed, no secret of this process", async () => {
    const outcome = await run(mode, "/usr/bin/env", []);
    // (The lifeline's sh exports PWD, as it always has.)
    const names = outcome.stdout
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith("PWD="));
    expect(names.sort()).toEqual(["ONLY_THIS=yes", "PATH=/usr/bin:/bin"]);
    expect(outcome.output).not.toContain(SECRET);
  });

  it("kills what the command left in its group when it exits", async () => {
    const marker = `31${Date.now() % 100000}`;
    const outcome = await run(mode, "/bin/sh", ["-c", `sleep ${marker} & echo started`]);
    expect(outcome.stdout).toBe("started\n");
    await until(() => processesWith(`sleep\0${marker}`).length === 0, { message: "the leftover sleep to die" });
  });

  it("signals the group even when asked before the command has started", async () => {
    const outcome = await run(mode, "/bin/sh", ["-c", "sleep 60"], {
      onStart: (child) => child.signalGroup("SIGTERM"),
    });
    expect(outcome).toMatchObject({ code: null, signal: "SIGTERM" });
  });

  it("notes the group while it runs and removes the note after", async () => {
    const records = new ProcessRecords(join(dir, `records-${mode}`));
    // The note is written once the pid is known (through the spawner, a moment after the fork):
    // the command waits for it, then counts it.
    const script = 'for i in $(seq 1 1500); do [ -n "$(ls "$0")" ] && break; sleep 0.01; done; ls "$0" | wc -l';
    const outcome = await run(mode, "/bin/sh", ["-c", script, join(dir, `records-${mode}`)], { records });
    expect(outcome.stdout.trim()).toBe("1");
    await until(() => readdirSync(join(dir, `records-${mode}`)).length === 0, { message: "the note to go" });
  });
});

describe("the spawner", () => {
  it("holds no secret of this process: its environment is empty but for node's channel (and sh's PWD)", async () => {
    await run("always", "/bin/true", []);
    const pid = spawnerPid() as number;
    expect(pid).toBeGreaterThan(0);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    expect(environ).not.toContain(SECRET);
    expect(
      environ
        .split("\0")
        .filter(Boolean)
        .map((entry) => entry.split("=")[0])
        .sort(),
    ).toEqual(["NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE", "PWD"]);
  });

  it.each([["lifeline", false], ...(BWRAP ? [["bubblewrap --die-with-parent", true] as [string, boolean]] : [])])(
    "killed with -9 mid-command, takes the command's group with it (%s); the next command starts a new one",
    async (_, confined) => {
      const marker = `32${Date.now() % 100000}`;
      const script = `sleep ${marker} & sleep ${marker}0 & echo started; wait`;
      const bwrap = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--die-with-parent"];
      let child: GuardedProcess | undefined;
      const ended = confined
        ? run("always", "/usr/bin/bwrap", [...bwrap, "/bin/sh", "-c", script], {
            diesWithParent: true,
            onStart: (started) => (child = started),
          })
        : run("always", "/bin/sh", ["-c", script], { onStart: (started) => (child = started) });
      await until(() => processesWith(`sleep\0${marker}`).length === 2, { message: "both sleeps to run" });
      const spawner = spawnerPid() as number;
      process.kill(spawner, "SIGKILL");
      expect(await ended).toMatchObject({ code: null, signal: "SIGKILL" });
      await until(() => processesWith(`sleep\0${marker}`).length === 0, { message: "every process it started to die" });
      expect(child?.pid).toBeGreaterThan(0);
      expect(await run("always", "/bin/sh", ["-c", "echo again"])).toMatchObject({ code: 0, stdout: "again\n" });
      expect(spawnerPid()).not.toBe(spawner);
    },
  );

  it("is not filled by a command that writes without end while nobody reads: the command waits on its pipe", async () => {
    process.env.PINCER_SPAWNER = "always";
    const marker = `34${Date.now() % 100000}`;
    const child = spawnGuarded("/usr/bin/yes", [marker], {
      cwd: dir,
      env: { PATH: "/usr/bin:/bin" },
      stdio: ["ignore", "pipe", "pipe"],
      diesWithParent: false,
      label: "test: yes",
    });
    const closed = new Promise((resolve) => child.on("close", resolve));
    // Nobody reads its output: past what the spawner passes on in messages, yes blocks on its full
    // pipe (a socket pair, as node makes stdio pipes).
    await until(
      () =>
        processesWith(`yes\0${marker}`).some((pid) =>
          /pipe_write|sock_alloc_send/.test(readFileSync(`/proc/${pid}/wchan`, "utf8")),
        ),
      { message: "yes to wait on its full pipe" },
    );
    const spawner = spawnerPid() as number;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${spawner}/status`, "utf8"))?.[1]) / 1024;
    expect(rss).toBeLessThan(120);
    child.signalGroup("SIGKILL");
    child.stdout?.resume();
    child.stderr?.resume();
    await closed;
  });

  it("does not keep this process alive, and dies with it when it is killed with -9", async () => {
    const marker = `33${Date.now() % 100000}`;
    const host = JSON.stringify(join(import.meta.dirname, "../../dist/index.js"));
    // A process that runs one command through the spawner and ends on its own, then one killed
    // mid-command: the first must exit (nothing pending), the second must leave nothing behind.
    const parent = (command: string) =>
      spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `const { spawnGuarded, spawnerPid } = await import(${host});
           const child = spawnGuarded("/bin/sh", ["-c", ${JSON.stringify(command)}], { cwd: "/", env: { PATH: "/usr/bin:/bin" }, stdio: ["ignore", "pipe", "pipe"], diesWithParent: false, label: "t" });
           child.stdout.on("data", (d) => process.stdout.write(d));
           child.on("spawn", () => process.stdout.write("spawner " + spawnerPid() + "\\n"));`,
        ],
        { env: { ...process.env, PINCER_SPAWNER: "always" }, stdio: ["ignore", "pipe", "inherit"] },
      );
    const ends = parent("echo done");
    let out = "";
    ends.stdout.on("data", (chunk) => (out += chunk));
    const code = await new Promise((resolve) => ends.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toContain("done\n");
    const firstSpawner = Number(/spawner (\d+)/.exec(out)?.[1]);
    await until(() => !alive(firstSpawner), { message: "the spawner to end with its process" });

    const killed = parent(`sleep ${marker} & sleep ${marker}0`);
    let said = "";
    killed.stdout.on("data", (chunk) => (said += chunk));
    await until(() => processesWith(`sleep\0${marker}`).length === 2, { message: "both sleeps to run" });
    await until(() => /spawner \d+/.test(said), { message: "the spawner's pid" });
    const spawner = Number(/spawner (\d+)/.exec(said)?.[1]);
    killed.kill("SIGKILL");
    await until(() => processesWith(`sleep\0${marker}`).length === 0 && !alive(spawner), {
      message: "the spawner and every process it started to die",
    });
  });
});

describe("the exec capability through the spawner", () => {
  it.each([
    ["unconfined", { os: "off" as const }],
    ...(BWRAP ? [["bubblewrap", {}] as [string, Record<string, never>]] : []),
    [
      "no bubblewrap on this machine (bwrapPath missing): refused, never unconfined",
      { bwrapPath: "/nonexistent/bwrap" },
    ],
  ])("runs a command as before: %s", async (name, settings) => {
    process.env.PINCER_SPAWNER = "always";
    const confinement = resolveConfinement(settings, { writeRoots: [dir], readRoots: [dir], env: process.env });
    const exec = createExecCapability({
      cwd: dir,
      allowedCommands: ["bash"],
      confinement,
      roots: [dir],
      env: process.env,
    });
    if (name.startsWith("no bubblewrap")) {
      await expect(exec.run("echo hi")).rejects.toThrow(/spawning refused/);
      return;
    }
    const result = await exec.run(`echo "$PINCER_SPAWNER_TEST_KEY" out; echo err >&2; exit 7`);
    expect(result).toMatchObject({ exitCode: 7, signal: null, timedOut: false, aborted: false });
    expect(result.output).not.toContain(SECRET);
    expect(result.output).toContain("out\n");
    const aborter = new AbortController();
    const running = exec.run("sleep 60", { signal: aborter.signal });
    aborter.abort();
    expect(await running).toMatchObject({ aborted: true, exitCode: null });
  });
});
