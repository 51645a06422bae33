/**
 * A command's arguments as words, and a small declared-options parser for them, so every plugin
 * command reads `pincer <name> [args…]` (and `/name args`) the same way: `--flag value`,
 * `--flag=value`, `-f value`, `--no-flag` for a boolean, `--` before words that start with a dash.
 * It runs inside the plugin's sandbox (no Node there), so it is plain code with no imports.
 */

/** How a command ended, as its exit code: what scripts that run `pincer <name>` read. */
export const COMMAND_EXIT = {
  /** It did what it was asked. */
  done: 0,
  /** It failed, or was stopped (a limit, a budget, an error). */
  failed: 1,
  /** It was called wrongly: an unknown flag, a missing argument, a bad file it was given. */
  usage: 2,
  /** It finished, but with problems left that a person must look at: a script must not take it for success. */
  problems: 3,
  /** Ctrl-C (SIGINT) interrupted it. */
  interrupted: 130,
} as const;

export type CommandExitCode = (typeof COMMAND_EXIT)[keyof typeof COMMAND_EXIT];

/** Whether a value is one of the exit codes a command may answer with. */
export function isCommandExitCode(value: unknown): value is CommandExitCode {
  return typeof value === "number" && Object.values(COMMAND_EXIT).includes(value as CommandExitCode);
}

/**
 * A mistake in how a command was called: thrown by parseCommandArgs, or by a command itself. A
 * command that lets it escape ends with exit code 2 and its message (no "failed:" prefix).
 */
export class CommandUsageError extends Error {
  override name = "CommandUsageError";
  readonly exitCode: CommandExitCode = COMMAND_EXIT.usage;
}

export interface CommandOption {
  type: "string" | "number" | "boolean";
  /** One letter: `-n 3` for `--count 3`. */
  short?: string;
  /** One line for the command's help. */
  description?: string;
  /** A string option given more than once collects every value (a list); others keep the last. */
  multiple?: boolean;
  /** The values a string option may take; anything else is a usage error naming them. */
  choices?: readonly string[];
  /** What it is when not given (a boolean's default is false only when set here). */
  default?: string | number | boolean;
  /** For the help: what the value is, `--runner <local|hf>`. */
  placeholder?: string;
}

export interface CommandArgsSpec {
  /** Options by long name, as typed after `--` (`max-calls`); `help` (and `-h`) is always known. */
  options?: Record<string, CommandOption>;
  /** Most words besides options (default: any number). */
  maxPositionals?: number;
}

type OptionValue<O extends CommandOption> = O["type"] extends "boolean"
  ? boolean
  : O["type"] extends "number"
    ? number
    : O["multiple"] extends true
      ? string[]
      : string;

export interface ParsedCommandArgs<S extends CommandArgsSpec> {
  /** Each option given (or defaulted), by its long name. */
  values: { [K in keyof S["options"]]?: S["options"][K] extends CommandOption ? OptionValue<S["options"][K]> : never };
  /** The words that are not options, in order. */
  positionals: string[];
  /** `--help` or `-h` was given: answer with the command's help instead of running it. */
  help: boolean;
}

/**
 * Parses `argv` against the declared options. Throws CommandUsageError naming the mistake (an
 * unknown option, with the closest known name; a missing or wrong value; too many words).
 */
export function parseCommandArgs<const S extends CommandArgsSpec>(
  argv: readonly string[],
  spec: S,
): ParsedCommandArgs<S> {
  const options: Record<string, CommandOption> = spec.options ?? {};
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  let help = false;
  const byShort = new Map(
    Object.entries(options).flatMap(([name, option]) => (option.short ? [[option.short, name] as const] : [])),
  );
  const set = (name: string, option: CommandOption, raw: string | boolean, as: string) => {
    if (option.type === "boolean") {
      values[name] = raw === true || raw === "true" ? true : raw === false || raw === "false" ? false : fail();
      return;
    }
    if (typeof raw !== "string") throw new CommandUsageError(`${as} needs a value.`);
    if (option.type === "number") {
      const number = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(number)) {
        throw new CommandUsageError(`${as} takes a number, not ${JSON.stringify(raw)}.`);
      }
      values[name] = number;
      return;
    }
    if (option.choices && !option.choices.includes(raw)) {
      throw new CommandUsageError(`${as} must be one of ${option.choices.join(", ")} (got ${JSON.stringify(raw)}).`);
    }
    values[name] = option.multiple ? [...((values[name] as string[] | undefined) ?? []), raw] : raw;
    function fail(): never {
      throw new CommandUsageError(`${as} is a switch: write ${as} or --no-${name}, not ${as}=${String(raw)}.`);
    }
  };
  for (let index = 0; index < argv.length; index++) {
    const word = String(argv[index]);
    if (word === "--") {
      positionals.push(...argv.slice(index + 1).map(String));
      break;
    }
    if (word === "--help" || word === "-h") {
      help = true;
      continue;
    }
    if (word.startsWith("--") && word.length > 2) {
      const equals = word.indexOf("=");
      const typed = word.slice(2, equals < 0 ? undefined : equals);
      const inline = equals < 0 ? undefined : word.slice(equals + 1);
      const negated = typed.startsWith("no-") && options[typed.slice(3)]?.type === "boolean";
      const name = negated ? typed.slice(3) : typed;
      const option = options[name];
      if (!option) throw unknownOption(`--${typed}`, Object.keys(options));
      if (negated) {
        if (inline !== undefined) throw new CommandUsageError(`--no-${name} takes no value.`);
        values[name] = false;
      } else if (option.type === "boolean") set(name, option, inline ?? true, `--${name}`);
      else if (inline !== undefined) set(name, option, inline, `--${name}`);
      else {
        const next = argv[index + 1];
        if (next === undefined || (next.startsWith("-") && next.length > 1 && !/^-\d/.test(next))) {
          throw new CommandUsageError(`--${name} needs a value${option.placeholder ? `: ${option.placeholder}` : ""}.`);
        }
        set(name, option, next, `--${name}`);
        index++;
      }
      continue;
    }
    if (word.startsWith("-") && word.length > 1 && !/^-\d/.test(word)) {
      const letter = word.slice(1, 2);
      const name = byShort.get(letter);
      const option = name ? options[name] : undefined;
      if (!name || !option) throw unknownOption(word, Object.keys(options));
      if (option.type === "boolean") {
        if (word.length > 2) throw new CommandUsageError(`-${letter} takes no value.`);
        values[name] = true;
      } else if (word.length > 2) set(name, option, word.slice(2), `-${letter}`);
      else {
        const next = argv[index + 1];
        if (next === undefined) throw new CommandUsageError(`-${letter} needs a value.`);
        set(name, option, next, `-${letter}`);
        index++;
      }
      continue;
    }
    positionals.push(word);
  }
  for (const [name, option] of Object.entries(options)) {
    if (values[name] === undefined && option.default !== undefined) values[name] = option.default;
  }
  if (!help && spec.maxPositionals !== undefined && positionals.length > spec.maxPositionals) {
    const extra = positionals.slice(spec.maxPositionals).map((word) => JSON.stringify(word));
    throw new CommandUsageError(
      `Too many arguments: ${extra.join(" ")}${spec.maxPositionals === 1 ? " (put a text with spaces in quotes)" : ""}.`,
    );
  }
  return { values, positionals, help } as ParsedCommandArgs<S>;
}

/** The options of a spec as help lines: `  --runner <local|hf>  Where training runs`. */
export function formatCommandOptions(spec: CommandArgsSpec): string {
  const rows = Object.entries(spec.options ?? {}).map(([name, option]) => {
    const value =
      option.type === "boolean"
        ? option.default === true
          ? `, --no-${name}`
          : ""
        : ` <${option.placeholder ?? option.choices?.join("|") ?? option.type}>`;
    const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${value}`;
    return [flag, option.description ?? ""] as const;
  });
  rows.push(["-h, --help", "Show this help"]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`.trimEnd()).join("\n");
}

/**
 * `/name args` typed as one line, split into words as a shell would: spaces separate, quotes
 * ('…' or "…") keep a text with spaces together, a backslash escapes the next character. What a
 * slash command gets as `ctx.argv` (on the command line, the shell has done this already).
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && index + 1 < text.length) current += text[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === "\\" && index + 1 < text.length) {
      current += text[++index];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(current);
      current = "";
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw new CommandUsageError(`An unclosed ${quote} in: ${text}`);
  if (started) words.push(current);
  return words;
}

function unknownOption(typed: string, known: string[]): CommandUsageError {
  const bare = typed.replace(/^-+/, "");
  const close = known.find((name) => name.startsWith(bare) || bare.startsWith(name) || closeTo(bare, name));
  const hint = close ? ` Did you mean --${close}?` : "";
  const list = known.length ? ` Options: ${known.map((name) => `--${name}`).join(", ")}, --help.` : "";
  return new CommandUsageError(`Unknown option ${typed}.${hint}${list}`);
}

/** One edit apart (a typo), for the did-you-mean. */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let edits = 0;
  for (let i = 0, j = 0; i < a.length || j < b.length; ) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return true;
}
