import { CommandFailure, type CommandOutput } from "@pincer/host";
import { runCommandLine, UsageError } from "@pincer/runtime";
import { exitCodeFor } from "./abort-on-signal.js";
import { EXIT, type OutputFormat, runHeadless } from "./headless.js";
import type { HeadlessArgs } from "./headless-args.js";
import { commandLineAdvice } from "./output/command-line-advice.js";
import { createStyle } from "./output/style.js";
import { sessionOptionsFromArgs } from "./session-args.js";

/**
 * Pincer's own session flags, which a plugin's command line leaves to Pincer wherever they stand
 * (`pincer <name> "task" --model openai/gpt-5 --budget 20`): they shape the sessions the command
 * drives. Everything else is the command's, in order. Each flag with a value takes one word.
 */
const VALUE_FLAGS: Record<string, keyof HeadlessArgs> = {
  "--model": "model",
  "-m": "model",
  "--thinking": "thinking",
  "--permission-mode": "permissionMode",
  "--allowedTools": "allowedTools",
  "--disallowedTools": "disallowedTools",
  "--max-turns": "maxTurns",
  "--budget": "budget",
  "--cwd": "cwd",
  "--add-dir": "addDir",
  "--append-system-prompt": "appendSystemPrompt",
  "--output-format": "outputFormat",
};
const SWITCHES: Record<string, keyof HeadlessArgs> = {
  "--verbose": "verbose",
  "--dangerously-run-unconfined": "dangerouslyRunUnconfined",
};
const LISTS = new Set<keyof HeadlessArgs>(["allowedTools", "disallowedTools", "addDir"]);

/** Splits a plugin command's argv into Pincer's session flags and the command's own words. */
export function splitSessionFlags(argv: readonly string[]): { flags: HeadlessArgs; rest: string[] } {
  const flags: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (word === "--") {
      rest.push(...argv.slice(index));
      break;
    }
    const equals = word.startsWith("--") ? word.indexOf("=") : -1;
    const name = equals > 0 ? word.slice(0, equals) : word;
    const key = VALUE_FLAGS[name];
    if (key) {
      const value = equals > 0 ? word.slice(equals + 1) : argv[++index];
      if (value === undefined) throw new UsageError(`${name} needs a value.`);
      if (LISTS.has(key)) flags[key] = [...((flags[key] as string[] | undefined) ?? []), value];
      else flags[key] = key === "maxTurns" ? Number(value) : value;
      continue;
    }
    const toggle = SWITCHES[name];
    if (toggle && equals < 0) {
      flags[toggle] = true;
      continue;
    }
    rest.push(word);
  }
  return { flags: flags as HeadlessArgs, rest };
}

/** The words before the command's name that are Pincer's flags (`pincer --model x my-command …`) end where the name is. */
export function commandNameIn(argv: readonly string[]): { name: string; index: number } | undefined {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (word === "--") return undefined;
    if (!word.startsWith("-")) return { name: word, index };
    if (VALUE_FLAGS[word]) index++;
    else if (!SWITCHES[word] && !word.includes("=")) return undefined;
  }
  return undefined;
}

/**
 * `pincer <name> [args…]` for a plugin's command: its progress on stderr, its text on stdout
 * (text), or one JSON result (json), or progress lines and the result as JSON lines
 * (stream-json); its exit code is the command's (0 done, 1 failed, 2 usage, 3 finished with
 * problems). The first Ctrl-C cancels it (it reports and exits, 130), a second one exits at once.
 * A `prompt` it answers goes on to the model, as `pincer -p` would send it.
 */
export async function runPluginCommandLine(
  name: string,
  argv: readonly string[],
  reserved: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { flags, rest } = splitSessionFlags(argv);
  const format = (flags.outputFormat ?? "text") as OutputFormat;
  if (!["text", "json", "stream-json"].includes(format)) {
    throw new UsageError(`--output-format must be text, json or stream-json (got ${JSON.stringify(format)}).`);
  }
  const session = { ...sessionOptionsFromArgs(flags, env), writer: `pincer ${name}`, advice: commandLineAdvice };
  const style = createStyle(process.stderr, env);
  const emit = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const cancel = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(exitCodeFor(signal));
    signalled = signal;
    process.stderr.write(`${style.yellow("!")} ${signal}: stopping ${name} (again to quit at once)\n`);
    cancel.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = Date.now();
  let output: CommandOutput;
  try {
    output = await runCommandLine({
      name,
      argv: rest,
      session,
      reserved,
      signal: cancel.signal,
      onProgress: (text) => {
        if (format === "stream-json") emit({ type: "progress", command: name, message: text });
        else process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
      },
      onWarning: (text) => process.stderr.write(`${style.yellow("!")} ${text}\n`),
    });
  } catch (error) {
    const failure = error as Error;
    const code =
      failure instanceof CommandFailure ? failure.exitCode : failure instanceof UsageError ? EXIT.usage : EXIT.failed;
    const message = failure instanceof CommandFailure && code === EXIT.usage ? failure.reason : failure.message;
    if (format === "text") process.stderr.write(`pincer ${name}: ${message}\n`);
    else emit(resultLine(name, { text: "" }, code, Date.now() - started, message));
    return signalled ? exitCodeFor(signalled) : code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (output.prompt !== undefined) {
    if (output.text && format === "text") process.stdout.write(`${output.text}\n`);
    return runHeadless({ ...session, prompt: output.prompt, outputFormat: format });
  }
  const code = output.exitCode ?? (signalled ? exitCodeFor(signalled) : EXIT.ok);
  if (format === "text") {
    if (output.text) process.stdout.write(output.text.endsWith("\n") ? output.text : `${output.text}\n`);
  } else emit(resultLine(name, output, code, Date.now() - started));
  return code;
}

/** The last JSON line: Claude Code's result shape (`is_error`, `result`), with the command and its exit code. */
function resultLine(name: string, output: CommandOutput, code: number, durationMs: number, error?: string) {
  return {
    type: "result",
    subtype: code === 0 ? "success" : "error",
    is_error: code !== 0,
    command: name,
    exit_code: code,
    duration_ms: durationMs,
    result: output.text ?? "",
    ...(error ? { error } : {}),
  };
}
