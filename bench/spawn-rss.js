// What a spawn costs a large process: a process holding 0 / 500 / 1,300 MiB of JS heap, or 150
// plugin isolates (the shape of `pincer serve` with 50 sessions), runs `true` and `bwrap … true`
// through the host's spawnGuarded, forking itself (PINCER_SPAWNER=never) or through the spawner
// (always). Per command, medians: how long the spawn call held the main thread, the process's own
// CPU from the call to 'close', the spawner's CPU, and the CPU of the same work done after the
// command (writing the heap, or running code in 20 isolates: the copy-on-write faults a fork
// leaves behind land there). `node bench/spawn-rss.js [runs]`.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const host = await import(pathToFileURL(join(root, "packages/host/dist/index.js")).href);
const SHAPES = ["0", "500", "1300", "isolates"];
const MODES = ["never", "always"];
const BWRAP = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent"];

/** CPU time a process has used, in ms, from the scheduler's nanosecond counter (Linux). */
const cpuOf = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Builds the memory shape; returns the work that writes it again. */
function hold(shape) {
  if (shape === "isolates") {
    const ivm = createRequire(join(root, "packages/host/package.json"))("isolated-vm");
    const contexts = [];
    for (let i = 0; i < 150; i++) {
      const context = new ivm.Isolate({ memoryLimit: 128 }).createContextSync();
      context.evalSync("globalThis.keep = []; for (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i, a: [i] });");
      contexts.push(context);
    }
    return () => {
      for (const context of contexts.slice(0, 20)) context.evalSync("for (const o of keep) o.i++");
    };
  }
  const arrays = [];
  for (let i = 0; i < Number(shape) / 8; i++) arrays.push(new Array(1024 * 1024).fill(i + 0.5));
  return () => {
    for (const array of arrays) for (let j = 0; j < array.length; j += 512) array[j] += 1;
  };
}

async function worker(shape, mode, runs) {
  const touch = hold(shape);
  process.env.PINCER_SPAWNER = mode;
  const rssMiB = process.memoryUsage.rss() / 2 ** 20;
  const programs = [["true", "/bin/true", [], false]];
  if (host.probeBwrap().ok) programs.push(["bwrap … true", "/usr/bin/bwrap", [...BWRAP, "/bin/true"], true]);
  const rows = [];
  for (const [name, program, args, diesWithParent] of programs) {
    const samples = { mainThread: [], cpu: [], spawner: [], after: [] };
    for (let i = 0; i < runs + 3; i++) {
      const spawner = host.spawnerPid();
      const spawnerBefore = spawner ? cpuOf(spawner) : 0;
      const before = cpuOf(process.pid);
      const started = performance.now();
      const child = host.spawnGuarded(program, args, {
        cwd: "/",
        env: { PATH: "/usr/bin:/bin" },
        stdio: ["ignore", "pipe", "pipe"],
        diesWithParent,
        label: name,
      });
      const mainThread = performance.now() - started;
      child.stdout.resume();
      child.stderr.resume();
      const code = await new Promise((resolve) => child.on("close", resolve));
      if (code !== 0) throw new Error(`${name} exited ${code}`);
      const cpu = cpuOf(process.pid) - before;
      const spawnerCpu = host.spawnerPid() ? cpuOf(host.spawnerPid()) - spawnerBefore : 0;
      const touchedAt = cpuOf(process.pid);
      touch();
      const after = cpuOf(process.pid) - touchedAt;
      if (i < 3) continue;
      samples.mainThread.push(mainThread);
      samples.cpu.push(cpu);
      samples.spawner.push(spawnerCpu);
      samples.after.push(after);
    }
    rows.push({
      shape,
      rssMiB,
      mode,
      program: name,
      ...Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
    });
  }
  console.log(JSON.stringify(rows));
}

if (process.argv[2] === "--worker") {
  await worker(process.argv[3], process.argv[4], Number(process.argv[5]));
} else {
  const runs = Number(process.argv[2] ?? 30);
  console.log(
    "| heap held | RSS | fork by | program | main thread | CPU, this process | CPU, spawner | CPU of the work after |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const shape of SHAPES) {
    // Alternated: each shape measured forking itself, then through the spawner.
    for (const mode of MODES) {
      const child = spawn(
        process.execPath,
        ["--max-old-space-size=4096", fileURLToPath(import.meta.url), "--worker", shape, mode, String(runs)],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      await new Promise((resolve) => child.on("close", resolve));
      for (const row of JSON.parse(out)) {
        const ms = (value) => `${value.toFixed(2)} ms`;
        console.log(
          `| ${shape === "isolates" ? "150 isolates" : `${shape} MiB`} | ${row.rssMiB.toFixed(0)} MiB | ${mode === "never" ? "itself" : "spawner"} | ${row.program} | ${ms(row.mainThread)} | ${ms(row.cpu)} | ${ms(row.spawner)} | ${ms(row.after)} |`,
        );
      }
    }
  }
}
