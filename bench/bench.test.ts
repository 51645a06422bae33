import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Keeps the benchmark script working; it asserts what it prints, never how fast anything is.
describe("bench/run.js", () => {
  it("runs every benchmark and prints the table", () => {
    const output = execFileSync(process.execPath, [fileURLToPath(new URL("./run.js", import.meta.url)), "--quick"], {
      encoding: "utf8",
      timeout: 300_000,
    });
    for (const row of [
      "floor: `node -e 0`",
      "`pincer --version`",
      "one `pincer -p` turn",
      "first request size",
      "kernel overhead per tool round trip",
      "resume a 10,000-entry session",
      "kernel overhead per turn as a session grows",
      "`pincer serve`: memory per session, loaded / idle",
      "peak memory over a one-word answer",
      "`pincer plugin install` from a loopback registry",
      "plugin isolate start: core tools",
      "one tool call through the bridge",
      "resident memory per idle plugin isolate",
      "1 MB file read through the fs capability",
      "openai provider in its sandbox, 2,000-event stream",
      "anthropic provider in its sandbox, 2,000-event stream",
      "`pincer serve`: throughput",
      "`pincer` in a pseudo-terminal: prompt box drawn",
      "TUI streaming 5,000 tokens",
      "`run()` → the script's first log line",
      "ML intern: retained, after a full collection of each plugin isolate and the main heap",
      "ML intern: peak context vs model window",
      "`pincer intern demo` wall time",
      "ML-intern code that runs sandboxed",
      "the CLI's share of the product's source lines",
    ]) {
      expect(output).toContain(row);
    }
  }, 300_000);
});
