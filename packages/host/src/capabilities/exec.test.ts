import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { baseEnv, refusedPluginEnv } from "./child-env.js";
import { createExecCapability } from "./exec.js";
import { probeBwrap, resolveConfinement } from "./os-sandbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-exec-")));
  dirs.push(dir);
  return dir;
}

/** The user's environment as a hostile plugin would love to find it in a child. */
const USER_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: "/home/ada",
  LANG: "C.UTF-8",
  LC_CTYPE: "C.UTF-8",
  TERM: "xterm",
  HTTPS_PROXY: "http://proxy.internal:3128",
  OPENAI_API_KEY: "sk-test-openai-0123456789abcdef",
  ANTHROPIC_API_KEY: "sk-ant-test-0123456789abcdef",
  HF_TOKEN: "hf_testtokenvalue0123456789abcdefgh",
  GITHUB_TOKEN: "ghp_testtokenvalue0123456789abcdefghij",
  AWS_SECRET_ACCESS_KEY: "aws-secret-0123456789",
  AWS_REGION: "eu-west-1",
  NPM_CONFIG_USERCONFIG: "/home/ada/.npmrc",
  MY_DB_PASSWORD: "correct horse battery",
};

// Both ways: with bubblewrap where this machine has it, and unconfined (as sandbox.os "off").
const modes = [
  { name: "unconfined (sandbox.os off)", settings: { os: "off" as const } },
  ...(probeBwrap().ok ? [{ name: "bubblewrap", settings: {} }] : []),
];

describe("child environment", () => {
  it("starts from a minimal base: locale, terminal, paths and proxies, never keys or tokens", () => {
    const base = baseEnv(USER_ENV);
    expect(Object.keys(base).sort()).toEqual(["HOME", "HTTPS_PROXY", "LANG", "LC_CTYPE", "PATH", "TERM"]);
  });

  it("reads the process's own environment (process.env) the same way: kept names with their values, nothing else", () => {
    const added = { LC_TERMINAL: "iTerm2", PINCER_TEST_SECRET_TOKEN: "tok-0123456789abcdef", LC_lower: "x" };
    Object.assign(process.env, added);
    try {
      const base = baseEnv(process.env);
      expect(base.LC_TERMINAL).toBe("iTerm2");
      expect(base.PATH).toBe(process.env.PATH);
      expect(base).not.toHaveProperty("PINCER_TEST_SECRET_TOKEN");
      expect(base).not.toHaveProperty("LC_lower");
      expect(Object.values(base).every((value) => typeof value === "string")).toBe(true);
    } finally {
      for (const name of Object.keys(added)) delete process.env[name];
    }
  });

  it.each([
    ["BASH_ENV", "/tmp/evil.sh"],
    ["ENV", "/tmp/evil.sh"],
    ["BASH_FUNC_git%%", "() { curl evil; }"],
    ["LD_PRELOAD", "/tmp/evil.so"],
    ["LD_LIBRARY_PATH", "/tmp"],
    ["GCONV_PATH", "/tmp"],
    ["PYTHONSTARTUP", "/tmp/evil.py"],
    ["PYTHONPATH", "/tmp"],
    ["NODE_OPTIONS", "--require /tmp/evil.js"],
    ["PERL5OPT", "-Mevil"],
    ["RUBYOPT", "-revil"],
    ["GIT_CONFIG_COUNT", "1"],
    ["GIT_SSH_COMMAND", "sh -c evil"],
    ["PS4", "$(evil)"],
    ["PROMPT_COMMAND", "evil"],
    ["IFS", "/"],
    ["PATH", "/tmp/evil:/usr/bin"],
    ["HOME", "/tmp/evil-home"],
    ["XDG_CONFIG_HOME", "/tmp/evil"],
    ["JAVA_TOOL_OPTIONS", "-javaagent:/tmp/evil.jar"],
    ["npm_config_script_shell", "/tmp/evil"],
    ["EDITOR", "/tmp/evil"],
    ["SOME_UNDECLARED", "x"],
  ])("a plugin may not set %s for a child", (name, value) => {
    expect(refusedPluginEnv({ [name]: value }, ["SOME_GRANTED", "LD_PRELOAD", "PYTHONPATH"])).toBeDefined();
  });

  it("a plugin may set the harmless few and its own granted names", () => {
    expect(refusedPluginEnv({ CI: "1", NO_COLOR: "1", SOME_GRANTED: "x" }, ["SOME_GRANTED"])).toBeUndefined();
  });
});

describe.each(modes)("spawning as granted — $name", ({ settings }) => {
  const exec = (root: string, grant: Partial<Parameters<typeof createExecCapability>[0]> = {}) =>
    createExecCapability({
      cwd: root,
      allowedCommands: ["printenv", "cat", "pwd"],
      confinement: resolveConfinement(settings, { writeRoots: [root], readRoots: [root], env: USER_ENV }),
      env: USER_ENV,
      ...grant,
    });

  it("gives the child the minimal environment: no provider key or token reaches it", async () => {
    const root = temp();
    const result = await exec(root).run("printenv");
    expect(result.exitCode, result.output).toBe(0);
    for (const name of [
      "OPENAI_API_KEY",
      "ANTHROPIC_API_KEY",
      "HF_TOKEN",
      "GITHUB_TOKEN",
      "AWS_",
      "NPM_CONFIG",
      "MY_DB",
    ]) {
      expect(result.output).not.toContain(name);
    }
    for (const value of ["sk-test", "sk-ant", "hf_test", "ghp_test", "aws-secret", "correct horse"]) {
      expect(result.output).not.toContain(value);
    }
    expect(result.output).toContain("LANG=C.UTF-8");
    expect(result.output).toContain("HTTPS_PROXY=http://proxy.internal:3128");
  });

  it("passes a variable only when it was granted (the plugin's env grant or sandbox.env)", async () => {
    const root = temp();
    const result = await exec(root, { passEnv: ["HF_TOKEN"] }).run("printenv HF_TOKEN");
    expect(result.output.trim()).toBe(USER_ENV.HF_TOKEN);
  });

  it("refuses the variables that change what runs, before anything starts or anyone is asked", async () => {
    const root = temp();
    const asked: string[] = [];
    const authorize = async (request: { subject: string }) => {
      asked.push(request.subject);
      return undefined;
    };
    for (const env of [{ BASH_ENV: "/tmp/x" }, { LD_PRELOAD: "/tmp/x.so" }, { "BASH_FUNC_cat%%": "() { id; }" }]) {
      await expect(exec(root).run("cat /etc/hostname", { env, authorize })).rejects.toThrow(/^spawning refused: /);
    }
    expect(asked).toEqual([]);
  });

  it("runs a named-command grant's words directly (no shell in between) and shows what runs when asking", async () => {
    const root = temp();
    writeFileSync(join(root, "a;b"), "semicolon file");
    const asked: string[] = [];
    const capability = exec(root, { settableEnv: ["MY_FLAG"] });
    const result = await capability.run("cat 'a;b' /proc/self/stat", {
      env: { MY_FLAG: "on", CI: "1" },
      authorize: async (request) => {
        asked.push(request.subject);
        return undefined;
      },
    });
    expect(result.output).toContain("semicolon file");
    expect(asked).toEqual(["env MY_FLAG=on CI=1 cat 'a;b' /proc/self/stat"]);
    // cat's own parent is this process (unconfined: exec'd in place) or bwrap's init: never a shell.
    const stat = result.output.slice(result.output.indexOf("semicolon file") + "semicolon file".length);
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const parent = readFileSync(`/proc/${ppid}/comm`, "utf8").trim();
    expect(["bash", "sh", "dash"]).not.toContain(parent);
  });

  it("refuses a cwd outside the plugin's roots, a symlink out included", async () => {
    const root = temp();
    const outside = temp();
    symlinkSync(outside, join(root, "link"));
    mkdirSync(join(root, "sub"));
    const capability = exec(root, { roots: [root] });
    await expect(capability.run("pwd", { cwd: outside })).rejects.toThrow(/outside the plugin's folders/);
    await expect(capability.run("pwd", { cwd: join(root, "link") })).rejects.toThrow(/outside the plugin's folders/);
    await expect(capability.run("pwd", { cwd: "../" })).rejects.toThrow(/outside the plugin's folders/);
    expect((await capability.run("pwd", { cwd: "sub" })).output.trim()).toBe(join(root, "sub"));
  });

  it("refuses a program named by path, or one that is not granted", async () => {
    const root = temp();
    await expect(exec(root).run("/usr/bin/cat /etc/hostname")).rejects.toThrow('spawning "/usr/bin/cat" refused');
    await expect(exec(root).run("sh -c id")).rejects.toThrow('spawning "sh" refused');
    await expect(exec(root).run("cat x; id")).rejects.toThrow("spawning refused: the command line has");
  });
});

describe.skipIf(!probeBwrap().ok)("a capability's private /tmp", () => {
  it("is removed, with what its commands left there, when the capability is disposed", async () => {
    const root = temp();
    const exec = createExecCapability({
      cwd: root,
      allowedCommands: ["bash"],
      confinement: resolveConfinement({}, { writeRoots: [root], readRoots: [root], env: USER_ENV }),
      env: USER_ENV,
    });
    // The sandbox's /tmp is a folder of the host's temp dir, bound there: its mount says which.
    const result = await exec.run("bash -c 'echo left > /tmp/left; grep \" /tmp \" /proc/self/mountinfo'");
    expect(result.exitCode, result.output).toBe(0);
    const hostDir = result.output.split(" ")[3] ?? "";
    expect(hostDir).toMatch(/pincer-tmp-/);
    expect(readFileSync(join(hostDir, "left"), "utf8")).toBe("left\n");
    // A second command finds what the first left: the folder lives as long as the capability.
    expect((await exec.run("bash -c 'cat /tmp/left'")).output).toBe("left\n");
    exec.dispose();
    expect(() => readFileSync(join(hostDir, "left"))).toThrow(/ENOENT/);
  });
});
