import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyUsage, type KernelEvent, type TurnResult } from "@pincer/kernel";
import { until } from "@pincer/testing/until";
import { afterEach, describe, expect, it } from "vitest";
import { PluginRegistry } from "../registry.js";
import type { SandboxLimits } from "../sandbox/sandbox-types.js";
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

/** A plugin whose one command `drive` runs `body` (with args and ctx in scope). */
function driverPlugin(name: string, body: string): string {
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
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { commands: [{ name: "drive", description: "d", async run(args, ctx) { ${body} } }] } };`,
  );
  return dir;
}

/** Sessions in memory: each turn is `turn(text, onEvent, signal)`; what was asked is recorded. */
function fakeSessions(
  turn: (text: string, onEvent: (event: KernelEvent) => void, signal: AbortSignal) => Promise<TurnResult>,
) {
  const started: DriverStartRequest[] = [];
  const closed: string[] = [];
  const custom: Array<{ session: string; type: string; data: unknown }> = [];
  let count = 0;
  const open = (): DrivenSessionHost => {
    const id = `s${++count}`;
    return {
      id,
      prompt: turn,
      fork: async () => open(),
      readCustom: (type) =>
        custom.filter((entry) => entry.session === id && entry.type === type).map((entry) => entry.data),
      appendCustom: (type, data) => custom.push({ session: id, type, data }),
      close: () => closed.push(id),
    };
  };
  const host: SessionDriverHost = {
    start: async (request) => {
      started.push(request);
      return open();
    },
    resume: async (id) => {
      throw new Error(`no session ${id}`);
    },
  };
  return { host, started, closed, custom };
}

const answered = (text: string): TurnResult => ({ stopReason: "end_turn", steps: 1, usage: emptyUsage(), text });

function run(
  dir: string,
  sessions: SessionDriverHost | undefined,
  options: { limits?: Partial<SandboxLimits>; signal?: AbortSignal } = {},
) {
  const registry = new PluginRegistry({
    cwd: tempDir("pincer-driver-cwd-"),
    env: {},
    ...(options.limits ? { sandboxLimits: options.limits } : {}),
  });
  cleanups.push(() => registry.dispose());
  registry.add(dir);
  const progress: string[] = [];
  const output = registry.runCommand("drive", "", {
    cwd: "/work",
    sessionId: "parent",
    model: "test/m",
    ...(sessions ? { sessions } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (line) => progress.push(line),
  });
  return { output, progress };
}

describe("a command that drives sessions", () => {
  it("starts a session with an agent, prompts it, streams its events, keeps its own ledger, and has it closed", async () => {
    const fake = fakeSessions(async (text, onEvent) => {
      onEvent({ type: "tool_start", toolCallId: "c1", name: "read", args: { path: "a" } });
      onEvent({ type: "warning", message: "a driver sees what a person watching would" });
      return answered(`answered ${text}`);
    });
    const plugin = driverPlugin(
      "driver-a",
      `const session = await ctx.sessions.start({ agent: { prompt: "be brief", tools: ["read"], mode: "plan" }, maxTurns: 3 });
       const seen = [];
       const turn = await session.prompt("hello", { onEvent: (event) => seen.push(event.type) });
       await session.ledger.append({ step: 1 });
       ctx.progress("half way \\x1b[31mred\\x1b[0m");
       const ledger = await session.ledger.read();
       return JSON.stringify({ id: session.id, text: turn.text, stop: turn.stopReason, seen, ledger });`,
    );
    const { output, progress } = run(plugin, fake.host);
    const result = JSON.parse((await output).text!);
    expect(result).toEqual({
      id: "s1",
      text: "answered hello",
      stop: "end_turn",
      seen: ["tool_start", "warning"],
      ledger: [{ step: 1 }],
    });
    expect(fake.started).toEqual([{ agent: { prompt: "be brief", tools: ["read"], mode: "plan" }, maxTurns: 3 }]);
    expect(fake.custom).toEqual([{ session: "s1", type: "plugin:driver-a", data: { step: 1 } }]);
    expect(progress).toEqual(["half way red"]);
    expect(fake.closed).toEqual(["s1"]);
  });

  it("hands each turn the session's spending by kind, as the front end tallies it", async () => {
    const fake = fakeSessions(async (text) => answered(text));
    const spendingHost: SessionDriverHost = {
      ...fake.host,
      start: async (request) => ({
        ...(await fake.host.start(request)),
        spend: () => ({ modelUsd: 0.25, calls: { job: 3.5, endpoint: 1 } }),
      }),
    };
    const plugin = driverPlugin(
      "driver-spend",
      `const s = await ctx.sessions.start(); const turn = await s.prompt("go"); return JSON.stringify(turn.spend);`,
    );
    expect(JSON.parse((await run(plugin, spendingHost).output).text!)).toEqual({
      modelUsd: 0.25,
      calls: { job: 3.5, endpoint: 1 },
    });
    // A front end that keeps no tally: no spend at all, rather than a made-up zero.
    const bare = driverPlugin(
      "driver-nospend",
      `const s = await ctx.sessions.start(); return String((await s.prompt("go")).spend);`,
    );
    expect((await run(bare, fake.host).output).text).toBe("undefined");
  });

  it("gets no ctx.sessions where the front end offers none", async () => {
    const plugin = driverPlugin("driver-b", `return String(ctx.sessions === undefined);`);
    expect((await run(plugin, undefined).output).text).toBe("true");
  });

  it("is refused what it may not ask for: unknown options, a mode that is no mode, another session's id", async () => {
    const fake = fakeSessions(async () => answered("x"));
    const plugin = driverPlugin(
      "driver-c",
      `const out = [];
       for (const attempt of [
         () => ctx.sessions.start({ grants: { net: ["*"] } }),
         () => ctx.sessions.start({ agent: { mode: "yolo" } }),
         () => ctx.sessions.start({ maxTurns: 1e9 }),
       ]) { try { await attempt(); out.push("allowed"); } catch (error) { out.push(error.message); } }
       return out.join("\\n");`,
    );
    const text = (await run(plugin, fake.host).output).text!;
    expect(text).toContain('start has no option "grants"');
    expect(text).toContain("agent.mode must be one of");
    expect(text).toContain("maxTurns must be a whole number");
    expect(fake.started).toEqual([]);
  });

  it("a long driven turn that makes progress is not stopped by the per-call wall clock", async () => {
    const fake = fakeSessions(async (_text, onEvent) => {
      // 1.2 s of work, an event every 100 ms, against a 500 ms wall clock.
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        onEvent({ type: "tool_start", toolCallId: `c${i}`, name: "read", args: {} });
      }
      return answered("long");
    });
    const plugin = driverPlugin(
      "driver-d",
      `const s = await ctx.sessions.start(); return (await s.prompt("go")).text;`,
    );
    const { output } = run(plugin, fake.host, { limits: { wallMsPerCall: 500 } });
    expect((await output).text).toBe("long");
  });

  it("a driver that hangs with nothing making progress is stopped by its wall clock, and its sessions closed", async () => {
    const fake = fakeSessions(async () => answered("x"));
    const plugin = driverPlugin("driver-e", `await ctx.sessions.start(); await new Promise(() => {});`);
    const { output } = run(plugin, fake.host, { limits: { wallMsPerCall: 300 } });
    await expect(output).rejects.toThrow(/took longer than 300 ms/);
    expect(fake.closed).toEqual(["s1"]);
  });

  it("a driver that throws fails the command with its message; what it opened is closed", async () => {
    const fake = fakeSessions(async () => answered("x"));
    const plugin = driverPlugin("driver-f", `await ctx.sessions.start(); throw new Error("driver broke");`);
    await expect(run(plugin, fake.host).output).rejects.toThrow(/driver broke/);
    expect(fake.closed).toEqual(["s1"]);
  });

  it("a turn that floods events hands the plugin at most its bound, and says how many were dropped", async () => {
    const fake = fakeSessions(async (_text, onEvent) => {
      const text = "x".repeat(60_000);
      for (let i = 0; i < 300; i++) onEvent({ type: "turn_start", prompt: text });
      return answered("flooded");
    });
    const plugin = driverPlugin(
      "driver-g",
      `const s = await ctx.sessions.start(); let events = 0; let dropped = 0;
       await s.prompt("go", { onEvent: (event) => { if (event.type === "dropped") dropped += event.count; else events++; } });
       return events + " " + dropped;`,
    );
    const [events, dropped] = (await run(plugin, fake.host).output).text!.split(" ").map(Number);
    expect(events! + dropped!).toBe(300);
    expect(dropped).toBeGreaterThan(0);
    expect(events! * 60_000).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it("cancelling the command aborts the running turn", async () => {
    let aborted = false;
    const fake = fakeSessions(
      (_text, onEvent, signal) =>
        new Promise((resolve) => {
          onEvent({ type: "turn_start", prompt: "go" });
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve({ ...answered(""), stopReason: "aborted" });
          });
        }),
    );
    const controller = new AbortController();
    const plugin = driverPlugin(
      "driver-h",
      `const s = await ctx.sessions.start(); ctx.progress("started"); return (await s.prompt("go")).stopReason;`,
    );
    const { output, progress } = run(plugin, fake.host, { signal: controller.signal });
    await until(() => progress.length > 0);
    controller.abort();
    await expect(output).rejects.toThrow(/cancelled/);
    await until(() => aborted);
    await until(() => fake.closed.length === 1);
  });
});
