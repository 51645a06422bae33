// @pincer/jobs: what the local job runner adds to starting a Python script. Measures, over repeated
// runs, `run()` → the script's first log line reaching `job.logs()` for a script that prints at
// once, against the floor (spawning `/usr/bin/python3 -c "print(...)"` directly and reading its
// first stdout chunk), and `run()` → `wait()` resolved. Used by bench/run.js; `node bench/jobs.js`
// prints the figures alone (JSON on stdout, the Markdown rows on stderr). Needs `pnpm -s build`.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createJobLauncher } from "@pincer/host";
import { LocalJobRunner } from "@pincer/jobs";

const PYTHON = "/usr/bin/python3";
const SCRIPT = 'print("ready")\n';

const elapsed = (since) => Number(process.hrtime.bigint() - since) / 1e6;
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Bare Python: spawn → the first chunk on its stdout. */
function floorOnce() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(PYTHON, ["-u", "-c", SCRIPT], { stdio: ["ignore", "pipe", "ignore"] });
    let first;
    child.stdout.once("data", () => (first = elapsed(started)));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 && first !== undefined ? resolve(first) : reject(new Error(`python exited ${code}`)),
    );
  });
}

/**
 * Jobs start as users' jobs do: inside the OS sandbox. Where this machine has none, the bench
 * says so and measures unconfined jobs (chosen here, as `sandbox.os: "off"` would).
 */
function benchLauncher(stateDir) {
  const sandboxed = createJobLauncher({ sandbox: { os: "auto", stateDir }, env: process.env });
  if (sandboxed.confinement === "bubblewrap") return sandboxed;
  return createJobLauncher({ sandbox: { os: "off", stateDir }, env: process.env });
}

export async function runJobsBench({ quick = false } = {}) {
  const runs = quick ? 5 : 20;
  const dir = mkdtempSync(join(tmpdir(), "pincer-bench-jobs-"));
  try {
    const launcher = benchLauncher(join(dir, "run"));
    const runner = new LocalJobRunner({ dir, python: PYTHON, launcher });
    // Warm the page cache for the interpreter once, outside the figures.
    await floorOnce();
    const floor = [];
    const firstLine = [];
    const whole = [];
    const withDependency = [];
    for (let i = 0; i < runs; i++) {
      floor.push(await floorOnce());
      let started = process.hrtime.bigint();
      const job = await runner.run({ script: SCRIPT, timeoutMs: 30_000 });
      for await (const line of job.logs()) {
        if (line !== "ready") throw new Error(`unexpected first line: ${line}`);
        firstLine.push(elapsed(started));
        break;
      }
      const result = await job.wait();
      whole.push(elapsed(started));
      if (result.status !== "completed") throw new Error(`bench job ${result.status}: ${result.error}`);
      // A dependency checked by the interpreter first (a fresh runner: checks are cached per runner).
      started = process.hrtime.bigint();
      const checked = await new LocalJobRunner({ dir, python: PYTHON, launcher }).run({
        script: SCRIPT,
        dependencies: ["numpy"],
        timeoutMs: 30_000,
      });
      for await (const _line of checked.logs()) {
        withDependency.push(elapsed(started));
        break;
      }
      await checked.wait();
    }
    const floorMs = median(floor);
    const firstLineMs = median(firstLine);
    return {
      runs,
      confinement: launcher.confinement,
      floorMs,
      firstLineMs,
      overheadMs: firstLineMs - floorMs,
      firstLineWithDependencyCheckMs: median(withDependency),
      runToCompletedMs: median(whole),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows bench/run.js prints, in its `| benchmark | result | budget |` table. */
export function jobsRows(figures) {
  const fmt = (n, digits = 1) => n.toFixed(digits);
  return [
    `| \`@pincer/jobs\` (${figures.confinement}): \`run()\` → the script's first log line (floor: bare \`python3 -c print\`, ${fmt(figures.floorMs)} ms) | ${fmt(figures.firstLineMs)} ms (+${fmt(figures.overheadMs)} ms over the floor), ${fmt(figures.firstLineWithDependencyCheckMs)} ms with one dependency checked | — |`,
    `| \`@pincer/jobs\`: \`run()\` → \`wait()\` resolved, status on disk | ${fmt(figures.runToCompletedMs)} ms | — |`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await runJobsBench({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(figures, null, 2));
  console.error(jobsRows(figures).join("\n"));
}
