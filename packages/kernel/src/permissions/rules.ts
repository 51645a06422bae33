import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, relative, sep } from "node:path";
import picomatch from "picomatch";
import {
  commandAllowViews,
  commandPartCoveredBy,
  escapeCommandPattern,
  hasCommandSubstitution,
  hasHereDocument,
  isAssignment,
  isWrapper,
  type ShellWord,
  scanCommand,
  shellWords,
  stripWrappers,
} from "./command.js";
import { WRAPPERS, wrappedCommandIndex } from "./command-risks.js";
import { escapeGlob, pathCoveredBy, resolvePath } from "./paths.js";
import type { PermissionAction, PermissionRequest, PermissionRule, RuleSource } from "./types.js";

/** Tool names as plugins may declare them, plus `*` for a family (`mcp__github__*`). */
const TOOL_NAME = /^[A-Za-z0-9_*-]+$/;

const EXAMPLES = `e.g. "bash", "bash(npm test:*)" or "write(src/**)"`;

/**
 * `bash(npm test:*)` → `{ tool: "bash", pattern: "npm test:*" }`. The pattern is kept as written
 * between the outer parentheses; a pattern may hold balanced parentheses, or escaped ones (`\(`).
 */
export function parseRule(text: string, action: PermissionAction, source: RuleSource): PermissionRule {
  const trimmed = text.trim();
  if (!trimmed) throw invalidRule(text, "it is empty");
  const open = trimmed.indexOf("(");
  const tool = (open === -1 ? trimmed : trimmed.slice(0, open)).trim();
  if (!tool) throw invalidRule(text, "the tool name before the parentheses is missing");
  if (tool.includes(")")) throw invalidRule(text, 'its parentheses are unbalanced: a ")" comes before any "("');
  if (!TOOL_NAME.test(tool)) {
    throw invalidRule(text, `"${tool}" is not a tool name (letters, digits, _ and -, with * as a wildcard)`);
  }
  if (open === -1) return { action, tool, source, text: tool };

  const close = closingParenthesis(trimmed, open);
  if (close === undefined) {
    throw invalidRule(
      text,
      "its parentheses are unbalanced (pair up a pattern's own parentheses or escape them as \\( \\))",
    );
  }
  if (close !== trimmed.length - 1) {
    throw invalidRule(text, `it has text after the closing parenthesis: "${trimmed.slice(close + 1)}"`);
  }
  const pattern = trimmed.slice(open + 1, close).trim();
  if (!pattern) throw invalidRule(text, `the pattern is empty; drop the parentheses to match every ${tool} call`);
  return { action, tool, pattern, source, text: formatRule({ tool, pattern }) };
}

function invalidRule(text: string, problem: string): Error {
  return new Error(
    `Invalid permission rule "${text}": ${problem}. Write a tool name, optionally with a pattern, ${EXAMPLES}.`,
  );
}

/** Index of the `)` that closes the `(` at `open`, skipping escaped parentheses; undefined if none. */
function closingParenthesis(text: string, open: number): number | undefined {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const char = text[index];
    if (char === "\\") index++;
    else if (char === "(") depth++;
    else if (char === ")" && --depth === 0) return index;
  }
  return undefined;
}

/** The text of a rule, as `parseRule` reads it back. */
export function formatRule(rule: { tool: string; pattern?: string | undefined }): string {
  return rule.pattern ? `${rule.tool}(${rule.pattern})` : rule.tool;
}

/** Programs whose second word picks what they do (`git log`, `npm test`). */
const SUBCOMMAND_PROGRAMS = new Set([
  ..."apt apt-get brew bun cargo deno docker dotnet gh git go gradle".split(" "),
  ..."kubectl make mvn npm npx pip pnpm poetry terraform uv yarn".split(" "),
]);
/** `npm run build`: the script, not `run`, is what the user approves. */
const SCRIPT_RUNNERS = new Set(["run", "run-script", "exec", "x", "dlx"]);
/** Programs that run whatever code their arguments say: "always allow" them only exactly as asked. */
const INTERPRETERS = new Set("sh bash zsh dash ksh fish eval python python3 node ruby perl php".split(" "));
const SUBCOMMAND = /^[a-z][a-z0-9:._-]*$/;
/** Wrappers that change only how long or how nicely a command runs: a prefix may keep them as written. */
const PREFIXABLE_WRAPPERS = new Set(["timeout", "nice", "nohup", "time", "stdbuf"]);

/**
 * The rules a UI offers for "always allow this", each as text; together they allow this call.
 * For a command, its leading words as a prefix (`npm test -- --watch` → `bash(npm test:*)`), one
 * rule per distinct part of a compound command; for a path, its directory as a glob
 * (`src/a/b.ts` → `write(src/a/**)`). Empty when no allow rule could cover the call
 * (a command with `$(…)` asks every time).
 */
export function suggestRules(request: PermissionRequest): string[] {
  const { subject, toolName } = request;
  if (!subject) return [toolName];
  if (subject.kind === "command") {
    const command = subject.value;
    const scanned = scanCommand(command);
    if (hasCommandSubstitution(command) || hasHereDocument(command) || scanned.unterminated) return [];
    const patterns = new Set<string>();
    for (const part of scanned.parts) {
      const pattern = suggestCommandPattern(part);
      if (pattern === null) continue;
      if (pattern === undefined) return [];
      patterns.add(pattern);
    }
    return [...patterns].map((pattern) => formatRule({ tool: toolName, pattern }));
  }
  if (subject.kind === "path") {
    const pattern = suggestPathPattern(subject.value, request.cwd);
    return pattern ? [formatRule({ tool: toolName, pattern })] : [];
  }
  const pattern = escapeGlob(subject.value);
  return picomatch.isMatch(subject.value, pattern, { dot: true, nonegate: true })
    ? [formatRule({ tool: toolName, pattern })]
    : [];
}

/** The one rule to offer, when one rule is enough (see {@link suggestRules}). */
export function suggestRule(request: PermissionRequest): string | undefined {
  const rules = suggestRules(request);
  return rules.length === 1 ? rules[0] : undefined;
}

/** A pattern covering one part; null for a part that runs nothing, undefined when none fits. */
function suggestCommandPattern(part: string): string | null | undefined {
  if (commandAllowViews(part).length === 0) return null;
  const words = shellWords(part);
  const command = stripWrappers(words, "transparent");
  const exact = escapeCommandPattern(words.map((word) => word.raw).join(" "));
  const prefix = prefixWords(command);
  const candidates = prefix ? [`${escapeCommandPattern(prefix.map((word) => word.raw).join(" "))}:*`, exact] : [exact];
  // Offer only what really covers the part: a quoted program, say, is not covered by a bare prefix.
  return candidates.find((pattern) => commandPartCoveredBy(part, pattern));
}

/** The words a prefix rule should keep, or undefined when only the exact command is safe to offer. */
function prefixWords(command: readonly ShellWord[]): ShellWord[] | undefined {
  const [program, second, third] = command;
  if (!program || isAssignment(program)) return undefined;
  // `timeout 60 npm test` → `timeout 60 npm test:*`: the wrapper as written, then the command's prefix.
  if (PREFIXABLE_WRAPPERS.has(program.raw)) {
    const inner = wrappedCommandIndex(command, 0, WRAPPERS[program.raw]!);
    const rest = prefixWords(command.slice(inner));
    return rest ? [...command.slice(0, inner), ...rest] : undefined;
  }
  if (isWrapper(program)) return undefined;
  if (INTERPRETERS.has(program.value)) {
    // `python -m pytest` runs a named module, like a subcommand.
    return /^python3?$/.test(program.value) && second?.value === "-m" && third ? [program, second, third] : undefined;
  }
  if (!SUBCOMMAND_PROGRAMS.has(program.value) || !second || !SUBCOMMAND.test(second.raw)) return [program];
  if (SCRIPT_RUNNERS.has(second.raw) && third && SUBCOMMAND.test(third.raw)) return [program, second, third];
  return [program, second];
}

/**
 * Never broader than the call: inside the cwd, the directory holding the file as a glob
 * (`src/a/b.ts` → `src/a/**`), or the file itself when it sits directly in the cwd (a glob there
 * would cover the whole project); outside the cwd, the file itself (`~/.bashrc`, `/etc/hosts`).
 * A directory the call names is offered as a glob of itself.
 */
function suggestPathPattern(path: string, cwd: string): string | undefined {
  const absolute = resolvePath(path, cwd);
  const directory = isDirectory(absolute);
  const pattern = (() => {
    const inCwd = relativeInside(cwd, absolute);
    if (inCwd !== undefined) {
      if (directory) return inCwd ? `${escapeGlob(inCwd)}/**` : undefined;
      const folder = dirname(inCwd);
      return folder === "." ? escapeGlob(inCwd) : `${escapeGlob(folder)}/**`;
    }
    const inHome = relativeInside(homedir(), absolute);
    const written = inHome ? `~/${escapeGlob(inHome)}` : escapeGlob(absolute);
    return directory ? `${written}/**` : written;
  })();
  return pattern && pathCoveredBy(absolute, pattern, cwd) ? pattern : undefined;
}

/** `path` relative to `base` when inside it ("" for `base` itself), else undefined. */
function relativeInside(base: string, path: string): string | undefined {
  const rel = relative(base, path);
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? undefined : rel;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
