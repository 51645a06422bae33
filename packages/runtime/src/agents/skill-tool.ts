import { type Dirent, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { Skill } from "@pincer/claude-code";
import type { Tool, ToolResult } from "@pincer/kernel";

export interface SkillArgs {
  name: string;
  file?: string;
}

/** Most files listed from a skill's folder; the rest are counted. */
const MAX_LISTED = 100;

/**
 * `skill { name }`: the model sees every skill's name and description here, in the tool's
 * description, and loads one in full only when it needs it (progressive disclosure). The result
 * is the SKILL.md body, the folder's path and the files beside it; `skill { name, file }` reads one
 * of those files, so a skill kept outside the workspace (in PINCER_HOME) is usable without
 * widening the tools' file grants. Kind `read`: it never asks.
 */
export function createSkillTool(skills: Skill[]): Tool<SkillArgs> {
  const byName = new Map(skills.map((skill) => [skill.name, skill]));
  const list = skills.map((skill) => `- ${skill.name}: ${skill.description}`).join("\n");
  return {
    name: "skill",
    kind: "read",
    description: [
      "Load a skill: instructions for a kind of task, with any scripts and references it comes with.",
      "When a task matches a skill below, call this with its name before starting, then follow the instructions it returns.",
      "To read a file the skill refers to, call again with `file` set to its path inside the skill's folder.",
      "",
      "Available skills:",
      list,
    ].join("\n"),
    parameters: {
      type: "object",
      properties: {
        name: { type: "string", description: "The skill's name, as listed." },
        file: { type: "string", description: "Optional: a file in the skill's folder to read, e.g. reference.md." },
      },
      required: ["name"],
      additionalProperties: false,
    },
    async execute(args): Promise<ToolResult> {
      const skill = byName.get(args.name);
      if (!skill) {
        return {
          isError: true,
          content: `No skill named "${args.name}". Available skills: ${[...byName.keys()].join(", ") || "none"}.`,
        };
      }
      if (args.file) return readSkillFile(skill, args.file);
      const files = listFiles(skill.dir);
      const listed = files.slice(0, MAX_LISTED).map((file) => `- ${file}`);
      if (files.length > MAX_LISTED) listed.push(`- … and ${files.length - MAX_LISTED} more`);
      const content = [
        `Skill "${skill.name}" (folder: ${skill.dir})`,
        "",
        skill.body,
        ...(listed.length
          ? [
              "",
              `Files in the skill's folder (read one with skill { "name": "${skill.name}", "file": "<path>" }; paths in the instructions are relative to the folder):`,
              ...listed,
            ]
          : []),
      ].join("\n");
      return { content, details: { name: skill.name, dir: skill.dir, files: files.slice(0, MAX_LISTED) } };
    },
  };
}

function readSkillFile(skill: Skill, file: string): ToolResult {
  const target = resolve(skill.dir, file);
  const outside = () => ({
    isError: true,
    content: `${file} is not inside the folder of skill "${skill.name}" (${skill.dir}). Use a path relative to that folder.`,
  });
  if (!inside(skill.dir, target)) return outside();
  let real: string;
  try {
    real = realpathSync(target);
    if (!statSync(real).isFile()) throw new Error("not a file");
  } catch {
    return {
      isError: true,
      content: `No file ${file} in the folder of skill "${skill.name}". Files: ${listFiles(skill.dir).slice(0, 20).join(", ")}.`,
    };
  }
  // A symlink must not lead out of the folder either.
  if (!inside(realpathSync(skill.dir), real)) return outside();
  const bytes = readFileSync(real);
  if (bytes.subarray(0, 8000).includes(0)) {
    return {
      isError: true,
      content: `${file} is a binary file; it cannot be shown as text. Use it by its path: ${target}.`,
    };
  }
  return { content: bytes.toString("utf8"), details: { name: skill.name, file: target } };
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** Files under the folder (not SKILL.md itself), relative, sorted, skipping dot-folders and node_modules. */
function listFiles(dir: string, prefix = "", depth = 0, out: string[] = []): string[] {
  if (depth > 4 || out.length > MAX_LISTED * 2) return out;
  let entries: Dirent[];
  try {
    entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") listFiles(dir, rel, depth + 1, out);
    } else if (rel !== "SKILL.md") out.push(rel);
  }
  return out;
}
