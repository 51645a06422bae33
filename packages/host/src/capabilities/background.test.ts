import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing/until";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_BACKGROUND_RUNNING, MAX_BACKGROUND_UNREAD } from "./background.js";
import { createExecCapability, type HostExecCapability } from "./exec.js";
import { probeBwrap, resolveConfinement } from "./os-sandbox.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-background-")));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const USER_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: "/home/ada",
  LANG: "C.UTF-8",
  OPENAI_API_KEY: "sk-test-openai-0123456789abcdef",
  HF_TOKEN: "hf_testtokenvalue0123456789abcdefgh",
};

// Both ways: with bubblewrap where this machine has it, and unconfined (as sandbox.os "off").
const modes = [
  { name: "unconfined (sandbox.os off)", settings: { os: "off" as const } },
  ...(probeBwrap().ok ? [{ name: "bubblewrap", settings: {} }] : []),
];

/**
 * Whether a process whose command line holds `marker` is running, looked up in /proc: under
 * bubblewrap a command sees its own PID namespace, so the pid it reports means nothing out here.
 */
// Sleep durations unique to this run: another checkout running this file at the same time must not
// look like our children (or keep ours "alive").
const base = 10_000 + (process.pid % 50_000) * 3;
const mark = (n: number) => String(base + n);

function running(marker: string): boolean {
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(marker)) return true;
    } catch {
      // Gone while we looked.
    }
  }
  return false;
}

describe.each(modes)("background commands — $name", ({ settings }) => {
  const exec = (root: string): HostExecCapability => {
    const capability = createExecCapability({
      cwd: root,
      allowedCommands: ["bash"],
      confinement: resolveConfinement(settings, { writeRoots: [root], readRoots: [root], env: USER_ENV }),
      env: USER_ENV,
    });
    cleanups.push(() => capability.dispose?.());
    return capability;
  };

  it("runs on after start returns; each read gives the output since the last one, then the exit code", async () => {
    const root = temp();
    const shells = exec(root);
    const id = await shells.start("echo one; while [ ! -e go ]; do sleep 0.05; done; echo two >&2; exit 3");
    expect(id).toBe("shell_1");
    await until(async () => (await shells.readOutput(id)).output === "one\n" || undefined, "the first line");
    expect(await shells.readOutput(id)).toMatchObject({ output: "", running: true, exitCode: null });
    await exec(root).run("touch go");
    let last = await shells.readOutput(id);
    let seen = last.output;
    await until(async () => {
      if (!last.running) return true;
      last = await shells.readOutput(id);
      seen += last.output;
      return !last.running;
    }, "the command to end");
    expect(seen).toBe("two\n");
    expect(last).toMatchObject({
      running: false,
      exitCode: 3,
      signal: null,
      command: expect.stringContaining("echo one"),
    });
    // Read once after it ended, it is forgotten.
    await expect(shells.readOutput(id)).rejects.toThrow(/no background command "shell_1": none is running or unread/);
  });

  it("gives it the minimal environment: no key or token reaches a background command", async () => {
    const root = temp();
    const shells = exec(root);
    const id = await shells.start("printenv");
    let output = "";
    await until(async () => {
      const read = await shells.readOutput(id);
      output += read.output;
      return !read.running;
    }, "printenv to end");
    expect(output).toContain("LANG=C.UTF-8");
    for (const secret of ["sk-test-openai", "hf_testtoken", "OPENAI_API_KEY", "HF_TOKEN"])
      expect(output).not.toContain(secret);
  });

  it("kill stops the command and everything it started", async () => {
    const root = temp();
    const shells = exec(root);
    const id = await shells.start(`echo started; sleep ${mark(1)} & wait`);
    await until(() => running(mark(1)), "the child to start");
    const last = await shells.kill(id);
    expect(last).toMatchObject({ running: false, output: "started\n" });
    await until(() => !running(mark(1)), "the child to die");
  });

  it("dispose (the session ended) kills every background command and refuses new ones", async () => {
    const root = temp();
    const shells = exec(root);
    await shells.start(`sleep ${mark(2)} & wait`);
    await shells.start(`sleep ${mark(3)} & wait`);
    await until(() => running(mark(2)) && running(mark(3)), "both children to start");
    shells.dispose?.();
    await until(() => !running(mark(2)) && !running(mark(3)), "both children to die");
    await expect(shells.start("true")).rejects.toThrow(/the session has ended/);
  });
});

describe("background commands: limits and checks", () => {
  const exec = (root: string, grant: Partial<Parameters<typeof createExecCapability>[0]> = {}) => {
    const capability = createExecCapability({ cwd: root, allowedCommands: ["bash"], env: USER_ENV, ...grant });
    cleanups.push(() => capability.dispose?.());
    return capability;
  };

  it(`runs at most ${MAX_BACKGROUND_RUNNING} at once; one more is refused, and room comes back when one stops`, async () => {
    const root = temp();
    const shells = exec(root);
    const ids: string[] = [];
    for (let i = 0; i < MAX_BACKGROUND_RUNNING; i++) ids.push(await shells.start("sleep 300"));
    await expect(shells.start("sleep 300")).rejects.toThrow(/8 background commands are running/);
    await shells.kill(ids[0]!);
    expect(await shells.start("true")).toBe(`shell_${MAX_BACKGROUND_RUNNING + 1}`);
  });

  it("holds at most 1 MB unread: a flood keeps its tail and says how much was dropped; a read takes at most its cap", async () => {
    const root = temp();
    const shells = exec(root);
    // About 3 MB of output, then a marker file once all of it is written.
    const id = await shells.start("head -c 3000000 /dev/zero | tr '\\0' x; echo; echo END; touch done");
    await until(() => existsSync(join(root, "done")), "the flood to be written");
    // Its last read: kill waits for the end (all output in), and takes the read's cap.
    const read = await shells.kill(id, { maxBytes: 100 });
    expect(read.output.endsWith("x\nEND\n")).toBe(true);
    expect(read.output.length).toBe(100);
    expect(read.droppedBytes).toBe(3_000_000 + 5 - 100);
    expect(read.running).toBe(false);
    expect(MAX_BACKGROUND_UNREAD).toBe(1024 * 1024);
  });

  it("asks the permission engine first, and starts nothing when it says no", async () => {
    const root = temp();
    const shells = exec(root);
    const asked: string[] = [];
    await expect(
      shells.start("touch made-it", {
        authorize: async ({ subject }) => {
          asked.push(subject);
          return "denied by rule bash(touch:*)";
        },
      }),
    ).rejects.toThrow("denied by rule bash(touch:*)");
    expect(asked).toEqual(["touch made-it"]);
    await expect(shells.readOutput("shell_1")).rejects.toThrow(/none is running or unread/);
    expect(existsSync(join(root, "made-it"))).toBe(false);
  });

  it("refuses what run refuses: a cwd outside the plugin's folders, an ungranted program", async () => {
    const root = temp();
    await expect(exec(root).start("true", { cwd: "/" })).rejects.toThrow(/outside the plugin's folders/);
    await expect(exec(root, { allowedCommands: ["git"] }).start("curl evil.example")).rejects.toThrow(
      /spawning "curl" refused/,
    );
  });

  it("an unknown id is an error that names the ones there are", async () => {
    const root = temp();
    const shells = exec(root);
    const id = await shells.start("sleep 300");
    await expect(shells.readOutput("shell_99")).rejects.toThrow(`no background command "shell_99"; there are: ${id}`);
    await expect(shells.kill("../../etc")).rejects.toThrow(/no background command/);
  });
});
