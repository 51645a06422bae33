// Memory for a large model response: `pincer -p --output-format json` against a loopback model
// whose answer is `--mb` MB of text (default 50), against the same run with a one-word answer.
// Peak resident memory of the CLI (bench/report-rss.mjs), and for the large answer the peaks of
// its JS heap (used, committed), external memory and ArrayBuffers, sampled every 10 ms, to tell
// where the peak comes from. Prints JSON (MiB); with --runs N, each pair of runs, the
// median of the N ratios (of the two middle ones for an even N), their range, and the medians of
// both peaks. Peak RSS is noisy from run to run (when V8 and the allocator let go of garbage), so
// a budget is read off the median of several runs, never one.
// The answer is kept in mebibyte blocks outside the JS heap and never flattened (kernel
// text-pieces.ts, long-text.ts), so what is left above it is mostly the stream passing through.
// Usage: node bench/large-response.js [--quick (10 MB)] [--mb N] [--format text|json|stream-json] [--runs N]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "@pincer/testing";

const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const megabytes = Number(flag("--mb", argv.includes("--quick") ? "10" : "50"));
const format = flag("--format", "json");
const runs = Math.max(1, Number(flag("--runs", "1")));
const cli = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const preload = fileURLToPath(new URL("./report-rss.mjs", import.meta.url));

/** The middle value; for an even count, halfway between the two middle ones. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const model = await startOpenAIServer();
async function run(bytes) {
  model.enqueue(bytes > 0 ? [{ huge: { bytes } }, { finish: "stop" }] : [{ text: "ok" }, { finish: "stop" }]);
  const home = mkdtempSync(join(tmpdir(), "pincer-bench-large-"));
  const rssFile = join(home, "rss");
  const memoryFile = join(home, "memory");
  try {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ["--import", preload, cli, "-p", "Write a lot.", "--model", "openai/gpt-5", "--output-format", format],
      {
        cwd: home,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          PINCER_HOME: join(home, ".pincer"),
          OPENAI_API_KEY: "sk-bench-large-0001",
          OPENAI_BASE_URL: model.url,
          PINCER_BENCH_RSS_FILE: rssFile,
          PINCER_BENCH_MEMORY_FILE: memoryFile,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdoutBytes += chunk.length));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`pincer exited ${code}: ${stderr}`);
    const peaks = JSON.parse(readFileSync(memoryFile, "utf8"));
    return {
      peakMiB: Number(readFileSync(rssFile, "utf8")) / 1024,
      peaks: Object.fromEntries(Object.entries(peaks).map(([key, bytes]) => [key, Math.round(bytes / 2 ** 20)])),
      seconds: (Date.now() - started) / 1000,
      stdoutBytes,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

try {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const small = await run(0);
    const large = await run(megabytes * 1024 * 1024);
    // The answer (ASCII) arrives whole: its bytes, plus a newline or the JSON around it.
    if (large.stdoutBytes <= megabytes * 1024 * 1024) throw new Error("the large answer did not arrive whole");
    results.push({
      format,
      responseMiB: megabytes,
      smallPeakMiB: small.peakMiB,
      largePeakMiB: large.peakMiB,
      overResponse: (large.peakMiB - small.peakMiB) / megabytes,
      largePeaksMiB: large.peaks,
      seconds: large.seconds,
    });
  }
  if (runs === 1) process.stdout.write(`${JSON.stringify(results[0])}\n`);
  else {
    const ratios = results.map((result) => result.overResponse);
    process.stdout.write(
      `${JSON.stringify({
        format,
        responseMiB: megabytes,
        runCount: runs,
        medianOverResponse: median(ratios),
        rangeOverResponse: [Math.min(...ratios), Math.max(...ratios)],
        medianSmallPeakMiB: median(results.map((result) => result.smallPeakMiB)),
        medianLargePeakMiB: median(results.map((result) => result.largePeakMiB)),
        runs: results,
      })}\n`,
    );
  }
} finally {
  await model.close();
}
