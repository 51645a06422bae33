// Pincer benchmarks. Run with `pnpm bench` (builds first). Prints a Markdown table for the
// README and writes bench/results/latest.json. Figures are medians over repeated runs.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel, SessionStore } from "@pincer/kernel";
import { startLocalRegistry, startOpenAIServer } from "@pincer/testing";
import { hubRows } from "./hub.js";
import { internRows } from "./intern.js";
import { internDemoRows } from "./intern-demo.js";
import { jobsRows } from "./jobs.js";
import { measure as measureLines, sandboxedRows } from "./sandboxed-lines.js";
import { serveRows } from "./serve.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "packages/cli/dist/bin.js");
const rssPreload = join(root, "bench/report-rss.mjs");
const quick = process.argv.includes("--quick");
const runs = quick ? 5 : 20;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a command without blocking this process (the loopback server lives here). */
function run(args, options) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, options);
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.resume();
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

async function timeCommand(args, options = {}) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < (options.runs ?? runs); i++) {
    const rssFile = join(tmpdir(), `pincer-bench-rss-${process.pid}`);
    const started = process.hrtime.bigint();
    const result = await run(args, {
      env: { ...process.env, ...options.env, PINCER_BENCH_RSS_FILE: rssFile },
      cwd: options.cwd ?? root,
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    try {
      rss = Math.max(rss, Number(readFileSync(rssFile, "utf8")) / 1024);
    } catch {}
  }
  return { ms: median(times), peakMiB: rss };
}

async function oneShotTurn(floorMs) {
  const server = await startOpenAIServer();
  server.respond(() => [{ text: "ok" }, { usage: { prompt_tokens: 1000, completion_tokens: 2 } }, { finish: "stop" }]);
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "pincer-bench-cwd-"));
  try {
    const measured = await timeCommand(
      ["--import", rssPreload, cli, "-p", "Say ok.", "--model", "openai/gpt-5", "--output-format", "json"],
      {
        env: { PINCER_HOME: home, OPENAI_API_KEY: "sk-bench-key-0000", OPENAI_BASE_URL: server.url },
        cwd,
        runs: quick ? 5 : 10,
      },
    );
    const firstRequestBytes = server.requests[0].bytes;
    return { ...measured, ratio: measured.ms / floorMs, firstRequestBytes };
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function roundTrips(count) {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-sessions-"));
  let calls = 0;
  const provider = {
    id: "bench",
    async *stream() {
      calls++;
      if (calls > count) {
        yield { type: "text_delta", text: "done" };
        yield { type: "stop", reason: "stop" };
        return;
      }
      yield { type: "toolcall_start", index: 0, id: `call_${calls}`, name: "noop" };
      yield { type: "toolcall_delta", index: 0, argumentsDelta: `{"n":${calls}}` };
      yield { type: "toolcall_end", index: 0 };
      yield { type: "stop", reason: "toolUse" };
    },
  };
  const noop = {
    name: "noop",
    description: "does nothing",
    kind: "read",
    parameters: { type: "object", properties: { n: { type: "number" } }, additionalProperties: false },
    execute: async () => ({ content: "ok" }),
  };
  const store = new SessionStore(dir);
  const kernel = createKernel({
    model: "bench/instant",
    providers: [provider],
    tools: [noop],
    session: store.create({ cwd: dir }),
    maxTurns: count + 1,
    loopGuard: false,
    compaction: false,
  });
  const started = process.hrtime.bigint();
  const result = await kernel.prompt("go");
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  if (result.stopReason !== "end_turn") throw new Error(`round trips ended with ${result.stopReason}`);
  return { totalMs, perRoundTripMs: totalMs / count };
}

function resumeLargeSession(entries) {
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-resume-"));
  const store = new SessionStore(dir);
  const session = store.create({ cwd: dir });
  const now = Date.now();
  for (let i = 0; i < entries; i += 3) {
    session.append({
      type: "message",
      message: { role: "user", content: `step ${i}: please continue with the refactor`, timestamp: now },
    });
    session.append({
      type: "message",
      message: {
        role: "assistant",
        content: [
          { type: "text", text: "Reading the file." },
          { type: "toolCall", id: `c${i}`, name: "read", arguments: { path: `src/file${i}.ts` } },
        ],
        model: "openai/gpt-5",
        usage: {
          input: 1200,
          output: 40,
          cacheRead: 0,
          cacheWrite: 0,
          cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
        },
        stopReason: "toolUse",
        timestamp: now,
      },
    });
    session.append({
      type: "message",
      message: {
        role: "toolResult",
        toolCallId: `c${i}`,
        toolName: "read",
        content: [{ type: "text", text: "     1\texport const x = 1;\n".repeat(10) }],
        isError: false,
        timestamp: now,
      },
    });
  }
  const times = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const started = process.hrtime.bigint();
    const reopened = new SessionStore(dir).open(session.id);
    const context = reopened.buildContext();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (context.messages.length < entries * 0.9) throw new Error("resume lost entries");
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms: median(times) };
}

/** `pincer plugin install` of a freshly published plugin from a loopback Verdaccio, fresh home each run. */
async function pluginInstall() {
  const registry = await startLocalRegistry();
  const work = mkdtempSync(join(tmpdir(), "pincer-bench-plugin-"));
  try {
    const env = { PINCER_HOME: join(work, "home") };
    let result = await run([cli, "plugin", "new", "@bench/pincer-plugin-words"], {
      cwd: work,
      env: { ...process.env, ...env },
    });
    if (result.status !== 0) throw new Error(`plugin new failed: ${result.stderr}`);
    const dir = join(work, "pincer-plugin-words");
    result = await run([cli, "plugin", "pack"], { cwd: dir, env: { ...process.env, ...env } });
    if (result.status !== 0) throw new Error(`plugin pack failed: ${result.stderr}`);
    const npmrc = join(work, ".npmrc");
    writeFileSync(npmrc, `//${new URL(registry.url).host}/:_authToken=${registry.token}\n`);
    await new Promise((resolve, reject) => {
      const child = spawn("npm", ["publish", "--registry", registry.url, "--ignore-scripts"], {
        cwd: dir,
        env: { ...process.env, npm_config_userconfig: npmrc },
        stdio: "ignore",
      });
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm publish failed (${code})`))));
    });
    const times = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const home = join(work, `home-${i}`);
      const timed = await timeCommand(
        [cli, "plugin", "install", "@bench/pincer-plugin-words", "--registry", registry.url, "--yes"],
        { env: { PINCER_HOME: home }, cwd: work, runs: 1 },
      );
      times.push(timed.ms);
    }
    return { ms: median(times) };
  } finally {
    await registry.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const floor = await timeCommand(["-e", "0"]);
const version = await timeCommand([cli, "--version"]);
const turn = await oneShotTurn(floor.ms);
const trips = await roundTrips(1000);
const resume = resumeLargeSession(10_000);
const install = await pluginInstall();
// In its own process (with --expose-gc): resident memory is only meaningful without this one's garbage.
/** Runs one of the bench scripts in its own process and returns the JSON it prints. */
function benchProcess(script, flags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, join(root, "bench", script), ...(quick ? ["--quick"] : [])]);
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.resume();
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench/${script} failed (${code})`)),
    );
  });
}
const sandboxFigures = await benchProcess("sandbox.js", ["--expose-gc"]);
const providerFigures = await benchProcess("providers.js");
const serveFigures = await benchProcess("serve.js");
const tuiFigures = await benchProcess("tui.js");
const jobsFigures = await benchProcess("jobs.js");
const hubFigures = await benchProcess("hub.js");
const internFigures = await benchProcess("intern.js");
const internDemoFigures = await benchProcess("intern-demo.js");
const turnsFigures = await benchProcess("kernel-turns.js");
const idleFigures = await benchProcess("serve-idle.js");
const largeFigures = await benchProcess("large-response.js");

const results = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
  floorMs: floor.ms,
  version: { ms: version.ms, ratio: version.ms / floor.ms },
  oneShotTurn: turn,
  roundTrips: trips,
  resume10k: resume,
  pluginInstall: install,
  sandbox: sandboxFigures,
  providers: providerFigures,
  serve: serveFigures,
  tui: tuiFigures,
  jobs: jobsFigures,
  hub: hubFigures,
  intern: internFigures,
  internDemo: internDemoFigures,
  kernelTurns: turnsFigures,
  serveIdle: idleFigures,
  largeResponse: largeFigures,
};
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);

const fmt = (n, digits = 1) => n.toFixed(digits);
console.log(`Machine: ${results.machine} — ${results.date}\n`);
console.log("| benchmark | result | budget |");
console.log("|---|---|---|");
console.log(`| floor: \`node -e 0\` | ${fmt(floor.ms)} ms | — |`);
console.log(`| \`pincer --version\` | ${fmt(version.ms)} ms (${fmt(results.version.ratio, 2)}× floor) | ≤ 1.2× |`);
console.log(
  `| one \`pincer -p\` turn, loopback model | ${fmt(turn.ms)} ms (${fmt(turn.ratio, 2)}× floor), peak ${fmt(turn.peakMiB)} MiB | ≤ 3×, ≤ 64 MiB |`,
);
console.log(
  `| first request size (system prompt + core tool schemas) | ${(turn.firstRequestBytes / 1024).toFixed(2)} KB | ≤ 5 KB |`,
);
console.log(
  `| kernel overhead per tool round trip (1,000 in one session, on disk) | ${fmt(trips.perRoundTripMs, 3)} ms | < 1 ms |`,
);
console.log(`| resume a 10,000-entry session | ${fmt(resume.ms)} ms | ≤ 150 ms |`);
console.log(
  `| resume a ${turnsFigures.resume.entries - 1}-entry session of 2.4 KB tool results, with its kernel (wall / CPU) | ${fmt(turnsFigures.resume.ms)} / ${fmt(turnsFigures.resume.cpuMs)} ms | ≤ 150 ms |`,
);
console.log(
  `| kernel overhead per turn as a session grows: turn ${turnsFigures.turns} vs turn 10 | ${fmt(turnsFigures.late, 2)} vs ${fmt(turnsFigures.early, 2)} ms (${fmt(turnsFigures.ratio, 2)}×) | ≤ 1.2× |`,
);
console.log(
  `| \`pincer serve\`: memory per session, loaded / idle (released) | ${fmt(idleFigures.loadedPerSessionMiB)} / ${fmt(idleFigures.idlePerSessionMiB)} MiB | idle ≤ 3 MB |`,
);
console.log(
  `| \`pincer -p --output-format json\`, a ${largeFigures.responseMiB} MB answer: peak memory over a one-word answer | ${fmt(largeFigures.largePeakMiB - largeFigures.smallPeakMiB)} MiB (${fmt(largeFigures.overResponse, 1)}× the answer) | ≤ 3× |`,
);
console.log(
  `| \`pincer plugin install\` from a loopback registry (fetch, verify, bundle, lock) | ${fmt(install.ms)} ms | — |`,
);
const sb = sandboxFigures;
console.log(
  `| plugin isolate start: core tools (from snapshot / evaluated) | ${fmt(sb.start.coreToolsSnapshot, 2)} ms / ${fmt(sb.start.coreToolsEvaluated, 2)} ms | ≤ 5 ms |`,
);
console.log(
  `| plugin isolate start: openai SDK, 1 MB bundle (from snapshot / evaluated) | ${fmt(sb.start.openaiSnapshot, 2)} ms / ${fmt(sb.start.openaiEvaluated, 2)} ms | ≤ 5 ms |`,
);
console.log(`| one tool call through the bridge, over a direct call | ${fmt(sb.callOverheadMs, 3)} ms | ≤ 0.1 ms |`);
console.log(`| resident memory per idle plugin isolate | ${fmt(sb.perPluginMiB, 2)} MiB | ≤ 5 MB |`);
console.log(
  `| 1 MB file read through the fs capability, vs a direct read (and by a sandboxed tool, bridge included) | ${fmt(sb.fsRead1MB.capabilityMs, 3)} ms vs ${fmt(sb.fsRead1MB.directMs, 3)} ms (${fmt(sb.fsRead1MB.ratio, 2)}×; tool ${fmt(sb.fsRead1MB.sandboxedToolMs, 3)} ms) | ≤ 2× |`,
);
for (const name of ["openai", "anthropic"]) {
  const figures = providerFigures[name];
  console.log(
    `| ${name} provider in its sandbox, 2,000-event stream (first token / whole stream, vs the SDK in-process) | ${fmt(figures.firstTokenMs.sandboxed)} / ${fmt(figures.streamMs.sandboxed)} ms vs ${fmt(figures.firstTokenMs.direct)} / ${fmt(figures.streamMs.direct)} ms (${fmt(figures.ratio, 2)}×) | ≤ 1.2× |`,
  );
}
for (const row of serveRows(serveFigures)) console.log(row);
const { startup, streaming } = tuiFigures;
console.log(
  `| \`pincer\` in a pseudo-terminal: prompt box drawn / Ink live / session ready (floor: \`node\` printing a word, ${fmt(startup.floorMs)} ms) | ${fmt(startup.promptMs)} (${fmt(startup.ratio, 2)}× floor) / ${fmt(startup.inkLiveMs)} / ${fmt(startup.sessionReadyMs)} ms | prompt ≤ 1.1× |`,
);
console.log(
  `| TUI streaming ${streaming.tokens.toLocaleString("en-US")} tokens from a loopback model: time, frames/s, CPU of pincer (main thread / V8 workers / other threads), every token shown once in order | ${fmt(streaming.seconds, 2)} s, ${fmt(streaming.fps)} fps, ${fmt(streaming.cpuSeconds, 2)} CPU-s (${fmt(streaming.threads.main, 2)} / ${fmt(streaming.threads.v8Workers, 2)} / ${fmt(streaming.threads.other, 2)}), ${streaming.inOrder ? "yes" : "NO"} | ≤ 0.5 CPU-s, no drops |`,
);
for (const row of jobsRows(jobsFigures)) console.log(row);
for (const row of hubRows(hubFigures)) console.log(row);
for (const row of internRows(internFigures)) console.log(row);
for (const row of internDemoRows(internDemoFigures)) console.log(row);
for (const row of sandboxedRows(measureLines())) console.log(row);
