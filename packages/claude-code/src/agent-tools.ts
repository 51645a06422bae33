import { pincerToolName } from "./tool-names.js";

/**
 * The tools an agent file's `tools` list picks, in the order of the available ones. Names are
 * case-insensitive and Claude Code's names work (tool-names.ts); a `*` matches any run of characters
 * (`hf_papers_*`: every paper tool, whichever a plugin version has). A name or pattern that
 * matches nothing goes into `missing`, not fatal: the agent runs with what there is.
 */
export function selectTools<T extends { name: string }>(
  available: readonly T[],
  wanted: string[],
  missing: string[],
): T[] {
  const picked = new Set<T>();
  for (const entry of wanted) {
    const key = entry.toLowerCase();
    const pattern = key.includes("*") ? wildcard(key) : undefined;
    const matches = available.filter((tool) => {
      const name = tool.name.toLowerCase();
      return pattern ? pattern.test(name) : name === pincerToolName(key).toLowerCase();
    });
    if (matches.length === 0) missing.push(entry);
    for (const tool of matches) picked.add(tool);
  }
  return available.filter((tool) => picked.has(tool));
}

function wildcard(pattern: string): RegExp {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`);
}
