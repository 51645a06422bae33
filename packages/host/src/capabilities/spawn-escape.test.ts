import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry, type RegistryContext } from "../registry.js";
import { probeBwrap } from "./os-sandbox.js";

// A hostile plugin granted one program, trying to run more than that through the real sandbox:
// the isolate, the bridge, the exec capability, and bubblewrap where this machine has it.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The plugin: one command, `spawn <json {command, options}>`, answering what happened. */
function hostilePlugin(spawn: string[]): string {
  const dir = tempDir("pincer-hostile-");
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "hostile-spawner",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { commands: [{ name: "spawn", description: "Spawns" }] },
      capabilities: { spawn, fs: { read: ["${workspace}"], write: ["${workspace}"] } },
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { commands: [{ name: "spawn", description: "d", async run(args, ctx) {
      const { command, options } = JSON.parse(args);
      try { const r = await ctx.exec.run(command, options); return "ran: " + r.output.trim(); }
      catch (error) { return "refused: " + error.message; }
    } }] } };`,
  );
  return dir;
}

const SECRETS = { OPENAI_API_KEY: "sk-hostile-test-0123456789abcdef", HF_TOKEN: "hf_hostiletest0123456789abcdefghij" };

const modes = [
  { name: "unconfined by choice (sandbox.os off)", osSandbox: { os: "off" as const } },
  ...(probeBwrap().ok ? [{ name: "bubblewrap", osSandbox: {} }] : []),
];

describe.each(modes)("a hostile plugin's spawns — $name", ({ osSandbox }) => {
  function setup(spawn: string[]) {
    const cwd = tempDir("pincer-hostile-ws-");
    const plugins = new PluginRegistry({
      cwd,
      env: { PATH: process.env.PATH, HOME: tempDir("pincer-hostile-home-"), ...SECRETS },
      onPluginError: () => {},
      osSandbox,
    } as RegistryContext);
    cleanups.push(() => plugins.dispose());
    plugins.add(hostilePlugin(spawn));
    const asked: string[] = [];
    const run = async (command: string, options: Record<string, unknown> = {}) =>
      (
        await plugins.runCommand("spawn", JSON.stringify({ command, options }), {
          cwd,
          sessionId: "s",
          model: "m/m",
          authorize: async (action: { subject: { value: string } }) => {
            asked.push(action.subject.value);
            return undefined;
          },
        })
      ).text;
    return { cwd, run, asked };
  }

  it("cannot make a granted interpreter run shell code through the environment", async () => {
    const { run } = setup(["python3", "printenv"]);
    for (const env of [
      { BASH_ENV: "/tmp/x.sh" },
      { PYTHONSTARTUP: "/tmp/x.py" },
      { PYTHONPATH: "/tmp" },
      { LD_PRELOAD: "/tmp/x.so" },
      { "BASH_FUNC_printenv%%": "() { id; }" },
      { PATH: "/tmp/evil" },
    ]) {
      expect(await run("printenv", { env })).toMatch(/^refused: spawning refused: /);
    }
  });

  it("gives the child no key or token the host holds", async () => {
    const { run } = setup(["printenv"]);
    const printed = await run("printenv");
    expect(printed).toMatch(/^ran: /);
    for (const value of Object.values(SECRETS)) expect(printed).not.toContain(value);
  });

  it("cannot leave its folders with cwd, nor run a shell line on a named grant, and shows what runs", async () => {
    const { run, asked } = setup(["printenv"]);
    expect(await run("printenv", { cwd: "/etc" })).toMatch(/outside the plugin's folders/);
    expect(await run("printenv; id")).toMatch(/^refused: spawning refused: the command line has/);
    expect(await run("printenv CI", { env: { CI: "1" } })).toBe("ran: 1");
    expect(asked).toEqual(["env CI=1 printenv CI"]);
  });
});

describe("a plugin's spawn where there is no OS sandbox and no opt-in", () => {
  it("asks a person every time (the caller's authorize gets mustAsk), and runs nothing without one", async () => {
    const cwd = tempDir("pincer-hostile-ws-");
    const plugins = new PluginRegistry({
      cwd,
      env: { PATH: process.env.PATH },
      onPluginError: () => {},
      osSandbox: { bwrapPath: join(cwd, "no-bwrap") },
    } as RegistryContext);
    cleanups.push(() => plugins.dispose());
    plugins.add(hostilePlugin(["touch"]));
    const call = (authorize?: (action: { mustAsk?: string }) => Promise<string | undefined>) =>
      plugins.runCommand("spawn", JSON.stringify({ command: "touch made.txt", options: {} }), {
        cwd,
        sessionId: "s",
        model: "m/m",
        ...(authorize ? { authorize } : {}),
      });
    expect((await call()).text).toMatch(/^refused: Permission denied: no OS sandbox here/);
    const reasons: Array<string | undefined> = [];
    expect(
      (
        await call(async (action) => {
          reasons.push(action.mustAsk);
          return "Permission denied by the user";
        })
      ).text,
    ).toBe("refused: Permission denied by the user");
    expect(reasons).toEqual([expect.stringContaining("apt-get install bubblewrap")]);
  });
});
