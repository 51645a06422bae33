import { type Dir, opendirSync } from "node:fs";
import { join } from "node:path";

/** How deep a manifest's `activation.files` looks: the folder itself and two levels below. */
const MAX_DEPTH = 2;
/** Entries read at most: a huge tree (or one huge folder) costs a bounded millisecond or two, never a crawl. */
const MAX_ENTRIES = 2000;
/** Folders opened at most: each costs system calls, and a wide tree has thousands. */
const MAX_FOLDERS = 64;

/**
 * Whether any of the folders holds a file whose name matches one of the patterns (`*.ipynb`;
 * `*` and `?` as in a shell, no slashes), looking two folders deep and skipping hidden folders
 * and node_modules. Bounded: after MAX_ENTRIES entries or MAX_FOLDERS folders it answers no.
 * Unreadable folders are skipped. Asked once per session, to decide whether a plugin's tools are
 * offered at all.
 */
export function workspaceHasFile(roots: readonly string[], patterns: readonly string[]): boolean {
  if (patterns.length === 0) return false;
  const matchers = patterns.map(globToRegExp);
  let budget = MAX_ENTRIES;
  let folders = MAX_FOLDERS;
  let level = [...roots];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (--folders < 0) return false;
      let handle: Dir;
      try {
        handle = opendirSync(dir, { bufferSize: 64 });
      } catch {
        continue;
      }
      try {
        // Entry by entry: a folder with a million files is read only as far as the budget goes.
        for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
          if (--budget < 0) return false;
          if (entry.isFile() && matchers.some((matcher) => matcher.test(entry.name))) return true;
          if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
            next.push(join(dir, entry.name));
          }
        }
      } catch {
        // Unreadable as we went: what was read counts.
      } finally {
        handle.closeSync();
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
