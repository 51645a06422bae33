import { type Dirent, readdirSync } from "node:fs";
import { join } from "node:path";

/** How deep a manifest's `activation.files` looks: the folder itself and two levels below. */
const MAX_DEPTH = 2;
/** Entries read at most: a huge tree costs a bounded few milliseconds, never a crawl. */
const MAX_ENTRIES = 5000;

/**
 * Whether any of the folders holds a file whose name matches one of the patterns (`*.ipynb`;
 * `*` and `?` as in a shell, no slashes), looking two folders deep and skipping hidden folders
 * and node_modules. Bounded: after MAX_ENTRIES entries it answers no. Unreadable folders are
 * skipped. Used once per session to decide whether a plugin's tools are offered at all.
 */
export function workspaceHasFile(roots: readonly string[], patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const matchers = patterns.map(globToRegExp);
  let budget = MAX_ENTRIES;
  let level = [...roots];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (--budget < 0) return false;
        if (entry.isFile() && matchers.some((matcher) => matcher.test(entry.name))) return true;
        if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
          next.push(join(dir, entry.name));
        }
      }
    }
    level = next;
  }
  return false;
}

function globToRegExp(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}
