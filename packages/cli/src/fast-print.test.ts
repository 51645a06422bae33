import { describe, expect, it } from "vitest";
import { tryFastPrint } from "./fast-print.js";

// The print bundle's entry runs only a prompt given with -p: every other case goes to the full CLI
// (undefined) before anything runs, so no server is needed.
describe("tryFastPrint leaves to the full CLI", () => {
  it.each([
    ["no -p at all", ["--model", "openai/gpt-5"]],
    ["-p without a value (prompt on stdin)", ["-p"]],
    ["an empty prompt", ["-p", ""]],
    ["an unknown flag", ["-p", "hi", "--bogus"]],
    ["a list given yargs-style", ["-p", "hi", "--allowedTools", "read", "bash(npm test:*)"]],
    ["an unknown output format", ["-p", "hi", "--output-format", "xml"]],
    ["an unknown permission mode", ["-p", "hi", "--permission-mode", "yolo"]],
    ["a bad --max-turns", ["-p", "hi", "--max-turns", "two"]],
    ["a bad --thinking", ["-p", "hi", "--thinking", "lots"]],
    ["help", ["-p", "hi", "--help"]],
    ["a positional argument", ["-p", "hi", "extra"]],
  ])("%s", async (_, argv) => {
    expect(await tryFastPrint(argv, {})).toBeUndefined();
  });
});
