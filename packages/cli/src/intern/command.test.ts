import { UsageError } from "@pincer/runtime";
import { describe, expect, it } from "vitest";
import { runOptions } from "./command.js";

const env = { PINCER_HOME: "/tmp/pincer-intern-home" };

describe("pincer intern's flags", () => {
  it("turns the flags into run options", () => {
    const options = runOptions(
      { cwd: "/tmp/work", maxCalls: 20, budget: "12.5", runner: "hf", sessionsRepo: "ada/runs", upload: false },
      env,
    );
    expect(options).toMatchObject({
      cwd: "/tmp/work",
      home: "/tmp/pincer-intern-home",
      maxCalls: 20,
      budgetUsd: 12.5,
      runner: "hf",
      sessionsRepo: "ada/runs",
      upload: false,
    });
  });

  it.each([
    [{ maxCalls: 0 }, "--max-calls must be a positive integer"],
    [{ maxCalls: 2.5 }, "--max-calls must be a positive integer"],
    [{ budget: "twenty" }, '--budget must be a positive number of US dollars, e.g. --budget 20 (got "twenty")'],
    [{ budget: "-1" }, "--budget must be a positive number"],
    [{ sessionsRepo: "just-a-name" }, '--sessions-repo must be owner/name, not "just-a-name"'],
  ])("refuses %j with a usage error", (flags, message) => {
    expect(() => runOptions(flags, env)).toThrow(UsageError);
    expect(() => runOptions(flags, env)).toThrow(message);
  });
});
