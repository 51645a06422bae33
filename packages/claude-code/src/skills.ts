import { readdirSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { isDirectory, isFile } from "@pincer/host";
import { claudeHome } from "./claude-home.js";
import { booleanField, listField, readNamedDefinition, stringField, toolListField } from "./front-matter.js";

/** Where a skill or command was found: the user's own, a repository's, or an installed plugin's. */
export type DefinitionScope = "user" | "project" | "plugin";

/** An Agent Skill (the open SKILL.md format, with Claude Code's front matter fields). */
export interface Skill {
  /** What `/name` and the skill tool call it: the folder's name, or `<plugin>:<name>` for a plugin's. */
  name: string;
  description: string;
  /** The folder holding SKILL.md and any files it refers to (`${CLAUDE_SKILL_DIR}`). */
  dir: string;
  /** SKILL.md itself. */
  file: string;
  /** The instructions: SKILL.md without its front matter. */
  body: string;
  scope: DefinitionScope;
  plugin?: { name: string; root: string };
  /** `disable-model-invocation`: only the user runs it (`/name`); the model is not told of it. */
  modelInvocable: boolean;
  /** `user-invocable: false`: only the model loads it; `/name` does not run it. */
  userInvocable: boolean;
  argumentHint?: string;
  /** `arguments`: names for the positional arguments (`$name` in the body). */
  argumentNames?: string[];
  allowedTools?: string[];
  disallowedTools?: string[];
  model?: string;
}

/** A folder of `<skill>/SKILL.md` folders (or, for a plugin, one holding SKILL.md itself). */
export interface SkillRoot {
  dir: string;
  scope: DefinitionScope;
  plugin?: { name: string; root: string };
}

/** Claude Code's cap on what the listing shows of a skill (description and when_to_use together). */
export const SKILL_DESCRIPTION_MAX = 1536;

/**
 * Where skills live, in Claude Code's order of precedence: the user's (personal overrides
 * project, so a repository cannot replace a skill you rely on) — `PINCER_HOME/skills` and
 * `~/.claude/skills` — then the project's `.pincer/skills` and `.claude/skills`. When two define
 * the same name, the first wins. Plugins' skills are namespaced (`<plugin>:<skill>`) and never clash.
 */
export function skillRoots(options: { cwd: string; pincerHome: string; env?: NodeJS.ProcessEnv }): SkillRoot[] {
  return [
    { dir: join(options.pincerHome, "skills"), scope: "user" },
    ...(options.env ? [{ dir: join(claudeHome(options.env), "skills"), scope: "user" as const }] : []),
    { dir: join(options.cwd, ".pincer", "skills"), scope: "project" },
    { dir: join(options.cwd, ".claude", "skills"), scope: "project" },
  ];
}

/**
 * Every `<root>/<folder>/SKILL.md` (and a plugin root's own SKILL.md); a file that cannot be used
 * is skipped with a warning naming it. A folder reached twice through symlinks is read once.
 */
export function loadSkills(roots: SkillRoot[], warnings: string[]): Skill[] {
  const skills = new Map<string, Skill>();
  const seen = new Set<string>();
  const add = (root: SkillRoot, dir: string, folderName: string) => {
    const file = join(dir, "SKILL.md");
    if (!isFile(file)) return;
    const real = safeRealpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const skill = readSkill(root, dir, file, folderName, warnings);
    if (skill && !skills.has(skill.name)) skills.set(skill.name, skill);
  };
  for (const root of roots) {
    // A plugin whose skill is its root SKILL.md (Claude Code's single-skill plugin layout).
    if (root.plugin && isFile(join(root.dir, "SKILL.md"))) {
      add(root, root.dir, basename(root.dir));
      continue;
    }
    for (const folder of listDirs(root.dir)) add(root, join(root.dir, folder), folder);
  }
  return [...skills.values()];
}

function readSkill(
  root: SkillRoot,
  dir: string,
  file: string,
  folderName: string,
  warnings: string[],
): Skill | undefined {
  const { definition, skip } = readNamedDefinition(file, "skill", warnings, {
    fallbackName: folderName,
    describeFromBody: true,
  });
  if (!definition) return undefined;
  const { data } = definition;
  // A user's or project's skill is called by its folder's name (the front matter's is a label);
  // a plugin's by its front matter name, or its folder's, after the plugin's name.
  const ownName = root.plugin ? (stringField(data, "name") ?? folderName) : folderName;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(ownName)) {
    return skip(`its name "${ownName}" is not letters, digits, ".", "_" or "-" (use lowercase-words-with-hyphens)`);
  }
  const whenToUse = stringField(data, "when_to_use");
  const full = whenToUse ? `${definition.description} ${whenToUse}` : definition.description;
  const model = stringField(data, "model");
  const argumentHint = stringField(data, "argument-hint");
  const argumentNames = argumentsField(data);
  const allowedTools = toolListField(data, "allowed-tools");
  const disallowedTools = toolListField(data, "disallowed-tools");
  return {
    name: root.plugin ? `${root.plugin.name}:${ownName}` : ownName,
    description: full.length > SKILL_DESCRIPTION_MAX ? `${full.slice(0, SKILL_DESCRIPTION_MAX - 1)}…` : full,
    dir,
    file,
    body: definition.body.trim(),
    scope: root.scope,
    ...(root.plugin ? { plugin: root.plugin } : {}),
    modelInvocable: booleanField(data, "disable-model-invocation") !== true,
    userInvocable: booleanField(data, "user-invocable") !== false,
    ...(argumentHint ? { argumentHint } : {}),
    ...(argumentNames?.length ? { argumentNames } : {}),
    ...(allowedTools?.length ? { allowedTools } : {}),
    ...(disallowedTools?.length ? { disallowedTools } : {}),
    ...(model && model !== "inherit" ? { model } : {}),
  };
}

/** `arguments: [issue, branch]` or `arguments: issue branch`. */
export function argumentsField(data: Record<string, unknown>): string[] | undefined {
  const value = data.arguments;
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return listField(data, "arguments");
}

function listDirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(join(root, entry.name))))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
