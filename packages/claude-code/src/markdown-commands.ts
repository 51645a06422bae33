import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isFile } from "@pincer/host";
import { listField, parseFrontMatter, stringField } from "./front-matter.js";
import { loadClaudePlugins } from "./plugins/claude-plugin.js";
import type { ClaudePlugin } from "./plugins/claude-plugin-read.js";

/**
 * Slash commands written as markdown (Claude Code's custom commands): `<name>.md` whose front
 * matter may give `description`, `argument-hint`, `allowed-tools` and `model`, and whose body is
 * a prompt template: `$ARGUMENTS` is everything after the command, `$1`, `$2`… its words.
 */
export interface MarkdownCommand {
  /** What the user types after `/`: the file name, or `<plugin>:<file name>` for a plugin's. */
  name: string;
  description?: string;
  argumentHint?: string;
  allowedTools?: string[];
  model?: string;
  /** The template: the file without its front matter. */
  body: string;
  file: string;
  scope: "project" | "user" | "plugin";
  /** The plugin it came from, and that plugin's folder (`${CLAUDE_PLUGIN_ROOT}` in the body). */
  plugin?: { name: string; root: string };
}

export interface MarkdownCommandContext {
  cwd: string;
  /** PINCER_HOME. */
  home: string;
  /** A file that cannot be used becomes a line here; absent: skipped silently. */
  warnings?: string[];
  /** Installed Claude Code plugins, when the caller has read them already. */
  plugins?: ClaudePlugin[];
}

/**
 * Every markdown command, nearest first: `.pincer/commands`, `.claude/commands` (the project's),
 * `PINCER_HOME/commands` (the user's), then installed Claude Code plugins' `commands/`. A name
 * defined twice keeps the nearest. Plugin commands are named `<plugin>:<command>`; see
 * findMarkdownCommand for the short form.
 */
export function listMarkdownCommands(ctx: MarkdownCommandContext): MarkdownCommand[] {
  const warnings = ctx.warnings ?? [];
  const commands = new Map<string, MarkdownCommand>();
  const add = (command: MarkdownCommand | undefined) => {
    if (command && !commands.has(command.name)) commands.set(command.name, command);
  };
  const roots: Array<{ dir: string; scope: "project" | "user" }> = [
    { dir: join(ctx.cwd, ".pincer", "commands"), scope: "project" },
    { dir: join(ctx.cwd, ".claude", "commands"), scope: "project" },
    { dir: join(ctx.home, "commands"), scope: "user" },
  ];
  for (const root of roots) {
    for (const file of mdFiles(root.dir)) add(readCommand(file, basename(file, ".md"), root.scope, warnings));
  }
  for (const plugin of ctx.plugins ?? loadClaudePlugins(ctx.home, warnings)) {
    for (const file of plugin.commandFiles) {
      add(
        readCommand(file, `${plugin.name}:${basename(file, ".md")}`, "plugin", warnings, {
          name: plugin.name,
          root: plugin.root,
        }),
      );
    }
  }
  return [...commands.values()];
}

/**
 * The command `/name` means: an exact name first, then a plugin command whose short name
 * (after `<plugin>:`) is `name` when only one plugin has it.
 */
export function findMarkdownCommand(commands: MarkdownCommand[], name: string): MarkdownCommand | undefined {
  const exact = commands.find((command) => command.name === name);
  if (exact) return exact;
  const short = commands.filter((command) => command.plugin && command.name === `${command.plugin.name}:${name}`);
  return short.length === 1 ? short[0] : undefined;
}

/**
 * The prompt a command sends: `$ARGUMENTS` → all of `args`, `$1`…`$9` → its words (quotes group
 * words), `${CLAUDE_PLUGIN_ROOT}` → the plugin's folder. A template without `$ARGUMENTS` gets
 * non-empty args appended as `ARGUMENTS: …`, as Claude Code does, so they are never lost.
 */
export function expandMarkdownCommand(command: MarkdownCommand, args: string): string {
  const all = args.trim();
  const words = splitArgs(all);
  const usesArguments = /\$ARGUMENTS\b/.test(command.body);
  let text = command.body
    .replace(/\$ARGUMENTS\b/g, () => all)
    .replace(/\$([1-9])(?![0-9])/g, (_m, n: string) => {
      return words[Number(n) - 1] ?? "";
    });
  if (command.plugin) text = text.replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, () => command.plugin!.root);
  text = text.trim();
  if (!usesArguments && !/\$[1-9]/.test(command.body) && all) text += `\n\nARGUMENTS: ${all}`;
  return text;
}

/**
 * `/name rest of line` → the expanded prompt when `name` is a markdown command; undefined when
 * the text is not a slash command or names none (it is then sent as it is).
 */
export function expandSlashPrompt(prompt: string, ctx: MarkdownCommandContext): string | undefined {
  const match = /^\/([A-Za-z0-9_.:-]+)(?:\s+([\s\S]*))?$/.exec(prompt.trim());
  if (!match) return undefined;
  const command = findMarkdownCommand(listMarkdownCommands(ctx), match[1]!);
  return command ? expandMarkdownCommand(command, match[2] ?? "") : undefined;
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

function readCommand(
  file: string,
  name: string,
  scope: MarkdownCommand["scope"],
  warnings: string[],
  plugin?: { name: string; root: string },
): MarkdownCommand | undefined {
  let parsed: ReturnType<typeof parseFrontMatter>;
  try {
    parsed = parseFrontMatter(readFileSync(file, "utf8"));
  } catch (error) {
    warnings.push(`Skipped command ${file}: ${(error as Error).message}.`);
    return undefined;
  }
  const description = stringField(parsed.data, "description");
  const argumentHint = stringField(parsed.data, "argument-hint");
  const allowedTools = listField(parsed.data, "allowed-tools");
  const model = stringField(parsed.data, "model");
  return {
    name,
    // Claude Code shows the body's first line when there is no description.
    ...(description || firstLine(parsed.body) ? { description: description ?? firstLine(parsed.body) } : {}),
    ...(argumentHint ? { argumentHint } : {}),
    ...(allowedTools ? { allowedTools } : {}),
    ...(model ? { model } : {}),
    body: parsed.body,
    file,
    scope,
    ...(plugin ? { plugin } : {}),
  };
}

function firstLine(body: string): string | undefined {
  const line = body
    .split("\n")
    .map((item) => item.trim())
    .find(Boolean);
  return line ? line.replace(/^#+\s*/, "").slice(0, 100) : undefined;
}

function mdFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".md") && isFile(join(dir, name)))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
