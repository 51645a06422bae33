#!/usr/bin/env node
import { readFileSync } from "node:fs";

// `--version` is answered before anything else loads: no yargs, no kernel, no plugin.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const { main } = await import("./main.js");
  process.exitCode = await main();
}
