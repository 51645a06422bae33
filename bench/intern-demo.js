// The wall time of `pincer intern demo`, the README's main demo: a recorded model drives the real
// tools from a paper to a trained, evaluated, published model on an embedded local Hub (real
// PyTorch training on this CPU). Each run is the built CLI in a fresh PINCER_HOME, timed from spawn
// to exit, so it includes starting the Hub and seeding it. Needs `pnpm -s build` and
// /usr/bin/python3 with torch.
// Used by bench/run.js; `node bench/intern-demo.js [--quick]` prints the JSON alone.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "packages/cli/dist/bin.js");
// The demo trains inside the OS sandbox. Where this machine has none, the run gets the opt-in a user
// would have to give (the demo refuses without it), and the row says so.
const { probeBwrap } = await import(pathToFileURL(join(root, "packages/host/dist/index.js")).href);
const CONFINED = probeBwrap().ok;
const quick = process.argv.includes("--quick");
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

function runDemo() {
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-demo-"));
  const env = { ...process.env, PINCER_HOME: home, NO_COLOR: "1" };
  for (const name of ["HF_TOKEN", "HF_ENDPOINT", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"]) delete env[name];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const unconfined = CONFINED ? [] : ["--dangerously-run-unconfined"];
    const child = spawn(process.execPath, [cli, "intern", "demo", ...unconfined], { env, cwd: home });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rmSync(home, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`pincer intern demo exited ${code}:\n${out.slice(-2000)}`));
      const accuracy = /accuracy:\s+([\d.]+)/.exec(out)?.[1];
      const calls = /time:.*?(\d+) model calls/.exec(out)?.[1];
      resolve({
        seconds,
        accuracy: accuracy ? Number(accuracy) : undefined,
        modelCalls: calls ? Number(calls) : undefined,
      });
    });
  });
}

export async function runInternDemoBench() {
  const runs = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) runs.push(await runDemo());
  return {
    runs: runs.length,
    confined: CONFINED,
    seconds: median(runs.map((run) => run.seconds)),
    minSeconds: Math.min(...runs.map((run) => run.seconds)),
    maxSeconds: Math.max(...runs.map((run) => run.seconds)),
    accuracy: runs[0]?.accuracy,
    modelCalls: runs[0]?.modelCalls,
  };
}

export function internDemoRows(figures) {
  const fmt = (n) => n.toFixed(1);
  return [
    `| \`pincer intern demo\` wall time (embedded Hub, ${figures.modelCalls ?? "?"} replayed model calls, real CPU training${figures.confined === false ? ", unconfined: no OS sandbox on this machine" : ""}; median of ${figures.runs}) | ${fmt(figures.seconds)} s (${fmt(figures.minSeconds)}–${fmt(figures.maxSeconds)} s), accuracy ${figures.accuracy ?? "?"} | a few minutes |`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runInternDemoBench()));
}
