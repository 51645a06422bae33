import { dirname, isAbsolute, relative } from "node:path";
import { commandWords } from "./command.js";
import type { PermissionAction, PermissionRequest, PermissionRule, RuleSource } from "./types.js";

const SUBCOMMAND_TOOLS = new Set([
  "npm",
  "pnpm",
  "yarn",
  "bun",
  "deno",
  "npx",
  "git",
  "gh",
  "cargo",
  "go",
  "docker",
  "kubectl",
  "pip",
  "uv",
  "poetry",
  "make",
  "dotnet",
  "mvn",
  "gradle",
  "terraform",
  "brew",
  "apt-get",
]);

const RULE = /^([A-Za-z0-9_*-]+)(?:\((.*)\))?$/s;

/** `bash(npm test:*)` → { tool: "bash", pattern: "npm test:*" }. Errors show a valid example. */
export function parseRule(text: string, action: PermissionAction, source: RuleSource): PermissionRule {
  const trimmed = text.trim();
  const opens = (trimmed.match(/\(/g) ?? []).length;
  const closes = (trimmed.match(/\)/g) ?? []).length;
  const match = RULE.exec(trimmed);
  if (!trimmed || opens !== closes || !match) {
    throw new Error(
      `"${text}" is not a permission rule. Write a tool name, optionally with a pattern in parentheses: "read", "bash(npm test:*)", "write(src/**)".`,
    );
  }
  const pattern = match[2]?.trim();
  if (match[2] !== undefined && !pattern) {
    throw new Error(
      `"${text}" has an empty pattern. Drop the parentheses to match every ${match[1]} call, or write e.g. "${match[1]}(src/**)".`,
    );
  }
  return { action, tool: match[1]!, ...(pattern ? { pattern } : {}), source, text: formatRule(match[1]!, pattern) };
}

export function formatRule(tool: string, pattern?: string): string {
  return pattern ? `${tool}(${pattern})` : tool;
}

/**
 * The rule a UI offers for "always allow this": the command's leading words as a prefix
 * (`npm test -- --watch` → `bash(npm test:*)`), or the file's directory as a glob.
 */
export function suggestRule(request: PermissionRequest): string | undefined {
  const subject = request.subject;
  if (!subject) return request.toolName;
  if (subject.kind === "command") {
    const words = commandWords(subject.value);
    if (words.length === 0) return undefined;
    // Two words for tools whose second word is a subcommand (`npm test`, `git log`), one otherwise.
    const prefix =
      words.length > 1 && SUBCOMMAND_TOOLS.has(words[0]!) && /^[a-z][a-z0-9:-]*$/.test(words[1]!)
        ? words.slice(0, 2)
        : words.slice(0, 1);
    return formatRule(request.toolName, `${prefix.join(" ")}:*`);
  }
  if (subject.kind === "path") {
    const rel = relative(request.cwd, dirname(subject.value));
    if (rel.startsWith("..") || isAbsolute(rel)) return formatRule(request.toolName, `${dirname(subject.value)}/**`);
    return formatRule(request.toolName, rel ? `${rel}/**` : "**");
  }
  return formatRule(request.toolName, subject.value);
}
