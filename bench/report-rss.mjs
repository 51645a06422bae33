// Preloaded into a measured process: reports its peak resident memory when it exits.
import { writeFileSync } from "node:fs";

const target = process.env.PINCER_BENCH_RSS_FILE;
if (target) {
  process.on("exit", () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
