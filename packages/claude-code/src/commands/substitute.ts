import type { MarkdownCommand } from "./discover.js";

/** Values for the `${CLAUDE_*}` variables a template may use. */
export interface TemplateVariables {
  sessionId?: string;
  projectDir: string;
  /** A plugin's persistent data folder (`${CLAUDE_PLUGIN_DATA}`). */
  pluginData?: string;
}

/**
 * Fills a command's template as Claude Code does (skills reference, "Available string
 * substitutions"): `$ARGUMENTS` is everything typed after the name; `$ARGUMENTS[N]` and `$N` the
 * Nth word, counted from 0 (quotes group words); `$name` a word named in `arguments`. An index
 * with no word stays as written; a named one with no word is empty. `\$1` is a literal `$1`.
 * `${CLAUDE_SESSION_ID}`, `${CLAUDE_PROJECT_DIR}`, `${CLAUDE_SKILL_DIR}` (skills) and
 * `${CLAUDE_PLUGIN_ROOT}`, `${CLAUDE_PLUGIN_DATA}` (plugins) are filled in. A template that uses
 * no argument placeholder gets non-empty arguments appended as `ARGUMENTS: …`, so none is lost.
 */
export function substituteArguments(command: MarkdownCommand, args: string, vars: TemplateVariables): string {
  const all = args.trim();
  const words = splitArgs(all);
  const names = command.argumentNames ?? [];
  // The named group is always there (matching nothing without names), so the groups keep their places.
  const namePattern = `|(${names.length ? names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") : "(?!)"})(?![A-Za-z0-9_])`;
  const placeholder = new RegExp(
    `(\\\\?)\\$(?:(ARGUMENTS)\\[(\\d+)\\]|(ARGUMENTS)(?![A-Za-z0-9_\\[])|(\\d+)(?![0-9])${namePattern})`,
    "g",
  );
  let used = false;
  let text = command.body.replace(
    placeholder,
    (
      match,
      backslash: string,
      _indexed: string | undefined,
      index?: string,
      _all?: string,
      digit?: string,
      named?: string,
    ) => {
      if (backslash) return match.slice(1);
      used = true;
      if (index !== undefined || digit !== undefined) return words[Number(index ?? digit)] ?? match;
      if (named !== undefined) return words[names.indexOf(named)] ?? "";
      return all;
    },
  );
  text = text
    .replace(/\$\{CLAUDE_SESSION_ID\}/g, () => vars.sessionId ?? "")
    .replace(/\$\{CLAUDE_PROJECT_DIR\}/g, () => vars.projectDir);
  if (command.dir) text = text.replace(/\$\{CLAUDE_SKILL_DIR\}/g, () => command.dir!);
  if (command.plugin) {
    text = text.replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, () => command.plugin!.root);
    if (vars.pluginData) text = text.replace(/\$\{CLAUDE_PLUGIN_DATA\}/g, () => vars.pluginData!);
  }
  text = text.trim();
  if (!used && all) text += `\n\nARGUMENTS: ${all}`;
  return text;
}

/** Words as a shell would group them for the simple cases: `a "b c" 'd'` → [a, b c, d]. */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : (match[2] ?? match[3] ?? ""));
  }
  return words;
}
