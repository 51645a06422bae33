import { describe, expect, it } from "vitest";
import { CommandUsageError, formatCommandOptions, parseCommandArgs, splitCommandLine } from "./command-args.js";

const spec = {
  options: {
    "max-calls": { type: "number", description: "Most model calls" },
    runner: { type: "string", choices: ["local", "hf"] },
    upload: { type: "boolean", default: true, description: "Upload the session" },
    tag: { type: "string", short: "t", multiple: true },
    quiet: { type: "boolean", short: "q" },
  },
} as const;

describe("parseCommandArgs", () => {
  it("reads --flag value, --flag=value, -f value, --no-flag and -- in any order among the words", () => {
    const parsed = parseCommandArgs(
      ["run", "--max-calls", "20", "p.yaml", "--runner=hf", "-t", "a", "--tag", "b", "--no-upload", "-q", "--", "-x"],
      spec,
    );
    expect(parsed.positionals).toEqual(["run", "p.yaml", "-x"]);
    expect(parsed.values).toEqual({ "max-calls": 20, runner: "hf", tag: ["a", "b"], upload: false, quiet: true });
    expect(parsed.help).toBe(false);
    expect(parseCommandArgs([], spec).values).toEqual({ upload: true });
    expect(parseCommandArgs(["--max-calls", "-3"], spec).values["max-calls"]).toBe(-3);
  });

  it.each([
    [["--max-call", "3"], "Unknown option --max-call. Did you mean --max-calls?"],
    [["--runner", "gpu"], '--runner must be one of local, hf (got "gpu")'],
    [["--max-calls", "many"], '--max-calls takes a number, not "many"'],
    [["--max-calls"], "--max-calls needs a value"],
    [["--runner", "--upload"], "--runner needs a value"],
    [["--upload=maybe"], "--upload is a switch"],
    [["-z"], "Unknown option -z"],
  ])("refuses %j: %s", (argv, message) => {
    expect(() => parseCommandArgs(argv, spec)).toThrow(CommandUsageError);
    expect(() => parseCommandArgs(argv, spec)).toThrow(message);
    try {
      parseCommandArgs(argv, spec);
    } catch (error) {
      expect((error as CommandUsageError).exitCode).toBe(2);
    }
  });

  it("counts words, and answers --help without complaining about the rest", () => {
    expect(() => parseCommandArgs(["a", "b"], { maxPositionals: 1 })).toThrow('Too many arguments: "b"');
    expect(parseCommandArgs(["a", "b", "--help"], { maxPositionals: 1 }).help).toBe(true);
    expect(formatCommandOptions(spec)).toContain("--upload, --no-upload  Upload the session");
    expect(formatCommandOptions(spec)).toContain("--runner <local|hf>");
  });
});

describe("splitCommandLine", () => {
  it("splits like a shell: quotes keep spaces, backslashes escape", () => {
    expect(splitCommandLine(`run "my task" 'it''s' a\\ b  ""`)).toEqual(["run", "my task", "its", "a b", ""]);
    expect(() => splitCommandLine('say "unclosed')).toThrow("An unclosed");
  });
});
