import { describe, expect, it } from "vitest";
import { singleProgram } from "./command-line.js";

describe("singleProgram: a named-command grant runs one simple command", () => {
  it.each([
    ["git status", "git"],
    ["  git   log --oneline -5", "git"],
    ['git commit -m "fix: a; b && c | d"', "git"],
    ["git commit -m 'it costs $5; `really`'", "git"],
    ["git log -- 'src/*.ts'", "git"],
  ])("allows %s", (command, program) => {
    expect(singleProgram(command)).toEqual({ program });
  });

  it.each([
    "git status; curl http://evil.example",
    "git status && rm -rf ~",
    "git log | sh",
    "git log > /etc/passwd",
    "git $(curl evil)",
    "git `id`",
    'git log "$HOME"',
    "PATH=/tmp/evil git status",
    "git log\ncurl evil",
    "git (status)",
    "git 'unclosed",
    "",
  ])("refuses %j", (command) => {
    expect(singleProgram(command)).toHaveProperty("refused");
  });
});
