/**
 * Shell command matching with Claude Code's semantics: `npm test:*` is a prefix on word
 * boundaries, a pattern without `:*` is the whole command (`*` a wildcard), and a compound
 * command is judged part by part.
 *
 * The two directions are asymmetric on purpose. Deny and ask rules look through everything that
 * can hide a command (`sudo`, `env`, `xargs`, `sh -c`, `eval`, `find -exec`, `$(…)`, `/bin/rm`,
 * quotes), so they err toward matching. Allow rules look through only wrappers that leave the
 * command's effect alone (`timeout`, `nice`, `nohup`, `time`, `stdbuf`, harmless variables),
 * must cover every part, and never cover what they cannot see (`$(…)`, backticks, here-documents),
 * so they err toward asking.
 */

import { hasCommandSubstitution, hasHereDocument, type ShellWord, scanCommand, shellWords } from "./shell-syntax.js";

export {
  hasCommandSubstitution,
  hasHereDocument,
  type ScannedCommand,
  type ShellWord,
  scanCommand,
  shellWords,
  splitCommand,
} from "./shell-syntax.js";

interface WrapperSpec {
  /** Options that take the following word as their value. */
  valueOptions: readonly string[];
  /** Positional arguments before the command (`timeout`'s duration). */
  positionals?: number;
  /** Takes `VAR=value` words before the command (`env`). */
  assignments?: boolean;
  /** Runs the command unchanged, so an allow rule for the command may look through it. */
  transparent: boolean;
}

const options = (list: string): string[] => list.split(" ").filter(Boolean);

const WRAPPERS: Record<string, WrapperSpec> = {
  timeout: { valueOptions: options("-s --signal -k --kill-after"), positionals: 1, transparent: true },
  time: { valueOptions: options("-f --format -o --output"), transparent: true },
  nice: { valueOptions: options("-n --adjustment"), transparent: true },
  nohup: { valueOptions: [], transparent: true },
  stdbuf: { valueOptions: options("-i -o -e --input --output --error"), transparent: true },
  env: { valueOptions: options("-u --unset -C --chdir -S --split-string"), assignments: true, transparent: true },
  // These change who runs the command or what it receives: deny and ask rules look through them, allow rules don't.
  sudo: { valueOptions: options("-u -g -C -D -h -p -r -t -U -T --user --group"), transparent: false },
  doas: { valueOptions: options("-u -C"), transparent: false },
  command: { valueOptions: [], transparent: false },
  builtin: { valueOptions: [], transparent: false },
  exec: { valueOptions: options("-a"), transparent: false },
  xargs: {
    valueOptions: options("-I -n -P -L -s -d -E -a --max-args --max-procs --delimiter --arg-file"),
    transparent: false,
  },
};

/** Shell grammar that can precede a command without changing which command runs. */
const LEADING_KEYWORDS = new Set(["!", "{", "if", "then", "else", "elif", "do", "while", "until"]);
/** Parts that are only the end of a compound statement run nothing. */
const CLOSING_KEYWORDS = new Set(["}", "fi", "done", "esac"]);

/**
 * Variables an allow rule may look past: they tune output, not which code runs.
 * `PATH`, `LD_PRELOAD`, `NODE_OPTIONS` and the like could turn an allowed command into any program.
 */
const HARMLESS_VARIABLES = new Set([
  ...options("CI COLUMNS DEBUG FORCE_COLOR LANG LANGUAGE LINES NO_COLOR NODE_ENV TERM TZ"),
  ...options("PYTHONDONTWRITEBYTECODE PYTHONUNBUFFERED RUST_BACKTRACE RUST_LOG"),
]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

export function isAssignment(word: ShellWord): boolean {
  return ASSIGNMENT.test(word.raw);
}

function isHarmlessAssignment(word: ShellWord): boolean {
  const name = word.raw.slice(0, word.raw.indexOf("=")).replace(/\+$/, "");
  return HARMLESS_VARIABLES.has(name) || name.startsWith("LC_");
}

/** Whether a word names a wrapper that runs the command after it (`sudo`, `timeout`, `xargs`, …). */
export function isWrapper(word: ShellWord): boolean {
  return Object.hasOwn(WRAPPERS, programName(word));
}

/** `/usr/bin/rm` → `rm`. */
function programName(word: ShellWord): string {
  return word.value.slice(word.value.lastIndexOf("/") + 1);
}

/**
 * Removes one layer of grammar, assignment or wrapper from the front of a command; undefined
 * when there is none. `transparent` peels only what an allow rule may look through.
 */
function unwrapOnce(words: readonly ShellWord[], mode: "transparent" | "all"): ShellWord[] | undefined {
  const [first, ...rest] = words;
  if (!first) return undefined;
  if (LEADING_KEYWORDS.has(first.raw)) return rest;
  if (isAssignment(first)) return mode === "all" || isHarmlessAssignment(first) ? rest : undefined;
  // An allow rule looks through `timeout`, never through `/tmp/x/timeout`.
  const name = mode === "all" ? programName(first) : first.raw;
  const spec = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined;
  if (!spec || (mode === "transparent" && !spec.transparent)) return undefined;
  let index = 0;
  while (index < rest.length) {
    const option = rest[index]!.value;
    if (option === "--") {
      index++;
      break;
    }
    if (!option.startsWith("-") || option === "-") break;
    // `env -i`, `env -S "…"`: the environment or the command itself is rewritten.
    if (mode === "transparent" && name === "env") return undefined;
    index += spec.valueOptions.includes(option) ? 2 : 1;
  }
  index += spec.positionals ?? 0;
  while (spec.assignments && rest[index] && isAssignment(rest[index]!)) {
    if (mode === "transparent" && !isHarmlessAssignment(rest[index]!)) return undefined;
    index++;
  }
  return rest.slice(index);
}

/** The command under all the wrappers `mode` looks through. */
export function stripWrappers(words: readonly ShellWord[], mode: "transparent" | "all"): ShellWord[] {
  let current = [...words];
  for (let next = unwrapOnce(current, mode); next; next = unwrapOnce(current, mode)) current = next;
  return current;
}

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "fish"]);

/** Commands that `sh -c '…'`, `eval …` and `find -exec … ;` run on the words' behalf. */
function innerCommands(words: readonly ShellWord[]): string[] {
  const [first, ...rest] = words;
  if (!first) return [];
  const program = programName(first);
  if (program === "eval") return [rest.map((word) => word.value).join(" ")];
  if (SHELLS.has(program)) {
    const flag = rest.findIndex((word) => /^-[A-Za-z]*c[A-Za-z]*$/.test(word.value));
    const script = flag === -1 ? undefined : rest.slice(flag + 1).find((word) => !word.value.startsWith("-"));
    return script ? [script.value] : [];
  }
  if (program === "find") {
    const found: string[] = [];
    rest.forEach((word, index) => {
      if (!/^-(exec|execdir|ok|okdir)$/.test(word.value)) return;
      const end = rest.findIndex((w, i) => i > index && (w.value === ";" || w.value === "+"));
      found.push(
        rest
          .slice(index + 1, end === -1 ? undefined : end)
          .map((w) => w.raw)
          .join(" "),
      );
    });
    return found;
  }
  return [];
}

/** The most nesting a deny rule parses (`bash -c "sh -c '…'"`). */
const MAX_DEPTH = 8;

/**
 * Every form of every command a command line runs, for deny and ask rules: each part, each
 * substitution, each `sh -c` script, before and after each wrapper, quoted and unquoted, with
 * and without the program's directory.
 */
export function commandHitViews(command: string, depth = 0): string[] {
  if (depth > MAX_DEPTH) {
    // Too deep to parse: take every word as a possible command start, so deny rules still match.
    const words = command
      .replace(/['"`\\]/g, "")
      .split(/[\s;&|()]+/)
      .filter(Boolean);
    // A window of words is enough to match a command's start, and keeps a huge input linear.
    return words.map((_, index) => words.slice(index, index + 64).join(" "));
  }
  const { parts, substitutions } = scanCommand(command);
  const views: string[] = [];
  for (const part of parts) {
    let words: ShellWord[] | undefined = shellWords(part);
    while (words && words.length > 0) {
      views.push(joinWords(words, "raw"), joinWords(words, "value"));
      if (words[0]!.value.includes("/")) {
        views.push([programName(words[0]!), ...words.slice(1).map((word) => word.value)].join(" "));
      }
      for (const inner of innerCommands(words)) views.push(...commandHitViews(inner, depth + 1));
      words = unwrapOnce(words, "all");
    }
  }
  for (const body of substitutions) views.push(...commandHitViews(body, depth + 1));
  return views;
}

/**
 * The forms of one part an allow rule may match: as written, and after each wrapper that leaves
 * it unchanged. Empty for a part that runs nothing (`fi`, `}`).
 */
export function commandAllowViews(part: string): string[] {
  const words = shellWords(part);
  if (words.length === 1 && CLOSING_KEYWORDS.has(words[0]!.raw)) return [];
  // Only grammar and harmless settings (`{`, `then`, `CI=1`): nothing runs.
  if (stripWrappers(words, "transparent").length === 0) return [];
  const views: string[] = [];
  for (let current: ShellWord[] | undefined = words; current && current.length > 0; ) {
    views.push(joinWords(current, "raw"));
    current = unwrapOnce(current, "transparent");
  }
  return views;
}

function joinWords(words: readonly ShellWord[], form: "raw" | "value"): string {
  return words.map((word) => word[form]).join(" ");
}

/** Rules are few, but suggestions compile patterns made from arbitrary commands: keep the cache bounded. */
const compiledPatterns = new Map<string, RegExp>();
const MAX_COMPILED_PATTERNS = 500;

/**
 * Whether a command (words joined by single spaces) matches a pattern: `npm test:*` and
 * `npm test *` match `npm test` and `npm test …` but not `npm testing`; otherwise the whole
 * command must match, `*` matching anything; `\` makes the next character literal.
 */
export function commandPatternMatches(command: string, pattern: string): boolean {
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    regex = compileCommandPattern(pattern);
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(pattern, regex);
  }
  return regex.test(command);
}

function compileCommandPattern(pattern: string): RegExp {
  const normalized = pattern.trim().replace(/\s+/g, " ");
  const prefix = normalized.endsWith(":*") || (normalized.endsWith(" *") && normalized.length > 2);
  const body = prefix ? normalized.slice(0, -2).trimEnd() : normalized;
  if (prefix && body === "") return /^.*$/s;
  let source = "";
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char === "\\" && index + 1 < body.length) source += escapeRegExp(body[++index]!);
    else source += char === "*" ? ".*" : escapeRegExp(char);
  }
  return new RegExp(prefix ? `^${source}(?: .*)?$` : `^${source}$`, "s");
}

/** Makes text match itself literally inside a command pattern (and keeps a rule's parentheses balanced). */
export function escapeCommandPattern(text: string): string {
  return text.replace(/[\\*()]/g, "\\$&");
}

/** For deny and ask rules: any form of any part matching is enough. */
export function commandHitBy(command: string, pattern: string): boolean {
  return commandHitViews(command).some((view) => commandPatternMatches(view, pattern));
}

/** For allow rules: whether one part (no operators) is covered by a pattern. */
export function commandPartCoveredBy(part: string, pattern: string): boolean {
  return commandAllowViews(part).some((view) => commandPatternMatches(view, pattern));
}

export type CommandCoverage =
  /** `patternIndexes[i]` is the pattern covering the i-th part that runs something. */
  | { covered: true; patternIndexes: number[] }
  | { covered: false; opaque: "substitution" | "here-document" | "unterminated quote" }
  | { covered: false; uncoveredPart: string | undefined };

/**
 * Whether allow patterns cover a command: every part by some pattern
 * (`npm test 2>&1 | tee log` by `npm test:*` and `tee:*`), and nothing hidden from view.
 */
export function commandCoverage(command: string, patterns: readonly string[]): CommandCoverage {
  if (hasCommandSubstitution(command)) return { covered: false, opaque: "substitution" };
  if (hasHereDocument(command)) return { covered: false, opaque: "here-document" };
  const { parts, unterminated } = scanCommand(command);
  if (unterminated) return { covered: false, opaque: "unterminated quote" };
  const patternIndexes: number[] = [];
  for (const part of parts) {
    const views = commandAllowViews(part);
    if (views.length === 0) continue;
    const index = patterns.findIndex((pattern) => views.some((view) => commandPatternMatches(view, pattern)));
    if (index === -1) return { covered: false, uncoveredPart: part };
    patternIndexes.push(index);
  }
  // An empty command runs nothing, but there is nothing to approve either: leave it to the mode.
  if (patternIndexes.length === 0) return { covered: false, uncoveredPart: undefined };
  return { covered: true, patternIndexes };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
