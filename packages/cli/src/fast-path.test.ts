import { describe, expect, it } from "vitest";
import { tryFastHeadless } from "./fast-path.js";

// The fast path must hand every case it is not sure of to yargs (returning undefined) before it
// runs anything: these never reach a model, so no server is needed.
describe("tryFastHeadless leaves to the full CLI", () => {
  it.each([
    ["no -p at all", ["--model", "openai/gpt-5"]],
    ["-p without a value (prompt on stdin)", ["-p"]],
    ["an empty prompt", ["-p", ""]],
    ["an unknown flag", ["-p", "hi", "--bogus"]],
    ["a list given yargs-style", ["-p", "hi", "--allowedTools", "read", "bash(npm test:*)"]],
    ["an unknown output format", ["-p", "hi", "--output-format", "xml"]],
    ["an unknown permission mode", ["-p", "hi", "--permission-mode", "yolo"]],
    ["a bad --max-turns", ["-p", "hi", "--max-turns", "two"]],
    ["help", ["-p", "hi", "--help"]],
    ["a positional argument", ["-p", "hi", "extra"]],
  ])("%s", async (_, argv) => {
    expect(await tryFastHeadless(argv, {})).toBeUndefined();
  });
});
