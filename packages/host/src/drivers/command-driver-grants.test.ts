import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyUsage, type KernelEvent, type TurnResult } from "@pincer/kernel";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry } from "../registry.js";
import type { DrivenSessionHost, DriverStartRequest, SessionDriverHost } from "./session-driver-host.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A plugin that may write `writable`, whose command `drive` runs `body`. */
function plugin(name: string, writable: string, body: string): string {
  const dir = tempDir(`pincer-driver-${name}-`);
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name,
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { commands: [{ name: "drive", description: "drives" }] },
      capabilities: { fs: { read: [writable], write: [writable] } },
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { commands: [{ name: "drive", description: "d", async run(args, ctx) { ${body} } }] } };`,
  );
  return dir;
}

function sessions(
  turn: (onEvent: (event: KernelEvent) => void, session: { aborted: string[] }) => Promise<TurnResult>,
) {
  const started: DriverStartRequest[] = [];
  const state = { aborted: [] as string[] };
  const open = (): DrivenSessionHost => ({
    id: "s1",
    prompt: (_text, onEvent) => turn(onEvent, state),
    abort: (reason) => state.aborted.push(reason),
    fork: async () => open(),
    readCustom: () => [],
    appendCustom: () => {},
    close: () => {},
  });
  const host: SessionDriverHost = {
    start: async (request) => {
      started.push(request);
      return open();
    },
    resume: async () => open(),
  };
  return { host, started, state };
}

function run(dir: string, host: SessionDriverHost) {
  const registry = new PluginRegistry({ cwd: tempDir("pincer-driver-cwd-"), env: {} });
  cleanups.push(() => registry.dispose());
  registry.add(dir);
  return registry.runCommand("drive", "", { cwd: "/work", sessionId: "", model: "test/m", sessions: host });
}

const answered: TurnResult = { stopReason: "end_turn", steps: 1, usage: emptyUsage(), text: "ok" };

describe("what a driver may ask of the sessions it starts", () => {
  it("a folder to work in only inside its fs write grant, symlinks resolved; anywhere else is refused", async () => {
    const scratch = tempDir("pincer-driver-scratch-");
    mkdirSync(join(scratch, "work"));
    const outside = tempDir("pincer-driver-outside-");
    symlinkSync(outside, join(scratch, "escape"));
    const fake = sessions(async () => answered);
    const tries = [join(scratch, "work"), outside, join(scratch, "escape"), "relative/path", join(scratch, "missing")];
    const dir = plugin(
      "driver-cwd",
      scratch,
      `const answers = [];
       for (const cwd of ${JSON.stringify(tries)}) {
         try { await ctx.sessions.start({ cwd }); answers.push("ok"); } catch (error) { answers.push(error.message); }
       }
       return JSON.stringify(answers);`,
    );
    const answers = JSON.parse((await run(dir, fake.host)).text!) as string[];
    expect(answers[0]).toBe("ok");
    expect(fake.started).toEqual([{ cwd: join(scratch, "work") }]);
    expect(answers[1]).toMatch(/only in a folder it may write/);
    expect(answers[2]).toMatch(/only in a folder it may write/);
    expect(answers[3]).toMatch(/cwd must be an absolute path/);
    expect(answers[4]).toMatch(/is not a folder that exists/);
  });

  it("stopOnDenied ends the turn at a refused call with that code, before the plugin could answer", async () => {
    const fake = sessions(async (onEvent, state) => {
      onEvent({
        type: "permission",
        toolCallId: "c1",
        name: "hf_job_run",
        allowed: false,
        decision: { behavior: "deny", reason: "over budget" },
        denial: { code: "budget_exceeded" },
      } as unknown as KernelEvent);
      // The kernel would go on to its next model call here unless it was aborted already.
      return { ...answered, stopReason: state.aborted.length ? "aborted" : "end_turn" };
    });
    const dir = plugin(
      "driver-stop",
      tempDir("pincer-driver-unused-"),
      `const session = await ctx.sessions.start();
       const stopped = await session.prompt("go", { stopOnDenied: ["budget_exceeded"] });
       const other = await session.prompt("go", { stopOnDenied: ["something_else"] });
       return stopped.stopReason + " " + other.stopReason;`,
    );
    expect((await run(dir, fake.host)).text).toBe("aborted aborted");
    expect(fake.state.aborted).toEqual(["stopped: budget_exceeded"]);
  });
});
