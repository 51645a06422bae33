// Preloaded into a measured process: reports its peak resident memory when it exits, and, where
// PINCER_BENCH_MEMORY_FILE names a file, the peaks of process.memoryUsage() sampled every 10 ms
// (JSON, bytes): where a peak comes from (the JS heap, external memory, ArrayBuffers).
import { writeFileSync } from "node:fs";

const target = process.env.PINCER_BENCH_RSS_FILE;
const memoryTarget = process.env.PINCER_BENCH_MEMORY_FILE;
const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
if (memoryTarget) {
  const sample = () => {
    const usage = process.memoryUsage();
    for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], usage[key]);
  };
  setInterval(sample, 10).unref();
  process.on("exit", () => {
    sample();
    writeFileSync(memoryTarget, JSON.stringify(peaks));
  });
}
if (target) {
  process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
