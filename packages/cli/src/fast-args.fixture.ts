/**
 * Argument lists the fast roads (`tryFastHeadless`, `tryFastPrint`) must hand to the full CLI
 * before running anything: both parse with parseFastArgs, so both decline the same cases.
 */
export const DECLINED_BY_FAST_PATHS: ReadonlyArray<readonly [string, string[]]> = [
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
];
