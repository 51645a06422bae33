import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "@pincer/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExecCapability, type HostExecCapability } from "./exec.js";
import { probeBwrap, resolveConfinement } from "./os-sandbox.js";
import { ProcessRecords } from "./process-records.js";
import { alive, forkInProcess, standbys } from "./standby.fixture.js";

const dirs: string[] = [];
const capabilities: HostExecCapability[] = [];
afterEach(() => {
  for (const exec of capabilities.splice(0)) exec.dispose?.();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function temp(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-standby-")));
  dirs.push(dir);
  return dir;
}

const USER_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: "/home/ada", LANG: "C.UTF-8", SHLVL: "3" };

function bashTool(settings: { bwrapPath?: string } = {}) {
  const dir = temp();
  const records = new ProcessRecords(join(temp(), "processes"));
  const confinement = resolveConfinement(settings, { writeRoots: [dir], readRoots: [dir], env: USER_ENV });
  const exec = createExecCapability({
    cwd: dir,
    allowedCommands: ["bash"],
    confinement,
    roots: [dir],
    env: USER_ENV,
    records,
  });
  capabilities.push(exec);
  /** The notes of the groups started and still running, by label. */
  const notes = () =>
    readdirSyncOrEmpty(records.dir).map(
      (name) => JSON.parse(readFileSync(join(records.dir, name), "utf8")) as { pgid: number; label: string },
    );
  return { dir, exec, notes };
}

function readdirSyncOrEmpty(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The one shell standing by, once it has started. */
async function standing(): Promise<number> {
  return (await until(() => (standbys().length === 1 ? standbys() : undefined)))[0] as number;
}

/** What a command sees of its own shell: output, shell level, cwd, stdin, fd 3, environment. */
const PROBE = `echo "level=$SHLVL cwd=$PWD stdin=$(readlink /proc/$$/fd/0)"; [ -e /proc/$$/fd/3 ] && echo "fd3 open"; env | grep -v '^_=' | sort`;

const probe = probeBwrap();
describe.skipIf(!probe.ok)(
  `a sandboxed shell ready ahead of its command${probe.ok ? "" : ` (skipped: ${probe.reason})`}`,
  () => {
    forkInProcess({ beforeEach, afterEach });

    it("runs the command exactly as a sandbox started for it would", async () => {
      const { exec, notes } = bashTool();
      const fresh = await exec.run(PROBE);
      exec.prepare?.();
      const pid = await standing();
      // Nothing is noted under PINCER_HOME/run/processes until it has a command.
      expect(notes()).toEqual([]);
      const ready = await exec.run(PROBE);
      expect(ready).toEqual(fresh);
      expect(ready.output).toContain("level=1 ");
      expect(ready.output).toContain("stdin=/dev/null");
      expect(ready.output).not.toContain("fd3 open");
      // It was the waiting shell that ran it: its group is gone with the command, note and all.
      await until(() => !alive(pid) && notes().length === 0);
    });

    it("hands over a hostile command line byte for byte: quotes, newlines, backslashes, $, a leading dash", async () => {
      const { dir, exec, notes } = bashTool();
      // It waits for a file the test makes, so its note (written once it has run a second) can be seen while it runs.
      const line = `printf '[%s]\\n' "a  b" 'c\\d' $'e\\nf' '$(touch x)' "\\$HOME" -- '\\'
until [ -e go ]; do sleep 0.01; done; echo "second line"; exit 7`;
      writeFileSync(join(dir, "go"), "");
      const fresh = await exec.run(line);
      rmSync(join(dir, "go"));
      exec.prepare?.();
      await standing();
      const running = exec.run(line);
      await until(() => notes().find((note) => note.label === line));
      writeFileSync(join(dir, "go"), "");
      expect(await running).toEqual(fresh);
      expect(fresh.exitCode).toBe(7);
      expect(fresh.output).toContain("[$(touch x)]");
    });

    it("runs nothing before the permission engine says yes: a refused command leaves the shell waiting", async () => {
      const { dir, exec } = bashTool();
      exec.prepare?.();
      const pid = await standing();
      const refused = exec.run(`touch ${join(dir, "pwned")}`, { authorize: async () => "denied by a rule" });
      await expect(refused).rejects.toThrow("denied by a rule");
      expect(existsSync(join(dir, "pwned"))).toBe(false);
      expect(standbys()).toEqual([pid]);
      // The next command that is allowed takes it.
      expect((await exec.run("echo next")).output).toBe("next\n");
      await until(() => !alive(pid));
    });

    it("is not used for a command it was not started for (its own variables), and is killed", async () => {
      const { exec } = bashTool();
      exec.prepare?.();
      const pid = await standing();
      const result = await exec.run('echo "CI=$CI"', { env: { CI: "1" } });
      expect(result.output).toBe("CI=1\n");
      await until(() => !alive(pid));
    });

    it("starts one at a time, and dies with the session", async () => {
      const { exec } = bashTool();
      exec.prepare?.();
      exec.prepare?.();
      const pid = await standing();
      exec.dispose?.();
      await until(() => !alive(pid));
      exec.prepare?.();
      expect(standbys()).toEqual([]);
    });
  },
);

describe("without bubblewrap", () => {
  it("prepares nothing, and a command still asks before it runs unconfined", async () => {
    const { exec } = bashTool({ bwrapPath: join(temp(), "no-such-bwrap") });
    exec.prepare?.();
    expect(standbys()).toEqual([]);
    await expect(exec.run("echo hi")).rejects.toThrow(/no OS sandbox here/);
    let asked = "";
    const result = await exec.run("echo hi", {
      authorize: async ({ mustAsk }) => {
        asked = mustAsk ?? "";
        return undefined;
      },
    });
    expect(asked).toMatch(/no OS sandbox here/);
    expect(result.output).toBe("hi\n");
  });
});
