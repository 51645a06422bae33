/**
 * Shell command matching with Claude Code's semantics: `npm test:*` is a prefix on word
 * boundaries, a pattern without `:*` is the whole command (`*` a wildcard), and a compound
 * command is judged part by part.
 *
 * The two directions are asymmetric on purpose. Deny and ask rules look through everything that
 * can hide a command (`sudo`, `env`, `xargs`, `sh -c`, `eval`, `find -exec`, `$(…)`, `/bin/rm`,
 * quotes), so they err toward matching. Allow rules mean what they say: they look through only
 * shell grammar and harmless variables (`CI=1`), must cover every part, never cover what they
 * cannot see (`$(…)`, backticks, here-documents), and must spell out every word that makes a
 * command write a file or run another one (`> file`, `find -delete`, `timeout 5 <cmd>`; see
 * command-risks.ts), so they err toward asking.
 */

import {
  fileRedirections,
  programName,
  programRisks,
  type RiskyWord,
  SHELLS,
  WRAPPERS,
  wrappedCommandIndex,
} from "./command-risks.js";
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

const options = (list: string): string[] => list.split(" ").filter(Boolean);

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

/**
 * Removes one layer of grammar, assignment or wrapper from the front of a command; undefined
 * when there is none. `transparent` peels only what an allow rule may look through: grammar and
 * harmless variables, never a program (a wrapper runs another command, which a rule must name).
 */
function unwrapOnce(words: readonly ShellWord[], mode: "transparent" | "all"): ShellWord[] | undefined {
  const [first, ...rest] = words;
  if (!first) return undefined;
  if (LEADING_KEYWORDS.has(first.raw)) return rest;
  if (isAssignment(first)) return mode === "all" || isHarmlessAssignment(first) ? rest : undefined;
  if (mode === "transparent") return undefined;
  const name = programName(first);
  const spec = Object.hasOwn(WRAPPERS, name) ? WRAPPERS[name] : undefined;
  return spec ? words.slice(wrappedCommandIndex(words, 0, spec)) : undefined;
}

/** The command under all the wrappers `mode` looks through. */
export function stripWrappers(words: readonly ShellWord[], mode: "transparent" | "all"): ShellWord[] {
  let current = [...words];
  for (let next = unwrapOnce(current, mode); next; next = unwrapOnce(current, mode)) current = next;
  return current;
}

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

/** One form of a part that an allow pattern may match, and how much of it the pattern must spell out. */
export interface AllowView {
  text: string;
  /** A pattern's literal text (before any `*`) must reach this far into `text`: past every risky word. */
  mustName: number;
  /** Why, when `mustName` > 0: the last risky word's reason (`"-delete" deletes files`). */
  why?: string;
}

/**
 * The forms of one part an allow rule may match: as written, and after each harmless variable
 * or keyword in front. Empty for a part that runs nothing (`fi`, `}`).
 */
export function commandAllowViews(part: string): AllowView[] {
  const words = shellWords(part);
  if (words.length === 1 && CLOSING_KEYWORDS.has(words[0]!.raw)) return [];
  // Only grammar and harmless settings (`{`, `then`, `CI=1`): nothing runs.
  const bare = stripWrappers(words, "transparent");
  if (bare.length === 0) return [];
  const views: AllowView[] = [];
  for (let current: ShellWord[] | undefined = words; current && current.length > 0; ) {
    views.push(allowView(current));
    current = unwrapOnce(current, "transparent");
  }
  return views;
}

function allowView(words: readonly ShellWord[]): AllowView {
  const program = words.findIndex((word) => !isAssignment(word) && !LEADING_KEYWORDS.has(word.raw));
  const risky: RiskyWord[] = [...fileRedirections(words), ...(program === -1 ? [] : programRisks(words, program))];
  const text = joinWords(words, "raw");
  const last = risky.reduce<RiskyWord | undefined>(
    (max, word) => (!max || word.index > max.index ? word : max),
    undefined,
  );
  if (!last) return { text, mustName: 0 };
  const mustName = joinWords(words.slice(0, last.index + 1), "raw").length;
  return { text, mustName, why: last.why };
}

function joinWords(words: readonly ShellWord[], form: "raw" | "value"): string {
  return words.map((word) => word[form]).join(" ");
}

/** A command pattern compiled: the regex, and the length of its literal text before any wildcard. */
interface CompiledPattern {
  regex: RegExp;
  literal: number;
}

/** Rules are few, but suggestions compile patterns made from arbitrary commands: keep the cache bounded. */
const compiledPatterns = new Map<string, CompiledPattern>();
const MAX_COMPILED_PATTERNS = 500;

function compiled(pattern: string): CompiledPattern {
  let found = compiledPatterns.get(pattern);
  if (!found) {
    found = compileCommandPattern(pattern);
    if (compiledPatterns.size >= MAX_COMPILED_PATTERNS) compiledPatterns.clear();
    compiledPatterns.set(pattern, found);
  }
  return found;
}

/**
 * Whether a command (words joined by single spaces) matches a pattern: `npm test:*` and
 * `npm test *` match `npm test` and `npm test …` but not `npm testing`; otherwise the whole
 * command must match, `*` matching anything; `\` makes the next character literal.
 */
export function commandPatternMatches(command: string, pattern: string): boolean {
  return compiled(pattern).regex.test(command);
}

function compileCommandPattern(pattern: string): CompiledPattern {
  const normalized = pattern.trim().replace(/\s+/g, " ");
  const prefix = normalized.endsWith(":*") || (normalized.endsWith(" *") && normalized.length > 2);
  const body = prefix ? normalized.slice(0, -2).trimEnd() : normalized;
  if (prefix && body === "") return { regex: /^.*$/s, literal: 0 };
  let source = "";
  let literal = 0;
  let wildcard = false;
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char === "\\" && index + 1 < body.length) source += escapeRegExp(body[++index]!);
    else if (char === "*") {
      source += ".*";
      wildcard = true;
    } else source += escapeRegExp(char);
    if (!wildcard && char !== "*") literal++;
  }
  return { regex: new RegExp(prefix ? `^${source}(?: .*)?$` : `^${source}$`, "s"), literal };
}

/** Whether a pattern covers one allow view: it matches, and spells out every risky word. */
function viewCoveredBy(view: AllowView, pattern: string): boolean {
  const { regex, literal } = compiled(pattern);
  return literal >= view.mustName && regex.test(view.text);
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
  return commandAllowViews(part).some((view) => viewCoveredBy(view, pattern));
}

export type CommandCoverage =
  /** `patternIndexes[i]` is the pattern covering the i-th part that runs something. */
  | { covered: true; patternIndexes: number[] }
  | { covered: false; opaque: "substitution" | "here-document" | "unterminated quote" }
  | { covered: false; uncoveredPart: string | undefined; why?: string };

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
    const index = patterns.findIndex((pattern) => views.some((view) => viewCoveredBy(view, pattern)));
    if (index === -1) {
      // Say why when a rule matched but did not name a risky word: the user learns what to write.
      const named = views.find(
        (view) => view.why && patterns.some((pattern) => commandPatternMatches(view.text, pattern)),
      );
      return { covered: false, uncoveredPart: part, ...(named?.why ? { why: named.why } : {}) };
    }
    patternIndexes.push(index);
  }
  // An empty command runs nothing, but there is nothing to approve either: leave it to the mode.
  if (patternIndexes.length === 0) return { covered: false, uncoveredPart: undefined };
  return { covered: true, patternIndexes };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
