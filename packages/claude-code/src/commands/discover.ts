import { join } from "node:path";
import { claudeHome } from "../claude-home.js";
import { firstParagraph, readDefinitionFile, stringField, toolListField } from "../front-matter.js";
import { loadClaudePlugins } from "../plugins/claude-plugin.js";
import type { ClaudePlugin } from "../plugins/claude-plugin-read.js";
import { markdownTree } from "../plugins/markdown-tree.js";
import { argumentsField, type DefinitionScope, loadSkills, type Skill, type SkillRoot, skillRoots } from "../skills.js";

/**
 * Slash commands written as markdown, as Claude Code reads them: command files
 * (`commands/<subfolder>/<name>.md` → `/<subfolder>:<name>`) and skills the user may invoke
 * (`/<skill>`), whose front matter may give `description`, `argument-hint`, `arguments`,
 * `allowed-tools`, `disallowed-tools` and `model`, and whose body is a prompt template.
 */
export interface MarkdownCommand {
  /** What the user types after `/`. Plugins' are `<plugin>:<name>`. */
  name: string;
  kind: "command" | "skill";
  description?: string;
  argumentHint?: string;
  /** `arguments`: names for the positional arguments (`$name` in the body). */
  argumentNames?: string[];
  /** `allowed-tools`: the tools (and rules) its turn may use. */
  allowedTools?: string[];
  /** `disallowed-tools`: tools its turn may not use. */
  disallowedTools?: string[];
  /** `model`: the model its turn runs on (the session's model comes back after). */
  model?: string;
  /** The template: the file without its front matter. */
  body: string;
  file: string;
  /** A skill's folder (`${CLAUDE_SKILL_DIR}`). */
  dir?: string;
  scope: DefinitionScope;
  /** The plugin it came from, and that plugin's folder (`${CLAUDE_PLUGIN_ROOT}` in the body). */
  plugin?: { name: string; root: string };
}

export interface MarkdownCommandContext {
  cwd: string;
  /** PINCER_HOME. */
  home: string;
  /** The environment, for the user's `~/.claude` (HOME, CLAUDE_CONFIG_DIR); absent: not read. */
  env?: NodeJS.ProcessEnv;
  /** A file that cannot be used becomes a line here; absent: skipped silently. */
  warnings?: string[];
  /** Installed Claude Code plugins, when the caller has read them already. */
  plugins?: ClaudePlugin[];
  /** Skills, when the caller has loaded them already (else read from their folders and the plugins). */
  skills?: Skill[];
}

/** The skill folders of Claude Code plugins, each namespaced by its plugin. */
export function pluginSkillRoots(plugins: readonly ClaudePlugin[]): SkillRoot[] {
  return plugins.flatMap((plugin) =>
    plugin.skillRoots.map((dir) => ({
      dir,
      scope: "plugin" as const,
      plugin: { name: plugin.name, root: plugin.root },
    })),
  );
}

/**
 * Every slash command, first of a name wins: skills the user may invoke first (a skill beats a
 * command of the same name), then command files, the user's before the project's (so a repository
 * cannot replace a command you rely on), then plugins' (namespaced, so they never clash).
 */
export function listMarkdownCommands(ctx: MarkdownCommandContext): MarkdownCommand[] {
  const warnings = ctx.warnings ?? [];
  const plugins = ctx.plugins ?? loadClaudePlugins(ctx.home, warnings);
  const skills =
    ctx.skills ??
    loadSkills(
      [
        ...skillRoots({ cwd: ctx.cwd, pincerHome: ctx.home, ...(ctx.env ? { env: ctx.env } : {}) }),
        ...pluginSkillRoots(plugins),
      ],
      warnings,
    );
  const commands = new Map<string, MarkdownCommand>();
  const add = (command: MarkdownCommand | undefined) => {
    if (command && !commands.has(command.name)) commands.set(command.name, command);
  };
  for (const skill of skills) if (skill.userInvocable) add(skillCommand(skill));
  const roots: Array<{ dir: string; scope: "project" | "user" }> = [
    { dir: join(ctx.home, "commands"), scope: "user" },
    ...(ctx.env ? [{ dir: join(claudeHome(ctx.env), "commands"), scope: "user" as const }] : []),
    { dir: join(ctx.cwd, ".pincer", "commands"), scope: "project" },
    { dir: join(ctx.cwd, ".claude", "commands"), scope: "project" },
  ];
  for (const root of roots) {
    for (const entry of markdownTree(root.dir)) add(readCommand(entry.file, entry.name, root.scope, warnings));
  }
  for (const plugin of plugins) {
    for (const entry of plugin.commands) {
      add(readCommand(entry.file, entry.name, "plugin", warnings, { name: plugin.name, root: plugin.root }));
    }
  }
  return [...commands.values()];
}

function skillCommand(skill: Skill): MarkdownCommand {
  return {
    name: skill.name,
    kind: "skill",
    description: skill.description,
    ...(skill.argumentHint ? { argumentHint: skill.argumentHint } : {}),
    ...(skill.argumentNames ? { argumentNames: skill.argumentNames } : {}),
    ...(skill.allowedTools ? { allowedTools: skill.allowedTools } : {}),
    ...(skill.disallowedTools ? { disallowedTools: skill.disallowedTools } : {}),
    ...(skill.model ? { model: skill.model } : {}),
    body: skill.body,
    file: skill.file,
    dir: skill.dir,
    scope: skill.scope,
    ...(skill.plugin ? { plugin: skill.plugin } : {}),
  };
}

/**
 * The command `/name` means: an exact name first, then a plugin's command whose name after
 * `<plugin>:` is `name` when only one plugin has it (Claude Code's short form).
 */
export function findMarkdownCommand(commands: readonly MarkdownCommand[], name: string): MarkdownCommand | undefined {
  const exact = commands.find((command) => command.name === name);
  if (exact) return exact;
  const short = commands.filter((command) => command.plugin && command.name === `${command.plugin.name}:${name}`);
  return short.length === 1 ? short[0] : undefined;
}

/** Names close to what was typed (a typo, a missing namespace), nearest first, at most `limit`. */
export function closeMatches(names: readonly string[], typed: string, limit = 5): string[] {
  const wanted = typed.toLowerCase();
  const scored = names
    .map((name) => {
      const lower = name.toLowerCase();
      const last = lower.split(":").at(-1)!;
      const distance = Math.min(editDistance(lower, wanted), editDistance(last, wanted));
      const related = lower.startsWith(wanted) || lower.includes(wanted) || wanted.includes(last);
      return { name, score: related ? Math.min(distance, 1) : distance };
    })
    .filter(({ score, name }) => score <= Math.max(2, Math.floor(Math.min(name.length, wanted.length) / 3)));
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function readCommand(
  file: string,
  name: string,
  scope: DefinitionScope,
  warnings: string[],
  plugin?: { name: string; root: string },
): MarkdownCommand | undefined {
  let parsed: ReturnType<typeof readDefinitionFile>;
  try {
    parsed = readDefinitionFile(file);
  } catch (error) {
    warnings.push(`Skipped command ${file}: ${(error as Error).message}.`);
    return undefined;
  }
  const { data } = parsed;
  // Claude Code shows the body's first line when there is no description.
  const description = stringField(data, "description") ?? firstParagraph(parsed.body)?.slice(0, 100);
  const argumentHint = stringField(data, "argument-hint");
  const argumentNames = argumentsField(data);
  const allowedTools = toolListField(data, "allowed-tools");
  const disallowedTools = toolListField(data, "disallowed-tools");
  const model = stringField(data, "model");
  return {
    name,
    kind: "command",
    ...(description ? { description } : {}),
    ...(argumentHint ? { argumentHint } : {}),
    ...(argumentNames?.length ? { argumentNames } : {}),
    ...(allowedTools?.length ? { allowedTools } : {}),
    ...(disallowedTools?.length ? { disallowedTools } : {}),
    ...(model && model !== "inherit" ? { model } : {}),
    body: parsed.body,
    file,
    scope,
    ...(plugin ? { plugin } : {}),
  };
}
