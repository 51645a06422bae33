// Plugin hook benchmarks: what a plugin's beforeToolCall hook (run in its isolate, its verdict
// checked) adds to each tool call, against the same calls with no hook; and, with `--cli <dist/bin.js>`
// given once or more, `pincer -p` start-up to the first request with no plugin declaring hooks, for
// each CLI build named (before/after a change). `node bench/hooks.js [--quick] [--cli a --cli b]`.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PluginRegistry, sandboxedHooks } from "@pincer/host";
import { createKernel } from "@pincer/kernel";
import { startOpenAIServer } from "@pincer/testing";

const quick = process.argv.includes("--quick");
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A plugin whose beforeToolCall looks at every call and objects to none. */
function hookPlugin(dir) {
  mkdirSync(join(dir, "dist"), { recursive: true });
  writeFileSync(
    join(dir, "pincer.plugin.json"),
    JSON.stringify({
      name: "bench-hook",
      version: "1.0.0",
      engines: { pincer: "^0.1.0" },
      main: "dist/plugin.js",
      contributes: { hooks: ["beforeToolCall"] },
    }),
  );
  writeFileSync(
    join(dir, "dist/plugin.js"),
    `globalThis.__pincerPlugin = { default: { hooks: {
      beforeToolCall(call) { if (/rm -rf/.test(String(call.arguments.command))) return { block: { reason: "no" } }; },
    } } };`,
  );
  return dir;
}

const CALLS = 200;

/** A model that asks for CALLS tool calls one after another (an execute tool: they run in order), then stops. */
function model() {
  let step = 0;
  return {
    id: "bench",
    async *stream() {
      if (step++ === 0) {
        for (let index = 0; index < CALLS; index++) {
          yield { type: "toolcall_start", index, id: `c${index}`, name: "run" };
          yield { type: "toolcall_delta", index, argumentsDelta: JSON.stringify({ command: `echo ${index}` }) };
          yield { type: "toolcall_end", index };
        }
        yield { type: "stop", reason: "toolUse" };
      } else {
        yield { type: "text_delta", text: "done" };
        yield { type: "stop", reason: "stop" };
      }
    },
  };
}

const runTool = {
  name: "run",
  description: "run",
  kind: "execute",
  parameters: { type: "object", properties: { command: { type: "string" } } },
  async execute() {
    return { content: "ok" };
  },
};

async function turnMs(withHook, registry, cwd) {
  const kernel = createKernel({
    model: "bench/m",
    cwd,
    providers: [model()],
    tools: [runTool],
    loopGuard: false,
    permissions: { mode: "bypassPermissions" },
  });
  let hooks;
  if (withHook) {
    hooks = sandboxedHooks({
      plugins: registry.hookedPlugins(),
      cwd,
      sessionId: () => kernel.session.id,
      subscribe: (listener) => kernel.subscribe(listener),
      sessionUsage: () => kernel.usage,
      warn: (message) => {
        throw new Error(message);
      },
    });
    for (const { hooks: set, source } of hooks.sets) kernel.addHooks(set, source);
  }
  const started = process.hrtime.bigint();
  const result = await kernel.prompt("go");
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  hooks?.close();
  if (result.stopReason !== "end_turn") throw new Error(`turn ended: ${result.stopReason} ${result.error ?? ""}`);
  return ms;
}

/** Per tool call: (turn with the hook − turn without) / CALLS, medians of alternating pairs. */
export async function hookOverhead() {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-hooks-"));
  try {
    const registry = new PluginRegistry({ cwd: dir, env: {} });
    registry.add(hookPlugin(join(dir, "plugin")));
    const pairs = [];
    const runs = quick ? 7 : 25;
    for (let i = 0; i < runs + 2; i++) {
      const without = await turnMs(false, registry, dir);
      const withHook = await turnMs(true, registry, dir);
      if (i >= 2) pairs.push({ without, withHook });
    }
    registry.dispose();
    const without = median(pairs.map((pair) => pair.without));
    const withHook = median(pairs.map((pair) => pair.withHook));
    return {
      toolCalls: CALLS,
      turnWithoutHookMs: without,
      turnWithHookMs: withHook,
      perToolCallMs: median(pairs.map((pair) => (pair.withHook - pair.without) / CALLS)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args, env, cwd) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

/** `pincer -p` wall time for each CLI, alternating runs, no plugin with hooks installed. */
export async function printStartup(clis) {
  const server = await startOpenAIServer();
  server.respond(() => [{ text: "ok" }, { finish: "stop" }]);
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-home-"));
  const times = clis.map(() => []);
  try {
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      PINCER_HOME: join(home, ".pincer"),
      OPENAI_API_KEY: "sk-bench-000000",
      OPENAI_BASE_URL: server.url,
    };
    const runs = quick ? 7 : 21;
    for (let i = 0; i < runs + 1; i++) {
      for (const [index, cli] of clis.entries()) {
        const result = await run([cli, "-p", "Say ok.", "--model", "openai/gpt-5"], env, home);
        if (result.status !== 0) throw new Error(`${cli} failed: ${result.stderr}`);
        if (i > 0) times[index].push(result.ms);
      }
    }
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
  return Object.fromEntries(clis.map((cli, index) => [cli, median(times[index])]));
}

const clis = process.argv.flatMap((arg, index, all) => (all[index - 1] === "--cli" ? [arg] : []));
console.log(
  JSON.stringify(
    { hook: await hookOverhead(), ...(clis.length ? { printMs: await printStartup(clis) } : {}) },
    null,
    2,
  ),
);
