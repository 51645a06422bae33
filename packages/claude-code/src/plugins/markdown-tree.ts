import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isDirectory, isFile } from "@pincer/host";

/** How deep subfolders are followed, and how many files are taken: a folder is settings, not a corpus. */
const MAX_DEPTH = 5;
const MAX_FILES = 1000;

/**
 * Every `.md` file under `dir`, named as Claude Code names commands: the file's name without
 * `.md`, after its subfolders joined by `:` (`frontend/component.md` → `frontend:component`).
 * Folders holding a SKILL.md are skills, not commands, and are left out; so are dot-folders.
 */
export function markdownTree(dir: string): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  const walk = (folder: string, prefix: string[], depth: number) => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= MAX_FILES) return;
      const path = join(folder, name);
      if (name.endsWith(".md") && isFile(path)) {
        out.push({ name: [...prefix, name.slice(0, -3)].join(":"), file: path });
      } else if (!name.startsWith(".") && depth < MAX_DEPTH && isDirectory(path) && !isFile(join(path, "SKILL.md"))) {
        walk(path, [...prefix, name], depth + 1);
      }
    }
  };
  walk(dir, [], 0);
  return out;
}
