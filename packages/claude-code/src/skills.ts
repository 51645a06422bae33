import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, isFile } from "@pincer/host";
import { readNamedDefinition } from "./front-matter.js";

/** An Agent Skill (the open SKILL.md format): a folder whose SKILL.md front matter names and describes it. */
export interface Skill {
  name: string;
  description: string;
  /** The folder holding SKILL.md and any files it refers to. */
  dir: string;
  /** SKILL.md itself. */
  file: string;
  /** The instructions: SKILL.md without its front matter. */
  body: string;
}

/** The spec's limit; a longer description is cut, since every one is shown on every request. */
export const SKILL_DESCRIPTION_MAX = 1024;

/**
 * Where skills live, nearest first: the project's `.pincer/skills`, then `.claude/skills` (so
 * skills written for Claude Code work as they are), then the user's `PINCER_HOME/skills`.
 * When two define the same name, the nearest wins.
 */
export function skillRoots(options: { cwd: string; pincerHome: string }): string[] {
  return [
    join(options.cwd, ".pincer", "skills"),
    join(options.cwd, ".claude", "skills"),
    join(options.pincerHome, "skills"),
  ];
}

/** Every `<root>/<folder>/SKILL.md`; a file that cannot be used is skipped with a warning naming it. */
export function loadSkills(roots: string[], warnings: string[]): Skill[] {
  const skills = new Map<string, Skill>();
  for (const root of roots) {
    for (const folder of listDirs(root)) {
      const dir = join(root, folder);
      const file = join(dir, "SKILL.md");
      if (!isFile(file)) continue;
      const skill = readSkill(dir, file, warnings);
      if (skill && !skills.has(skill.name)) skills.set(skill.name, skill);
    }
  }
  return [...skills.values()];
}

function readSkill(dir: string, file: string, warnings: string[]): Skill | undefined {
  const { definition, skip } = readNamedDefinition(file, "skill", warnings);
  if (!definition) return undefined;
  const { name, description } = definition;
  if (/[\s,]/.test(name)) return skip(`its name "${name}" has spaces or commas; use lowercase-words-with-hyphens`);
  return {
    name,
    description:
      description.length > SKILL_DESCRIPTION_MAX ? `${description.slice(0, SKILL_DESCRIPTION_MAX - 1)}…` : description,
    dir,
    file,
    body: definition.body.trim(),
  };
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
