// Spawn overhead: `echo hi` through the bash tool (the core tools' definition, with the host's
// exec capability as a session gives it), N runs each in bubblewrap and unconfined, medians in ms.
// `node bench/spawn.js [repo root] [runs]`: point it at another checkout's build to compare.
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL("..", import.meta.url));

export async function spawnRows(root = here, runs = 50) {
  const host = await import(pathToFileURL(join(root, "packages/host/dist/index.js")).href);
  const { bash } = await import(pathToFileURL(join(root, "plugins/core-tools/dist/tools/bash.js")).href);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "pincer-bench-spawn-")));
  const rows = [];
  try {
    // `spawner` rows: the same commands forked by the spawner (as a process past 128 MiB does).
    for (const mode of ["bwrap", "off", "bwrap, spawner", "off, spawner"]) {
      process.env.PINCER_SPAWNER = mode.endsWith("spawner") ? "always" : "never";
      const settings = mode.startsWith("off") ? { os: "off" } : {};
      if (mode.startsWith("bwrap") && !host.probeBwrap().ok) continue;
      const context = { writeRoots: [dir], readRoots: [dir], env: process.env };
      const osSandbox = host.resolveOsSandbox(settings, context);
      // This checkout's capability takes `confinement`; an older one `osSandbox` (and ignores the rest).
      const confinement = host.resolveConfinement ? host.resolveConfinement(settings, context) : undefined;
      const exec = host.createExecCapability({
        cwd: dir,
        allowedCommands: ["bash"],
        ...(osSandbox ? { osSandbox } : {}),
        ...(confinement ? { confinement, roots: [dir], env: process.env } : {}),
      });
      const ctx = { toolCallId: "bench", cwd: dir, signal: new AbortController().signal, onUpdate() {}, exec };
      const times = [];
      for (let i = 0; i < runs + 3; i++) {
        const started = process.hrtime.bigint();
        const result = await bash.execute({ command: "echo hi" }, ctx);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (!String(result.content).startsWith("hi")) throw new Error(`bench: unexpected output ${result.content}`);
        if (i >= 3) times.push(ms);
      }
      times.sort((a, b) => a - b);
      rows.push({ mode, medianMs: times[Math.floor(times.length / 2)], p90Ms: times[Math.floor(times.length * 0.9)] });
    }
  } finally {
    delete process.env.PINCER_SPAWNER;
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ? resolve(process.argv[2]) : here;
  const runs = Number(process.argv[3] ?? 50);
  for (const row of await spawnRows(root, runs)) {
    console.log(`${root}\t${row.mode}\tmedian ${row.medianMs.toFixed(2)} ms\tp90 ${row.p90Ms.toFixed(2)} ms`);
  }
}
