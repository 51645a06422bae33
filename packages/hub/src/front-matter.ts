/**
 * The front matter of a Markdown file (papers under `papers/*.md`, repo cards' README.md): the
 * small YAML subset cards use, with no YAML dependency. `key: value`, `key: [a, "b"]`, and block
 * lists (`key:` then `- item` lines). Nested maps are skipped. Booleans are typed; numbers stay
 * strings, so an id like 2106.09680 keeps its trailing zero (callers use Number() where they want one).
 */
export type FrontMatterValue = string | boolean | string[];

export interface MarkdownWithFrontMatter {
  data: Record<string, FrontMatterValue>;
  body: string;
}

const scalar = (raw: string): string | boolean => {
  const text = raw.trim();
  if (/^".*"$/.test(text)) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (text === "true" || text === "false") return text === "true";
  return text;
};

const flowList = (raw: string): string[] =>
  raw
    .trim()
    .slice(1, -1)
    .split(",")
    .map((item) => String(scalar(item)))
    .filter(Boolean);

/** Splits `---\n…\n---\n` off the top; a file without it is all body. */
export function parseFrontMatter(text: string): MarkdownWithFrontMatter {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { data: {}, body: text };
  const data: Record<string, FrontMatterValue> = {};
  let listKey: string | undefined;
  for (const line of (match[1] ?? "").split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith("#")) continue;
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey) {
      const list = data[listKey];
      if (Array.isArray(list)) list.push(String(scalar(item[1] ?? "")));
      continue;
    }
    // An indented line that isn't a list item belongs to a nested map: skipped.
    if (/^\s/.test(line)) continue;
    const pair = /^([\w.-]+)\s*:\s*(.*)$/.exec(line);
    listKey = undefined;
    if (!pair) continue;
    const [, key = "", value = ""] = pair;
    if (!value.trim()) {
      data[key] = [];
      listKey = key;
    } else if (/^\[.*\]$/.test(value.trim())) {
      data[key] = flowList(value);
    } else {
      data[key] = scalar(value);
    }
  }
  return { data, body: text.slice(match[0].length) };
}

/** A value as a list of strings: a list stays one, a scalar becomes a one-item list. */
export const asList = (value: FrontMatterValue | undefined): string[] =>
  value === undefined || value === "" ? [] : Array.isArray(value) ? value : [String(value)];
